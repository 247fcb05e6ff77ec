#include "session/fleet.hpp"

#if XPUBENCH_WITH_MPI
#include <mpi.h>
#endif
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "results/run_json.hpp"

namespace xpu {

bool fleet_built() { return XPUBENCH_WITH_MPI != 0; }

std::string fleet_host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
}

bool fleet_launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (const char* s = std::getenv(v); s && *s) return true;
  return false;
}

#if XPUBENCH_WITH_MPI
namespace {


// The CPUs of a set, as "0-3,8".
std::string cpu_list(const cpu_set_t& s) {
  std::string out;
  for (int i = 0; i < CPU_SETSIZE; ++i) {
    if (!CPU_ISSET(i, &s)) continue;
    int j = i;
    while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &s)) ++j;
    out += fmt::format("{}{}", out.empty() ? "" : ",", i == j ? fmt::format("{}", i) : fmt::format("{}-{}", i, j));
    i = j;
  }
  return out;
}

// Launchers bind each rank to a core or socket; a rank measures its whole node, so it is freed
// (the kernel keeps it within its cgroup's CPUs). Returns the CPUs it was bound to, if it was.
std::string unbind() {
  cpu_set_t now;
  CPU_ZERO(&now);
  if (sched_getaffinity(0, sizeof now, &now) != 0) return {};
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online <= 0 || CPU_COUNT(&now) >= online) return {};
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &all);
  return sched_setaffinity(0, sizeof all, &all) == 0 ? cpu_list(now) : std::string();
}

constexpr auto poll_interval = std::chrono::milliseconds(5);

MPI_Comm g_node = MPI_COMM_NULL;  // the ranks on this node
bool g_broken = false;            // a wait was abandoned: MPI_Finalize could hang, so leaving aborts
constexpr int tag_size = 7301, tag_data = 7302;
constexpr std::uint64_t chunk = 1u << 30;

// Waits for every request without spinning a core (MPI's blocking waits poll at full speed, and a
// node's measuring rank shares its cores with the waiting ones); false when `give_up()` says so first.
template <class GiveUp>
bool wait_quietly(std::vector<MPI_Request>& requests, GiveUp give_up) {
  for (int done = 0;;) {
    MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE);
    if (done) return true;
    if (give_up()) return false;
    std::this_thread::sleep_for(poll_interval);
  }
}

// A barrier among the node's ranks, waited on quietly.
bool node_barrier(const std::atomic<bool>& stop) {
  std::vector<MPI_Request> req(1, MPI_REQUEST_NULL);
  if (MPI_Ibarrier(g_node, &req[0]) != MPI_SUCCESS || !wait_quietly(req, [&] { return stop.load(); })) return g_broken = true, false;
  return true;
}

}  // namespace

std::optional<fleet_member> fleet_join() {
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    say(stderr, "xpubench run: started by an MPI launcher, but MPI_Init failed: run it without mpirun, or check the MPI installation\n");
    return std::nullopt;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  fleet_member f;
  MPI_Comm_rank(MPI_COMM_WORLD, &f.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &f.size);
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, f.rank, MPI_INFO_NULL, &g_node);
  MPI_Comm_rank(g_node, &f.local_rank);
  MPI_Comm_size(g_node, &f.local_size);
  MPI_Allreduce(&f.local_size, &f.most_local, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (f.size > 1) f.unbound = unbind();
  return f;
}

bool fleet_wait_turn(fleet_member& f, const std::atomic<bool>& stop) {
  for (; f.turns_done < f.local_rank; ++f.turns_done)
    if (!node_barrier(stop)) return false;
  return true;
}

bool fleet_finish_turns(fleet_member& f, const std::atomic<bool>& stop) {
  for (; f.turns_done < f.local_size; ++f.turns_done)
    if (!node_barrier(stop)) return false;
  return true;
}

// A follower's report, sent without waiting: rank 0 takes it once its own turn is over, and the
// node's later turns must not wait for that (fleet_leave waits for it, without spinning).
std::string g_report;
std::uint64_t g_report_size = 0;
std::vector<MPI_Request> g_sends;

void fleet_send(const fleet_member& f, const std::string& state, const std::string& reason, int exit_code, const run* measured) {
  nlohmann::json j = {{"rank", f.rank}, {"host", fleet_host_name()}, {"state", state}, {"reason", reason}, {"exit_code", exit_code}};
  if (measured) j["run"] = run_to_json(*measured);
  g_report = j.dump();
  g_report_size = g_report.size();
  g_sends.assign(1, MPI_REQUEST_NULL);
  MPI_Isend(&g_report_size, 1, MPI_UINT64_T, 0, tag_size, MPI_COMM_WORLD, &g_sends[0]);
  for (std::uint64_t at = 0; at < g_report_size; at += chunk) {
    g_sends.emplace_back(MPI_REQUEST_NULL);
    MPI_Isend(g_report.data() + at, static_cast<int>(std::min(chunk, g_report_size - at)), MPI_CHAR, 0, tag_data, MPI_COMM_WORLD, &g_sends.back());
  }
}

