// bandwidth: STREAM-style read, copy and triad over device memory, and host <-> device upload and
// download (core/problem.hpp: bandwidth_shape); fp32 arrays whose sizes add up to `bytes`.
#include <random>

#include "ops/bandwidth/reference.hpp"
#include "ops/operation.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

// Arrays in a working set; upload/download move their one array once per launch.
int arrays(bandwidth_op op) { return op == bandwidth_op::copy ? 2 : op == bandwidth_op::triad ? 3 : 1; }

class bandwidth_workload final : public workload {
 public:
  static std::size_t elements(const bandwidth_shape& s) { return static_cast<std::size_t>(s.bytes / (4 * arrays(s.op))); }
  double ops(const problem& p) const override { return min_bytes(p); }
  double min_bytes(const problem& p) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    return static_cast<double>(elements(s) * 4 * arrays(s.op));
  }
  std::string_view ops_unit(const problem&) const override { return "B"; }
  host_buffers make_buffers(const problem& p, std::uint64_t seed) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    std::mt19937_64 rng(seed);
    host_buffers b;
    b.inputs.emplace_back(element_type::f32, elements(s));
    if (s.op == bandwidth_op::triad) b.inputs.emplace_back(element_type::f32, elements(s));
    for (auto& in : b.inputs) ops::fill(in, rng);
    b.outputs.push_back(ops::output(element_type::f32, s.op == bandwidth_op::read ? 1 : elements(s)));
    return b;
  }
  verification verify(const problem& p, const host_buffers& b, std::uint64_t seed, precision) const override {
    const auto& s = std::get<bandwidth_shape>(p.dims);
    const host_buffer& y = b.outputs[0];
    if (s.op == bandwidth_op::read) {
      const auto at = ops::sample(y.count(), 1, seed);
      return ops::compare(y, at, reference::bandwidth(s.op, b, at), ops::float_tolerance(static_cast<double>(elements(s))));
    }
    const tolerance tol{false, 1e-7, "one fp32 rounding per element"};
    const std::span<const float> x = b.inputs[0].as<float>();
    const std::span<const float> z = s.op == bandwidth_op::triad ? b.inputs[1].as<float>() : x;
    const auto ref = [&](std::size_t at) { return s.op == bandwidth_op::triad ? reference::triad(x[at], z[at]) : static_cast<double>(x[at]); };
    // Every element of a stream, compared as it is read: no index or reference vectors (for 256 MiB,
    // 512 MiB more to allocate and fault in: 2-3 s a row here).
    if (ops::sample_is_all(y.count(), 1))
      return ops::compare_each(y, y.count(), [](std::size_t i) { return i; }, ref, tol);
    const auto at = ops::sample(y.count(), 1, seed);
    return ops::compare_each(y, at.size(), [&](std::size_t i) { return at[i]; }, [&](std::size_t i) { return ref(at[i]); }, tol);
  }
};

const workload& work() {
  static const bandwidth_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  const toml::table& t = c.table;
  if (auto ok = c.r.only_keys(t, "[[bandwidth]]", {"ops", "bytes"}); !ok) return ok;
  std::vector<bandwidth_op> ops{bandwidth_op::read, bandwidth_op::copy, bandwidth_op::triad};
  if (const toml::node* n = t.get("ops")) {
    auto names = c.r.strings(*n, "ops");
    if (!names) return std::unexpected(names.error());
    ops.clear();
    for (const auto& name : *names) {
      auto it = std::ranges::find(all_bandwidth_ops, name, [](bandwidth_op op) { return to_string(op); });
      if (it == std::end(all_bandwidth_ops))
        return c.r.error_at(*n, "unknown bandwidth op '{}' (expected read, copy, triad, upload or download)", name);
      ops.push_back(*it);
    }
  }
  const toml::array* bytes = t["bytes"].as_array();
  if (!bytes) return c.r.error_at(t, "[[bandwidth]] needs 'bytes', an array of working-set sizes");
  for (const toml::node& b : *bytes) {
    auto n = c.r.positive(b, "bytes");
    if (!n) return std::unexpected(n.error());
    for (bandwidth_op op : ops)
      if (auto ok = c.add(b, {bandwidth_shape{*n, op}, precision::fp32}); !ok) return ok;
  }
  return {};
}

std::optional<std::string> size_error(const problem& p) {
  const auto& b = std::get<bandwidth_shape>(p.dims);
  if (const std::int64_t least = 4 * arrays(b.op); b.bytes >= 0 && b.bytes < least)
    return fmt::format("{}: a {} working set of {} bytes holds no fp32 element; use at least {} bytes", p.id(), to_string(b.op), b.bytes, least);
  return std::nullopt;
}

std::optional<std::string> unsupported(const problem& p) {
  if (p.type != precision::fp32) return "bandwidth kernels stream fp32 arrays";
  return std::nullopt;
}

constexpr precision precisions[] = {precision::fp32};

// Small verification cases: each stream, a length that is not whole vectors, both transfers.
std::vector<problem> cases() {
  std::vector<problem> out;
  for (auto op : {bandwidth_op::read, bandwidth_op::copy, bandwidth_op::triad}) out.push_back({bandwidth_shape{3 * 4 * 4096, op}, precision::fp32});
  out.push_back({bandwidth_shape{3 * 4 * 1001, bandwidth_op::triad}, precision::fp32});  // not whole vectors: the scalar path
  for (auto op : {bandwidth_op::upload, bandwidth_op::download}) out.push_back({bandwidth_shape{4 * 5000, op}, precision::fp32});
  return out;
}

}  // namespace

const operation& bandwidth_operation() {
  static const operation op{kernel_kind::bandwidth, "bandwidth", precisions, false, 2, work, parse, size_error, unsupported, cases, measures::bandwidth, model_role::memory};
  return op;
}

}  // namespace xpu
