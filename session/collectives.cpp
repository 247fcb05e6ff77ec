#include "session/collectives.hpp"

#if XPUBENCH_WITH_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <new>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/buffers.hpp"
#include "core/half.hpp"
#include "core/units.hpp"
#include "results/statistics.hpp"

namespace xpu {

#if XPUBENCH_WITH_MPI
namespace {

// Payload values: seeded, non-zero integers in [-k, k] (k small enough that n ranks' sum fits int8
// and every sum is exact in fp16 and fp32), so a result is checked exactly.
int value_of(std::uint64_t seed, int rank, std::uint64_t i, int k) {
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(rank) * 0x9e3779b97f4a7c15ull) ^ (i * 0xbf58476d1ce4e5b9ull);
  h ^= h >> 31;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 29;
  const int v = static_cast<int>(h % static_cast<std::uint64_t>(2 * k));
  return v < k ? v - k : v - k + 1;
}

struct payload {
  precision type;
  element_type element;
  MPI_Datatype mpi;
  MPI_Op sum;
};

void half_sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto* a = static_cast<const std::uint16_t*>(in);
  auto* b = static_cast<std::uint16_t*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = half_from_float(half_to_float(a[i]) + half_to_float(b[i]));
}

// What the receive buffer holds before the checked operation: a value no result can be (a NaN;
// for int8, 127, beyond any sum of at most 100), so an element the library never wrote is caught.
void fill_sentinel(host_buffer& buf) {
  if (buf.type == element_type::s8) std::ranges::fill(buf.bytes, std::byte{127});
  else std::ranges::fill(buf.bytes, std::byte{0xff});  // all ones: a NaN in fp32 and fp16
}

double now() { return MPI_Wtime(); }

// The ranks whose `ok` is false (every rank calls it: an all-gather of one int each).
std::vector<int> ranks_without(bool ok, int n) {
  std::vector<int> all(static_cast<std::size_t>(n)), out;
  const int mine = ok ? 1 : 0;
  MPI_Allgather(&mine, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD);
  for (int r = 0; r < n; ++r)
    if (!all[static_cast<std::size_t>(r)]) out.push_back(r);
  return out;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += fmt::format("{}{}", s.empty() ? "" : ", ", r);
  return s;
}

