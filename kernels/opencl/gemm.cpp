// GEMM on OpenCL: ours (gemm.cl, tiles tuned per device and cached) and CLBlast beside it.
#include "kernels/opencl/device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/build_gate.hpp"
#include "core/half.hpp"
#include "xpubench/version.hpp"

#include <clblast_c.h>

namespace xpu {
namespace opencl_backend {

namespace {

// CLBlast, opened at run time like the ICD loader (its header gives the types only).
struct clblast_api {
  dynlib library;
  decltype(&::CLBlastSgemm) sgemm = nullptr;
  decltype(&::CLBlastHgemm) hgemm = nullptr;  // optional: fp16 rows say so when it is missing
};

const result<clblast_api>& clblast_load() {
  static const result<clblast_api> api = []() -> result<clblast_api> {
    auto lib = dynlib::open("libclblast.so.1", "XPUBENCH_CLBLAST_LIBRARY");
    if (!lib) return fail(status::unsupported, "CLBlast is not installed ({}): on Debian, apt-get install libclblast1", lib.error().message);
    clblast_api a{std::move(*lib)};
    a.sgemm = a.library.symbol<decltype(a.sgemm)>("CLBlastSgemm");
    if (!a.sgemm) return fail(status::unsupported, "{} has no CLBlastSgemm", a.library.path());
    a.hgemm = a.library.symbol<decltype(a.hgemm)>("CLBlastHgemm");
    return a;
  }();
  return api;
}

// CLBlast's SGEMM, or HGEMM for fp16 (half inputs, sums and result), on our buffers. CLBlast
// returns the event of its last kernel only (it may run helper kernels before), so it is timed on
// the host: steady_clock around the calls and clFinish.
class clblast_gemm final : public prepared {
 public:
  clblast_gemm(const opencl_api& api, const clblast_api& blast, cl_command_queue queue, const gemm_shape& g, bool half, std::vector<mem_ptr> buffers)
      : m_api(api), m_blast(blast), m_queue(queue), m_g(g), m_half(half), m_buffers(std::move(buffers)) {}
  std::string_view implementation() const override { return "clblast"; }
  std::string notes() const override {
    return m_half ? "CLBlast HGEMM (default tuning; fp16 products summed in fp16, fp16 result); host-timed around clFinish"
                  : "CLBlast SGEMM (default tuning); host-timed around clFinish";
  }
  precision accumulation() const override { return m_half ? precision::fp16 : precision::fp32; }
  result<double> run_seconds(int launches) override {
    const auto start = std::chrono::steady_clock::now();
    const auto ta = m_g.trans_a ? CLBlastTransposeYes : CLBlastTransposeNo, tb = m_g.trans_b ? CLBlastTransposeYes : CLBlastTransposeNo;
    const std::size_t lda = m_g.trans_a ? m_g.m : m_g.k, ldb = m_g.trans_b ? m_g.k : m_g.n;
    constexpr cl_half one = 0x3c00, zero = 0;
    for (int i = 0; i < launches; ++i) {
      cl_command_queue q = m_queue;
      const auto st = m_half ? m_blast.hgemm(CLBlastLayoutRowMajor, ta, tb, m_g.m, m_g.n, m_g.k, one, m_buffers[0].get(), 0, lda,
                                             m_buffers[1].get(), 0, ldb, zero, m_buffers[2].get(), 0, m_g.n, &q, nullptr)
                             : m_blast.sgemm(CLBlastLayoutRowMajor, ta, tb, m_g.m, m_g.n, m_g.k, 1.0f, m_buffers[0].get(), 0, lda,
                                             m_buffers[1].get(), 0, ldb, 0.0f, m_buffers[2].get(), 0, m_g.n, &q, nullptr);
      if (st != CLBlastSuccess) return fail(status::failed, "CLBlast{}gemm returned status {}", m_half ? 'H' : 'S', static_cast<int>(st));
    }
    XPU_CHECK_CL(m_api.finish(m_queue));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    if (!m_half) {
      XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_buffers[2].get(), CL_TRUE, 0, y.bytes.size(), y.bytes.data(), 0, nullptr, nullptr));
      return {};
    }
    std::vector<std::uint16_t> halves(y.count());  // the fp32 output buffer gets the half results widened
    XPU_CHECK_CL(m_api.enqueue_read(m_queue, m_buffers[2].get(), CL_TRUE, 0, halves.size() * 2, halves.data(), 0, nullptr, nullptr));
    for (std::size_t i = 0; i < halves.size(); ++i) {
      const float f = half_to_float(halves[i]);
      std::memcpy(&y.bytes[i * 4], &f, 4);
    }
    return {};
  }

