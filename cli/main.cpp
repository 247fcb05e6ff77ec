// xpubench: what is in this machine, and how fast does it run the kernels that matter.
// Exit codes: 0 success; 1 a regression or an invalid result; 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <system_error>
#include <string>
#include <vector>

#include "cli/ab_command.hpp"
#include "cli/collective_command.hpp"
#include "cli/compare_command.hpp"
#include "cli/history_command.hpp"
#include "cli/probe_command.hpp"
#include "cli/report_command.hpp"
#include "cli/run_command.hpp"
#include "cli/suite_command.hpp"
#include "cli/version.hpp"
#include "core/units.hpp"

int main(int argc, char** argv) {
  CLI::App app{"xpubench: what AI/ML hardware can really do.\n"
               "With no command: the probe report, then the quick suite on every device.",
               "xpubench"};
  app.set_version_flag("--version", std::function<std::string()>(xpu::version_report));
  app.require_subcommand(0, 1);

  xpu::probe_command probe;
  CLI::App* probe_sub = app.add_subcommand("probe", "Report the compute in this machine: CPU topology and ISA features, "
                                                    "OpenCL and Vulkan devices, power sensors, peak estimates");
  probe.add_options(*probe_sub);

  xpu::run_command run;
  CLI::App* run_sub = app.add_subcommand("run", "Run a suite (default: quick) on every device: verified GEMM, conv2d, "
                                                "reduction, peak, bandwidth, latency, attention, softmax, RMSNorm, LayerNorm, SiLU, "
                                                "quantized-block (qgemm) and mixture-of-experts (moe) benchmarks");
  run.add_options(*run_sub);
  xpu::compare_command compare;
  CLI::App* compare_sub = app.add_subcommand("compare", "Compare runs (BASE HEAD, or BASE... -- HEAD...): per benchmark the head/base "
                                                        "ratio with its confidence interval and a verdict; exit 1 on a regression (a CI gate)");
  compare.add_options(*compare_sub);
  xpu::ab_command ab;
  CLI::App* ab_sub = app.add_subcommand("ab", "An interleaved A/B gate: run two xpubench builds in alternating processes (ABBA), then "
                                              "compare them with each process as one sample; exit 1 on a regression");
  ab.add_options(*ab_sub);
  xpu::report_command report;
  CLI::App* report_sub = app.add_subcommand("report", "Render runs as one report: HTML with rooflines from the measured ceilings, devices side "
                                                      "by side and ranked per workload, accuracy, notes; or Markdown or text");
  report.add_options(*report_sub);
  xpu::history_command history;
  CLI::App* history_sub = app.add_subcommand("history", "A run history in SQLite: add runs, list them, show a benchmark's series, export it, "
                                                        "check every series for steps (change points)");
  history.add_options(*history_sub);
  xpu::collective_command collective;
  CLI::App* collective_sub = app.add_subcommand("collective", "Under mpirun/srun: all-reduce, all-gather, reduce-scatter, broadcast and "
                                                              "point-to-point between the ranks, per message size, verified on every rank");
  collective.add_options(*collective_sub);
  xpu::suite_command suite;
  CLI::App* suite_sub = app.add_subcommand("suite", "Suites: write one from a model file (from-model), print a built-in one (show)");
  suite.add_options(*suite_sub);
  // `compare BASE... -- HEAD...`: the `--` that separates the sides becomes --head.
  std::vector<std::string> rewritten(argv, argv + argc);
  if (argc > 1 && std::strcmp(argv[1], "compare") == 0)
    for (auto& a : rewritten)
      if (a == "--") {
        a = "--head";
        break;
      }
  std::vector<char*> args;
  for (auto& a : rewritten) args.push_back(a.data());
  for (int i = 0; i < argc; ++i) run.command_line += (i ? " " : "") + std::string(argv[i]);
  collective.command_line = run.command_line;

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    xpu::say(stderr, "xpubench: {}\nRun 'xpubench --help' for the commands and their options.\n", e.what());
    return 2;
  }
  int code = 2;
  try {
    if (probe_sub->parsed()) code = probe.run();
    else if (run_sub->parsed()) code = run.run();
    else if (compare_sub->parsed()) code = compare.run();
    else if (ab_sub->parsed()) code = ab.run();
    else if (report_sub->parsed()) code = report.run();
    else if (history_sub->parsed()) code = history.run();
    else if (suite_sub->parsed()) code = suite.run();
    else if (collective_sub->parsed()) code = collective.run();
    else {  // No subcommand: the main job: the probe report, then the quick suite on every device.
      run.show_probe = true;
      run.keep_results = true;
      code = run.run();
    }
  } catch (const std::system_error& e) {  // fmt::print on a closed pipe (SIGPIPE is ignored: files are written first)
    std::fprintf(stderr, "xpubench: cannot write the report: %s (did the reader of the output go away?)\n", e.what());
    return 2;
  }
  // What went to standard output through stdio's buffer is checked once, here, for every command:
  // a full device or a closed pipe is exit 2 with the reason, never a quiet 0 with the output lost.
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "xpubench: cannot write to standard output: %s; what this command printed is incomplete\n",
                 errno ? std::strerror(errno) : "write error");
    return 2;
  }
  return code;
}
