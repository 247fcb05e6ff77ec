#pragma once
// Where a command's output goes, and whether colour is allowed.
//
// An output path is one of: "-" (standard output); an existing path that is not a regular file
// (a device such as /dev/null, a FIFO, a terminal, /dev/stdout), written in place; or a regular
// file, new or existing, replaced atomically: the text goes to a mkstemp temporary in the same
// folder, is fsync'd and renamed over the path, so a crash leaves the old file or the new one,
// never half a file, and no temporary is left on any error. A symlink is followed: its target is
// what gets written or replaced.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace xpu {

// Writes text to the output `path` as above. Errors (cannot create, ENOSPC, EIO) name the path
// and the system's reason; nothing is written to a regular file unless all of it is.
result<void> write_output(const std::string& path, std::string_view text);

// Whether `path` may be written more than once (a regular file or one to be created): a run
// rewrites such outputs after every benchmark; a stream (stdout, a FIFO, a device) gets one
// document at the end.
bool output_rewritable(const std::string& path);

// Whether the output lands on this process's standard output ("-", /dev/stdout, /dev/fd/1, or the
// very file stdout is redirected to): the report then goes to standard error.
bool output_is_stdout(const std::string& path);

// Refuses an output that cannot be written, before anything is measured: a missing folder, a
// folder without write permission, a device without it.
result<void> output_check(const std::string& path);

// Refuses, before any work, an output that would replace one of the command's inputs or another of
// its outputs: the same existing file (device and inode, through symlinks and hard links), or the
// same path for files still to be made. Standard output, devices and FIFOs are never a clash.
// `outputs` and `inputs` are {option, path} pairs: the message names the options.
result<void> outputs_apart(const std::vector<std::pair<std::string, std::string>>& outputs,
                           const std::vector<std::pair<std::string, std::string>>& inputs);

// Colour only on a terminal, never with NO_COLOR set (https://no-color.org), never for TERM=dumb.
bool color_allowed(std::FILE* stream);

}  // namespace xpu

namespace xpu {

// Whether progress may rewrite one line in place: a terminal that is not TERM=dumb.
bool progress_line_allowed(std::FILE* stream);
// The terminal's width in columns (TIOCGWINSZ, else $COLUMNS); 0 when unknown.
std::size_t terminal_columns(std::FILE* stream);

// A new folder for one run's results: $XPUBENCH_RESULTS (default ./xpubench-results) /
// HOST-YYYYmmdd-HHMMSS (UTC; -2, -3, ... when taken). The error says how to point it elsewhere.
result<std::string> results_folder(const std::string& hostname, std::time_t when);
// Where those folders go: $XPUBENCH_RESULTS, else ./xpubench-results.
std::filesystem::path results_base();

}  // namespace xpu