 private:
  const opencl_api& m_api;
  const clblast_api& m_blast;
  cl_command_queue m_queue;
  gemm_shape m_g;
  bool m_half;
  std::vector<mem_ptr> m_buffers;
};

// Why these tiles cannot run this GEMM (the vector kernel's and the packed-dot kernel's
// preconditions: B is repacked by K / 4), nullopt when they can.
std::optional<std::string> gemm_unfit(const gemm_params& gp, const problem& pr) {
  const auto& g = std::get<gemm_shape>(pr.dims);
  if (gp.vec && (g.trans_b || g.n < gp.vec)) return fmt::format("{} needs N >= {} and B not transposed", gp.describe(), gp.vec);
  if (gp.dot4 && (pr.type != precision::int8 || g.trans_a || g.k % 4 != 0))
    return fmt::format("{} needs int8, K % 4 == 0 and A not transposed", gp.describe());
  return std::nullopt;
}

// The kernel family of a candidate: the tiled kernel, the direct one, its vector form, the packed dot.
int gemm_family(const gemm_params& c) { return c.dot4 ? 3 : c.vec ? 2 : c.direct ? 1 : 0; }

// The build options of gemm.cl for these tiles and this problem's type and layout.
std::string gemm_options(const gemm_params& gp, precision type, bool trans_a, bool trans_b) {
  std::string opts = std::string(type_define(type)) + " " + gp.defines();
  if (trans_a) opts += " -DTRANS_A";
  if (trans_b && !gp.dot4) opts += " -DTRANS_B";  // the packed B is the same either way
  return opts;
}

}  // namespace

result<std::unique_ptr<prepared>> cl_device::prepare_gemm(const problem& pr, const host_buffers& in) {
  auto params = gemm_tuned(pr.type);
  if (!params) return std::unexpected(params.error());
  if (const auto unfit = gemm_unfit(params->first, pr)) return gemm_with(pr, in, gemm_candidates().front(), "defaults: the tuned " + *unfit);
  return gemm_with(pr, in, params->first, params->second);
}

result<std::unique_ptr<prepared>> cl_device::gemm_with(const problem& pr, const host_buffers& in, const gemm_params& gp, const std::string& how) {
  if (const auto unfit = gemm_unfit(gp, pr)) return fail(status::unsupported, "{}", *unfit);
  const auto& g = std::get<gemm_shape>(pr.dims);
  auto prog = program("gemm", gemm_options(gp, pr.type, g.trans_a, g.trans_b), true);
  if (!prog) return std::unexpected(prog.error());
  host_buffers packed;
  if (gp.dot4) {  // B as [K/4][N] x 4: the four depth steps of a column together (a weight reorder, once)
    const host_buffer& b = in.inputs[1];
    packed.inputs = {in.inputs[0], host_buffer(b.type, b.count())};
    for (std::int64_t k = 0; k < g.k; ++k)
      for (std::int64_t n = 0; n < g.n; ++n)
        packed.inputs[1].bytes[static_cast<std::size_t>(((k / 4) * g.n + n) * 4 + k % 4)] =
            b.bytes[static_cast<std::size_t>(g.trans_b ? n * g.k + k : k * g.n + n)];
  }
  auto p = with_buffers(gp.dot4 ? packed : in, static_cast<std::size_t>(g.m * g.n) * 4, fmt::format("{} ({})", gp.describe(), how));
  if (!p) return std::unexpected(p.error());
  auto k = kernel(*prog, "gemm");
  if (!k) return std::unexpected(k.error());
  const int m = static_cast<int>(g.m), n = static_cast<int>(g.n), kk = static_cast<int>(g.k);
  for (auto r : {arg(k->get(), 0, m), arg(k->get(), 1, n), arg(k->get(), 2, kk), arg(k->get(), 3, (*p)->buffers[0].get()),
                 arg(k->get(), 4, (*p)->buffers[1].get()), arg(k->get(), 5, (*p)->buffers[2].get())})
    if (!r) return std::unexpected(r.error());
  const auto tile_n = static_cast<std::size_t>(gp.wg_n * gp.rn), tile_m = static_cast<std::size_t>(gp.wg_m * gp.rm);  // vec: rn = vec
  const std::size_t groups_n = (static_cast<std::size_t>(g.n) + tile_n - 1) / tile_n;
  const std::size_t groups_m = (static_cast<std::size_t>(g.m) + tile_m - 1) / tile_m;
  const auto wg_n = static_cast<std::size_t>(gp.wg_n), wg_m = static_cast<std::size_t>(gp.wg_m);
  (*p)->m_launches.push_back({std::move(*k), {groups_n * wg_n, groups_m * wg_m}, {wg_n, wg_m}});
  return std::unique_ptr<prepared>(std::move(*p));
}

