#include "cli/collective_command.hpp"
#include "cli/options.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/units.hpp"
#include "probe/registry.hpp"
#include "reporters/text_table.hpp"
#include "results/run_json.hpp"
#include "session/collectives.hpp"
#include "session/fleet.hpp"
#include "session/isolated_probe.hpp"
#include "session/subprocess.hpp"
#include "xpubench/version.hpp"

namespace xpu {

void collective_command::add_options(CLI::App& sub) {
  sub.add_option("--op", ops, "all_reduce, all_gather, reduce_scatter, broadcast, send_recv (default: all)")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(collective_ops), std::end(collective_ops))));
  sub.add_option("--bytes", bytes,
                 "Message sizes: a number of bytes with an optional K, M or G (binary), 8 to 4G (default: 8 64 512 4K 32K 256K 2M 16M 64M 256M); "
                 "all-gather and reduce-scatter split a size over the ranks, as nccl-tests does");
  sub.add_option("--precision", precisions, "Payload types: fp32, fp16, int8 (default: all)")->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  sub.add_option("--repetitions", repetitions, "Timed loops per size (the median is reported; default 5)")->check(CLI::Range(1, 1000));
  sub.add_option("--min-time", min_time, "Seconds each timed loop runs at least (default 0.05)")->check(finite_range(1e-4, 60.0));
  sub.add_option("--seed", seed, "Seed of the payload values (default 42)");
  sub.add_option("--json", json, "Write the rows as an xpubench run (report, compare and history read it) to FILE; '-' is standard output");
  sub.add_flag("-q,--quiet", quiet, "No table: only errors");
}

namespace {

// "64M" -> 67108864; none for anything else, or beyond 4 GiB.
std::optional<std::uint64_t> parse_size(const std::string& s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || v == 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  const int shift = unit.empty() ? 0 : unit == "K" || unit == "k" ? 10 : unit == "M" ? 20 : unit == "G" ? 30 : -1;
  if (shift < 0 || v > (std::uint64_t{4} << 30) >> shift) return std::nullopt;
  return v << shift;
}

}  // namespace

int collective_command::run() const {
  collective_options o;
  o.ops = ops.empty() ? std::vector<std::string>(std::begin(collective_ops), std::end(collective_ops)) : ops;
  for (const std::string& b : bytes.empty() ? std::vector<std::string>{"8", "64", "512", "4K", "32K", "256K", "2M", "16M", "64M", "256M"} : bytes) {
    const auto v = parse_size(b);
    if (!v) return say(stderr, "xpubench collective: --bytes '{}': expected a size from 1 to 4G, e.g. 8, 4K, 64M\n", b), 2;
    o.bytes.push_back(*v);
  }
  for (const std::string& p : precisions.empty() ? std::vector<std::string>{"fp32", "fp16", "int8"} : precisions)
    o.precisions.push_back(p == "fp32" ? precision::fp32 : p == "fp16" ? precision::fp16 : precision::int8);
  o.repetitions = repetitions;
  o.min_time_s = min_time;
  o.seed = seed;
  if (!(min_time > 0))  // CLI11's Range lets NaN through
    return say(stderr, "xpubench collective: --min-time must be a number of seconds above 0\n"), 2;
  if (!fleet_built() || !fleet_launched())
    return say(stderr, "xpubench collective: collectives run between the ranks of an MPI job: `mpirun -np 2 xpubench collective` "
                              "(or srun){}\n",
                      fleet_built() ? "" : "; this xpubench was built without MPI (install libopenmpi-dev and rebuild)"),
           2;
  auto f = fleet_join();
  if (!f) return 2;
  if (f->size < 2) {
    say(stderr, "xpubench collective: this job has 1 rank: start at least 2 (mpirun -np 2 ...)\n");
    fleet_leave(*f, false, 2);
    return 2;
  }
  // Only rank 0 writes: its output is checked there, and every rank learns the answer (no rank
  // may leave the others waiting in a collective).
  int output_ok = 1;
  if (f->rank == 0 && !json.empty())
    if (auto ok = output_check(json); !ok) say(stderr, "xpubench collective: {}\n", ok.error().message), output_ok = 0;
  if (!fleet_agree(output_ok)) {
    fleet_leave(*f, false, 2);
    return 2;
  }
  xpu::run r;
  r.context.xpubench_version = version;
  r.context.git_sha = git_sha;
  r.context.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  r.context.command_line = command_line;
  r.context.suite = "collective";
  r.context.repetitions = repetitions;
  r.context.min_time_s = min_time;
  r.context.seed = seed;
  r.context.threads = 1;
  r.context.libraries = fleet_mpi_version();
  auto outcome = collectives_measure(*f, o);
  r.measurements = std::move(outcome.rows);
  r.context.finished = outcome.stopped.empty();
  int rc = 0;
  if (!outcome.stopped.empty()) {  // every rank knows; rank 0 says it, and keeps what was measured
    if (f->rank == 0) say(stderr, "xpubench collective: {}\n", outcome.stopped);
    rc = 2;
  }
  if (f->rank == 0) {
    probe_options cpu_only;  // the machine rank 0 ran on, for the report (its devices are not what was measured)
    for (const device_backend& b : device_backends()) cpu_only.skip.emplace_back(b.name);
    if (auto inv = probe_machine_isolated(cpu_only, true, 60)) r.context.machine = std::move(*inv);
    else r.context.machine.host.hostname = fleet_host_name();
    std::FILE* table_to = !json.empty() && output_is_stdout(json) ? stderr : stdout;  // the run owns standard output then
    if (!quiet && !r.measurements.empty()) {
      text_table t({"operation", "type", "size", "time", "algorithm bw", "bus bw", "verified"});
      for (const measurement& m : r.measurements) {
        if (m.state == status::unsupported) {
          t.add_row({m.problem.substr(11), m.precision, "", "", "", "", m.reason});
          continue;
        }
        t.add_row({m.problem.substr(11, m.problem.find('/', 11) - 11), m.precision, format_bytes(static_cast<std::uint64_t>(m.bytes)),
                   format_seconds(m.time_s->median), fmt::format("{}B/s", format_si(m.bytes_per_s.value_or(0))),
                   fmt::format("{}B/s", format_si(m.ops_per_s.value_or(0))), m.verification.passed ? "ok (exact)" : "WRONG: " + m.verification.message});
      }
      say(table_to, "{}", t.render());
      say(table_to, "{} rank(s); {}; host buffers. Bus bandwidth as nccl-tests defines it: all-reduce x 2(n-1)/n, all-gather and "
                 "reduce-scatter x (n-1)/n, broadcast and point-to-point x 1.\n", f->size, fleet_mpi_version());
    }
    if (!json.empty())
      if (auto ok = write_output(json, run_to_json(r).dump(1) + "\n"); !ok) say(stderr, "xpubench collective: {}\n", ok.error().message), rc = 2;
    if (std::ranges::any_of(r.measurements, [](const measurement& m) { return m.state == status::invalid; })) rc = rc ? rc : 1;
  }
  fleet_leave(*f, false, rc);
  return rc;
}

}  // namespace xpu