// Rank 0's plan, as text, sent to every rank and compared there.
bool same_plan_as_rank0(const collective_options& o) {
  std::string plan = fmt::format("ops={} bytes={} repetitions={} min_time={} seed={} types=", fmt::join(o.ops, ","), fmt::join(o.bytes, ","),
                                 o.repetitions, o.min_time_s, o.seed);
  for (precision p : o.precisions) plan += std::string(to_string(p)) + ",";
  unsigned long long length = plan.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  std::string rank0(static_cast<std::size_t>(length), '\0');
  std::memcpy(rank0.data(), plan.data(), std::min<std::size_t>(plan.size(), rank0.size()));
  MPI_Bcast(rank0.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
  return rank0 == plan;
}

// One operation on one payload type and size, from this rank's side: its buffers and what every
// rank sent (each rank's payload is a function of the seed, the rank and the element).
struct exchange {
  const std::string& op;
  const payload& p;
  int n = 0, me = 0, k = 0;
  std::uint64_t seed = 0;
  int count = 0;        // elements per rank's share, as MPI counts them
  host_buffer send, recv;

  void once() {
    void* to = recv.bytes.data();
    void* from = send.bytes.data();
    if (op == "all_reduce") MPI_Allreduce(from, to, count, p.mpi, p.sum, MPI_COMM_WORLD);
    else if (op == "all_gather") MPI_Allgather(from, count, p.mpi, to, count, p.mpi, MPI_COMM_WORLD);
    else if (op == "reduce_scatter") MPI_Reduce_scatter_block(from, to, count, p.mpi, p.sum, MPI_COMM_WORLD);
    else if (op == "broadcast") MPI_Bcast(to, count, p.mpi, 0, MPI_COMM_WORLD);
    else if (me == 0) {  // send_recv: a ping-pong between ranks 0 and 1; one way is half of it
      MPI_Send(from, count, p.mpi, 1, 11, MPI_COMM_WORLD);
      MPI_Recv(to, count, p.mpi, 1, 12, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (me == 1) {
      MPI_Recv(to, count, p.mpi, 0, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(to, count, p.mpi, 0, 12, MPI_COMM_WORLD);
    }
  }

  // What element i of this rank's receive buffer holds after the operation.
  double expected(std::size_t i) const {
    const auto c = static_cast<std::size_t>(count);
    double sum = 0;
    if (op == "all_reduce")
      for (int r = 0; r < n; ++r) sum += value_of(seed, r, i, k);
    else if (op == "reduce_scatter")
      for (int r = 0; r < n; ++r) sum += value_of(seed, r, static_cast<std::size_t>(me) * c + i, k);
    else if (op == "all_gather") sum = value_of(seed, static_cast<int>(i / c), i % c, k);
    else sum = value_of(seed, 0, i, k);  // broadcast; send_recv's echo of rank 0's payload
    return sum;
  }

  // The slowest rank's time of one operation, per repetition of a timed loop of `launches`.
  std::vector<double> timed(int repetitions, int launches) {
    std::vector<double> samples;
    for (int r = 0; r < std::max(1, repetitions); ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = now();
      for (int i = 0; i < launches; ++i) once();
      double mine = now() - start, worst = 0;
      MPI_Allreduce(&mine, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      samples.push_back(worst / launches / (op == "send_recv" ? 2 : 1));
    }
    return samples;
  }

  // One more operation into a buffer of sentinels, every element compared exactly: {wrong, checked}
  // over all ranks, and this rank's first wrong element (-1: none).
  std::array<long long, 3> check() {
    fill_sentinel(recv);
    if (op == "broadcast" && me == 0) recv = send;
    once();
    long long wrong = 0, first_bad = -1, checked = 0;
    const bool receives = op != "send_recv" || me <= 1;
    for (std::size_t i = 0; receives && i < recv.count(); ++i) {
      ++checked;
      if (!(recv.at(i) == expected(i)) && wrong++ == 0) first_bad = static_cast<long long>(i);
    }
    long long totals[2] = {wrong, checked}, sums[2] = {0, 0};
    MPI_Allreduce(totals, sums, 2, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return {sums[0], sums[1], first_bad};
  }
};

}  // namespace

collective_outcome collectives_measure(const fleet_member& f, const collective_options& o) {
  const int n = f.size, me = f.rank;
  collective_outcome out;
  if (const auto differ = ranks_without(same_plan_as_rank0(o), n); !differ.empty()) {
    out.stopped = fmt::format("rank(s) {} were started with other options than rank 0 (--op, --bytes, --precision, --repetitions, "
                              "--min-time, --seed): every rank needs the same command line; nothing was measured",
                              rank_list(differ));
    return out;
  }
  const int k = std::clamp(100 / n, 1, 8);
  MPI_Op half_op = MPI_OP_NULL;
  MPI_Op_create(&half_sum, 1, &half_op);
  char library[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int library_length = 0;
  MPI_Get_library_version(library, &library_length);
  const std::string lib(library, static_cast<std::size_t>(library_length));
  const std::string impl = lib.starts_with("Open MPI") ? "openmpi" : lib.starts_with("MPICH") ? "mpich" : "mpi";
  int hosts = 0;  // ranks that are the first on their node
  const int first = f.local_rank == 0 ? 1 : 0;
  MPI_Allreduce(&first, &hosts, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  std::vector<measurement>& rows = out.rows;
  for (const std::string& op : o.ops)
    for (precision type : o.precisions)
      for (std::uint64_t requested : o.bytes) {
        if (!out.stopped.empty()) continue;  // a rank could not allocate: nothing more is measured
        const payload p{type, type == precision::fp32 ? element_type::f32 : type == precision::fp16 ? element_type::f16 : element_type::s8,
                        type == precision::fp32 ? MPI_FLOAT : type == precision::fp16 ? MPI_UINT16_T : MPI_INT8_T,
                        type == precision::fp16 ? half_op : MPI_SUM};
        measurement m;
        m.device = "mpi0";
        m.backend = "mpi";
        m.kernel = "collective";
        m.precision = std::string(to_string(type));
        m.problem = fmt::format("collective/{}/{}/b{}", op, m.precision, requested);
        m.implementation = impl;
        m.name = fmt::format("mpi0/{}/{}", m.problem, impl);
        m.support = "native";
        // Elements per rank's share: all-gather and reduce-scatter split the size over the ranks.
        const bool split = op == "all_gather" || op == "reduce_scatter";
        const std::uint64_t elems = requested / size_of(p.element) / (split ? static_cast<std::uint64_t>(n) : 1u);
        const bool int8_sum_overflows = type == precision::int8 && (op == "all_reduce" || op == "reduce_scatter") && n > 100;
        if (elems == 0 || (op == "send_recv" && n < 2) || int8_sum_overflows) {
          m.state = status::unsupported;
          m.support = "unsupported";
          m.reason = m.support_reason = op == "send_recv"    ? "point-to-point needs 2 ranks"
                                        : int8_sum_overflows ? fmt::format("int8 sums over {} ranks can leave int8's range: checked only up to 100", n)
                                                             : fmt::format("{} B is less than one {} element{}", requested, m.precision, split ? " per rank" : "");
          rows.push_back(std::move(m));
          continue;
        }
        const auto count = static_cast<int>(std::min<std::uint64_t>(elems, static_cast<std::uint64_t>(INT32_MAX)));
        const std::size_t c = static_cast<std::size_t>(count), share = c * size_of(p.element);
        const std::size_t send_bytes = op == "reduce_scatter" ? share * static_cast<std::size_t>(n) : share;
        const std::size_t recv_bytes = op == "all_gather" ? share * static_cast<std::size_t>(n) : share;
        // Every rank allocates, then all learn whether each could: a rank short of memory stops the
        // job on every rank (alone it would abort, and the others would wait in the operation).
        exchange ex{op, p, n, me, k, o.seed, count, {}, {}};
        bool allocated = true;
        try {
          ex.send = host_buffer(p.element, send_bytes / size_of(p.element));
          ex.recv = host_buffer(p.element, recv_bytes / size_of(p.element));
        } catch (const std::bad_alloc&) {
          allocated = false;
          ex.send = {};
          ex.recv = {};
        }
        if (const auto short_of_memory = ranks_without(allocated, n); !short_of_memory.empty()) {
          out.stopped = fmt::format("rank(s) {} could not allocate {} for {} {} of {}: the memory is short there; stopped before it "
                                    "(give smaller --bytes)",
                                    rank_list(short_of_memory), format_bytes(send_bytes + recv_bytes), op, m.precision, format_bytes(requested));
          continue;
        }
        for (std::size_t i = 0; i < ex.send.count(); ++i) ex.send.set(i, value_of(o.seed, me, i, k));
        if (op == "broadcast" && me == 0) ex.recv = ex.send;
        // Warm up, then size the timed loop from the slowest rank's time of one operation.
        ex.once();
        MPI_Barrier(MPI_COMM_WORLD);
        double t = now();
        ex.once();
        t = now() - t;
        double slowest = 0;
        MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        const auto launches = static_cast<int>(std::clamp(o.min_time_s / std::max(slowest, 1e-9), 1.0, 100000.0));
        m.samples_s = ex.timed(o.repetitions, launches);
        const auto [wrong, checked, first_bad] = ex.check();
        m.launches = launches;
        m.time_s = stats_of(m.samples_s);
        const double algbw_bytes = static_cast<double>(op == "all_gather" ? recv_bytes : op == "reduce_scatter" ? send_bytes : share);
        const double bus = op == "all_reduce" ? 2.0 * (n - 1) / n : split ? static_cast<double>(n - 1) / n : 1.0;
        m.bytes = algbw_bytes;
        m.ops = algbw_bytes * bus;
        m.ops_unit = "B";
        if (m.time_s->median > 0) {
          m.bytes_per_s = m.bytes / m.time_s->median;
          m.ops_per_s = m.ops / m.time_s->median;
        }
        m.verification.checked = true;
        m.verification.exact = true;
        m.verification.elements_checked = checked;
        m.verification.elements_total = checked;
        m.verification.passed = wrong == 0;
        m.verification.tolerance_basis = "exact: sums of small seeded integers, which fp16, fp32 and int8 hold exactly";
        if (!m.verification.passed) {
          m.state = status::invalid;
          m.verification.message = fmt::format("{} of {} elements wrong over all ranks (rank {}'s first at element {})", wrong, checked, me, first_bad);
          m.reason = m.verification.message;
        }
        m.notes = fmt::format("{} rank(s) on {} host(s), host buffers; throughput is the bus bandwidth (nccl-tests: algorithm bandwidth x {}), "
                              "bytes/s the algorithm bandwidth ({} B / time){}{}",
                              n, hosts, op == "all_reduce" ? "2(n-1)/n" : split ? "(n-1)/n" : "1", m.bytes,
                              op == "send_recv" ? "; point-to-point between ranks 0 and 1, one way (half a ping-pong)" : "",
                              type == precision::fp16 && (op == "all_reduce" || op == "reduce_scatter")
                                  ? "; MPI has no fp16 type: summed by a user-defined MPI_Op (converting each element), slower than a built-in one"
                                  : "");
        rows.push_back(std::move(m));
      }
  MPI_Op_free(&half_op);
  return out;
}

#else

collective_outcome collectives_measure(const fleet_member&, const collective_options&) { return {}; }

#endif

}  // namespace xpu