// The GEMM parameters for a precision and how they were chosen: cached, tuned now, or defaults.
result<std::pair<gemm_params, std::string>> cl_device::gemm_tuned(precision type) {
  if (m_options.gemm) return std::pair{*m_options.gemm, std::string("given")};
  if (!m_options.tune) return std::pair{gemm_candidates().front(), std::string("defaults: --no-tune")};
  if (auto it = m_tuned.find(type); it != m_tuned.end()) return it->second;
  const auto dir = m_options.tuning_cache.empty() ? user_cache_dir() : result<std::filesystem::path>(m_options.tuning_cache);
  const tuning_key key{m_info.name, m_info.driver_version, std::string(to_string(type)), gemm_kernels_key(m_options.tuning_size)};
  const auto candidates = gemm_candidates(m_info.type == "cpu", type == precision::int8 && m_info.opencl->integer_dot_product);
  if (dir && !m_options.tune_exhaustive)
    if (auto cached = tuning_lookup(*dir, key, candidates)) return m_tuned[type] = {*cached, "tuned, from the cache in " + dir->string()};
  // The least work that finds the best tiles: candidates timed once on an (n/4)^3 problem (1/64
  // of the work; one warm-up launch first; every family's first, then the fastest family's others),
  // then the `finalists` fastest there timed on the n^3 problem (one warm-up launch, then two
  // timed); the fastest at n^3 wins. n = 1024 by default: cache behaviour at 512^3 picked tiles
  // that were 30 % slower at 1024^3 on PoCL, which is why the final choice is made at n. A tuning
  // size below 512, or opencl.tune=exhaustive, times every candidate at n only
  // (bench/opencl_tuning.sh compares the two). Beside the processes that build a run's kernels
  // before timing, the timings that choose (each family's first, the finalists) hold the build
  // gate: no other process compiles meanwhile. The rest of the coarse pass only picks which of the
  // fastest family's 5-6 candidates are among the 4 finalists: it runs beside the compiles.
  const std::int64_t n = m_options.tuning_size;
  constexpr std::size_t finalists = 4;
  const auto inputs = [&](std::int64_t size) {
    host_buffers in;
    const auto elems = static_cast<std::size_t>(size * size);
    in.inputs.emplace_back(type == precision::int8 ? element_type::u8 : type == precision::fp16 ? element_type::f16 : element_type::f32, elems);
    in.inputs.emplace_back(type == precision::int8 ? element_type::s8 : in.inputs[0].type, elems);
    return in;
  };
  std::string failures;
  // Each candidate's seconds for `launches` timed launches of an size^3 GEMM (after one warm-up), or
  // nullopt; `alone`: holding the build gate.
  const auto timed = [&](const gemm_params& c, std::int64_t size, const host_buffers& in, int launches, bool alone) -> std::optional<double> {
    auto ready = gemm_with(problem{gemm_shape{size, size, size}, type}, in, c, "tuning");
    if (!ready) {
      failures += fmt::format("; {}: {}", c.describe(), ready.error().message.substr(0, 120));
      return std::nullopt;
    }
    if (!(*ready)->run_seconds(1)) return std::nullopt;  // compiles the work-group function on PoCL
    std::optional<build_gate::timing> exclusive;
    if (alone) exclusive.emplace();
    auto t = (*ready)->run_seconds(launches);
    return t ? std::optional(*t) : std::nullopt;
  };
  std::vector<gemm_params> finals;
  for (const gemm_params& c : candidates)
    if (static_cast<std::uint64_t>(c.wg_m * c.wg_n) <= m_info.opencl->max_work_group_size) finals.push_back(c);
  // The coarse size a multiple of 64, as every candidate's tile and the packed-dot kernel's K % 4 want.
  if (const std::int64_t coarse = n / 4 / 64 * 64; coarse >= 128 && finals.size() > finalists && !m_options.tune_exhaustive) {
    const host_buffers small = inputs(coarse);
    std::vector<std::pair<double, gemm_params>> ranked;
    // Family first: each kernel family's first candidate, then the rest of the fastest family only
    // (on CPU devices 4 families, 21 candidates; each costs a compile on a cold start).
    std::map<int, double> family_s;
    for (const gemm_params& c : finals)
      if (!family_s.contains(gemm_family(c)))
        if (const auto t = timed(c, coarse, small, 1, true)) ranked.emplace_back(*t, c), family_s[gemm_family(c)] = *t;
    std::vector<std::pair<double, int>> families;
    for (const auto& [f, t] : family_s) families.emplace_back(t, f);
    std::ranges::sort(families);
    if (families.size() > 1) families.resize(1);
    for (const gemm_params& c : finals)
      if (std::ranges::find(families, gemm_family(c), &std::pair<double, int>::second) != families.end() &&
          std::ranges::find(ranked, c, &std::pair<double, gemm_params>::second) == ranked.end())
        if (const auto t = timed(c, coarse, small, 1, false)) ranked.emplace_back(*t, c);
    std::ranges::stable_sort(ranked, {}, &std::pair<double, gemm_params>::first);
    if (!ranked.empty()) {  // none ran at the coarse size: every candidate is tried at n
      finals.clear();
      for (std::size_t i = 0; i < std::min(finalists, ranked.size()); ++i) finals.push_back(ranked[i].second);
      failures.clear();   // what failed at the coarse size is not tried again
    }
  }
  const host_buffers in = inputs(n);
  std::optional<gemm_params> best;
  double best_s = 0;
  for (const gemm_params& c : finals)
    if (const auto t = timed(c, n, in, 2, true); t && (!best || *t < best_s)) best = c, best_s = *t;
  if (!best) return fail(status::unsupported, "no GEMM candidate built and ran on {}{}", m_info.id, failures);
  const double ops = 2.0 * static_cast<double>(n * n * n) * 2 / best_s;
  std::string how = "tuned now";
  if (auto stored = dir ? tuning_store(*dir, key, *best, ops) : result<void>(std::unexpected(dir.error())); !stored)
    how += " (not cached: " + stored.error().message + ")";
  return m_tuned[type] = {*best, how};
}