int fleet_collect(fleet_member& f, run& r, const std::string& state, const std::string& reason, int exit_code, double timeout_s,
                  const std::atomic<bool>& stop) {
  // The node's later turns, joined now (they end as its ranks finish; each reports first).
  std::vector<MPI_Request> turns;
  for (; f.turns_done < f.local_size; ++f.turns_done) {
    turns.emplace_back(MPI_REQUEST_NULL);
    MPI_Ibarrier(g_node, &turns.back());
  }
  r.fleet.clear();
  r.fleet.push_back({0, fleet_host_name(), state, reason, exit_code, nullptr});
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(f.size));
  std::vector<MPI_Request> pending(static_cast<std::size_t>(f.size), MPI_REQUEST_NULL);
  for (int i = 1; i < f.size; ++i) MPI_Irecv(&sizes[static_cast<std::size_t>(i)], 1, MPI_UINT64_T, i, tag_size, MPI_COMM_WORLD, &pending[static_cast<std::size_t>(i)]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int left = f.size - 1;
  while (left > 0 && !stop.load() && std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (int i = 1; i < f.size; ++i) {
      auto& req = pending[static_cast<std::size_t>(i)];
      int done = 0;
      if (req == MPI_REQUEST_NULL || MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || !done) continue;
      any = true;
      --left;
      const std::uint64_t n = sizes[static_cast<std::size_t>(i)];
      std::string text(n, '\0');
      for (std::uint64_t at = 0; at < n; at += chunk)
        MPI_Recv(text.data() + at, static_cast<int>(std::min(chunk, n - at)), MPI_CHAR, i, tag_data, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      fleet_host h{i, "", "failed", "", 0, nullptr};
      const auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_object()) {
        h.host = j.value("host", "");
        h.state = j.value("state", "failed");
        h.reason = j.value("reason", "");
        h.exit_code = j.value("exit_code", 0);
        if (const auto sub = j.find("run"); sub != j.end()) {
          auto nested = run_from_json(*sub, fmt::format("rank {}'s run", i));
          if (nested) h.measured = std::make_shared<const run>(std::move(*nested));
          else h.state = "failed", h.reason = nested.error().message;
        }
      } else {
        h.reason = "its report could not be read (not JSON)";
      }
      r.fleet.push_back(std::move(h));
    }
    if (!any) std::this_thread::sleep_for(poll_interval);
  }
  int missing = 0;
  for (int i = 1; i < f.size; ++i) {
    auto& req = pending[static_cast<std::size_t>(i)];
    if (req == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&req);
    MPI_Request_free(&req);
    ++missing;
    r.fleet.push_back({i, "", "missing", stop.load()
        ? "no report before this run was stopped (a launcher stops every rank when one exits early or crashes: see the job's output)"
        : fmt::format("no report within {:.0f} s of rank 0's end (--fleet-timeout): the rank crashed, hangs or its node is unreachable", timeout_s),
        0, nullptr});
  }
  std::ranges::sort(r.fleet, {}, &fleet_host::rank);
  // Every rank of the node reported: their turns end at once (a missing one leaves them pending).
  int tries = 0;
  if (missing > 0 || !wait_quietly(turns, [&] { return stop.load() || ++tries >= 400; })) g_broken = true;
  return missing;
}

bool fleet_agree(int rank0_says) {
  MPI_Bcast(&rank0_says, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return rank0_says != 0;
}

void fleet_leave(const fleet_member& f, bool abort, int code) {
  if (!g_sends.empty() && !g_broken) wait_quietly(g_sends, [] { return false; });  // the report reaches rank 0 (or the job ends)
  // Only rank 0 ends the job, once its file is written: another rank aborting first would kill
  // rank 0 before it writes. A rank that gave up a wait (the job is being stopped) leaves without
  // MPI_Finalize, which could wait for ranks that are gone; the launcher ends the job.
  if (f.rank == 0 && (abort || g_broken)) MPI_Abort(MPI_COMM_WORLD, code == 0 ? 1 : code);
  if (g_broken) return;
  if (g_node != MPI_COMM_NULL) MPI_Comm_free(&g_node);
  MPI_Finalize();
}

std::string fleet_mpi_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(text, &length);  // callable before MPI_Init
  const std::string v(text, static_cast<std::size_t>(std::max(0, length)));
  return v.substr(0, v.find_first_of(",\n"));
}

#else  // built without MPI: never joined (run_command refuses a launched run first)

std::string fleet_mpi_version() { return "not built in (XPUBENCH_WITH_MPI: install libopenmpi-dev and rebuild)"; }
std::optional<fleet_member> fleet_join() { return std::nullopt; }
bool fleet_wait_turn(fleet_member&, const std::atomic<bool>&) { return true; }
bool fleet_finish_turns(fleet_member&, const std::atomic<bool>&) { return true; }
void fleet_send(const fleet_member&, const std::string&, const std::string&, int, const run*) {}
int fleet_collect(fleet_member&, run&, const std::string&, const std::string&, int, double, const std::atomic<bool>&) { return 0; }
void fleet_leave(const fleet_member&, bool, int) {}
bool fleet_agree(int rank0_says) { return rank0_says != 0; }

#endif

}  // namespace xpu
