// latency: an empty task, launched back to back: what one launch costs on a device.
#include "ops/operation.hpp"
#include "ops/suite_reader.hpp"

namespace xpu {
namespace {

class latency_workload final : public workload {
 public:
  double ops(const problem&) const override { return 1; }
  double min_bytes(const problem&) const override { return 0; }
  std::string_view ops_unit(const problem&) const override { return "launch"; }
  host_buffers make_buffers(const problem&, std::uint64_t) const override { return {}; }
  verification verify(const problem&, const host_buffers&, std::uint64_t, precision) const override {
    verification v;
    v.message = "n/a: an empty task has no output";
    v.passed = true;
    return v;
  }
};

const workload& work() {
  static const latency_workload w;
  return w;
}

result<void> parse(const section_context& c) {
  if (auto ok = c.r.only_keys(c.table, "[[latency]]", {}); !ok) return ok;
  c.problems.push_back({latency_shape{}, precision::fp32});
  return {};
}

constexpr precision precisions[] = {precision::fp32};

std::vector<problem> cases() { return {{latency_shape{}, precision::fp32}}; }

}  // namespace

const operation& latency_operation() {
  static const operation op{kernel_kind::latency, "latency", precisions, false, 0, work, parse, nullptr, nullptr, cases, measures::latency};
  return op;
}

}  // namespace xpu