result<std::unique_ptr<prepared>> cl_device::prepare_clblast(const problem& pr, const host_buffers& in) {
  const auto& blast = clblast_load();
  if (!blast) return std::unexpected(blast.error());
  const auto& g = std::get<gemm_shape>(pr.dims);
  std::vector<mem_ptr> buffers;
  for (const auto& b : in.inputs) {
    auto m = buffer(b.bytes.data(), b.bytes.size());
    if (!m) return std::unexpected(m.error());
    buffers.push_back(std::move(*m));
  }
  const bool half = pr.type == precision::fp16;
  if (half && !blast->hgemm) return fail(status::unsupported, "{} has no CLBlastHgemm", blast->library.path());
  auto c = buffer(nullptr, static_cast<std::size_t>(g.m * g.n) * (half ? 2 : 4));
  if (!c) return std::unexpected(c.error());
  buffers.push_back(std::move(*c));
  return std::unique_ptr<prepared>(std::make_unique<clblast_gemm>(m_api, *blast, m_queue.get(), g, half, std::move(buffers)));
}

XPU_OP_ROW(cl_device, gemm){
    kernel_kind::gemm,
    [](const cl_device& d, const problem& p) {
      if (p.type == precision::fp32) return support{support_level::native, "float arithmetic", {"xpubench", "clblast"}};
      return d.storage_support(p);
    },
    [](cl_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      return impl == "clblast" ? d.prepare_clblast(p, in) : d.prepare_gemm(p, in);
    }};

}  // namespace opencl_backend

std::string gemm_kernels_key(int tuning_size) {
  return fmt::format("xpubench {} gemm.cl {:016x}{}", version,
                     text_hash(std::string(opencl_backend::source("types")) + std::string(opencl_backend::source("gemm"))),
                     tuning_size == 1024 ? "" : fmt::format(" tuned at n={}", tuning_size));
}

}  // namespace xpu
