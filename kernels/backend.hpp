#pragma once
// The backend interface (DESIGN.md): a device prepares a problem on fixed inputs; a prepared
// problem runs, times itself and reads back for verification. Backends never throw across this
// interface: every failure is a result<T> with a status and a reason.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffers.hpp"
#include "core/error.hpp"
#include "core/problem.hpp"
#include "ops/operation.hpp"
#include "inventory/device.hpp"

namespace xpu {

// Every implementation a backend may offer (support::implementations holds some of these).
inline constexpr std::string_view implementation_names[] = {"xpubench", "onednn", "openblas", "clblast", "cublaslt"};

// Whether and how a device runs a problem, and with which implementations (first = default).
struct support {
  support_level level = support_level::unsupported;
  std::string reason;
  std::vector<std::string> implementations;  // "xpubench", "onednn", "openblas", "clblast", "cublaslt"
  // Implementations that compute in another precision than the problem's (fp16 storage with fp32
  // arithmetic): `% of peak` compares them with that precision's peak.
  std::vector<std::pair<std::string, precision>> arithmetic = {};

  precision arithmetic_of(std::string_view impl, precision stored) const {
    for (const auto& [name, p] : arithmetic)
      if (name == impl) return p;
    return stored;
  }
};

class prepared {
 public:
  virtual ~prepared() = default;
  virtual std::string_view implementation() const = 0;
  // Runs the problem `launches` times back to back; returns the time they took, in seconds
  // (device time where the device has timers; the CPU's steady clock otherwise).
  virtual result<double> run_seconds(int launches) = 0;
  // Copies the outputs of the last run into out (for verification).
  virtual result<void> read_back(host_buffers& out) = 0;
  // Notes the report shows beside the figure (layouts, threads, emulation).
  virtual std::string notes() const { return ""; }
  // The precision float products are summed in (the verification's tolerance follows it): fp32 for
  // every kernel of ours; fp16 where a library sums in half (CLBlast's HGEMM).
  virtual precision accumulation() const { return precision::fp32; }
  // The library's own kernel choice, as the library names it (oneDNN's implementation string,
  // OpenBLAS's core name and threading); empty for our own kernels, whose notes say what runs.
  struct choice {
    std::string what;
    std::string warning;  // the choice targets an older ISA than the CPU has, and how to fix it
  };
  virtual choice dispatch() const { return {}; }
};

class device;

// The support entry for p, or an `unsupported` error when the device cannot run p with `impl`
// (every backend's prepare() starts with this check).
result<support> support_check(const device& d, const problem& p, std::string_view impl);

class device {
 public:
  virtual ~device() = default;
  virtual const device_info& info() const = 0;
  // Whether and how the device runs p: the rules every backend shares (the operation's descriptor,
  // ops/<name>/), then the backend's own (supports_op).
  support supports(const problem& p) const {
    if (const auto& op = operation_for(p.kind()); op.unsupported)
      if (auto why = op.unsupported(p)) return {support_level::unsupported, std::move(*why), {}};
    return supports_op(p);
  }

 protected:
  // The backend's own support rules, for problems the operation's shared rules let through.
  virtual support supports_op(const problem& p) const = 0;

 public:
  // The clock the device runs at right now, measured (CPU: the calibrated dependency chain on every core);
  // nullopt where the backend cannot measure it. Used for `% of peak` next to each measurement.
  virtual std::optional<double> clock_hz_measure() { return std::nullopt; }
  // Compile, allocate and upload; `inputs` stays valid while the prepared problem lives.
  virtual result<std::unique_ptr<prepared>> prepare(const problem& p, const host_buffers& inputs,
                                                    std::string_view implementation) = 0;
};

// The support entry that refuses p on a backend whose kernels index in 32 bits when a tensor of p
// has more than INT32_MAX elements; nullopt when p fits.
inline std::optional<support> beyond_32bit_indexing(const problem& p) {
  const auto n = largest_tensor_elements(p);
  if (n && *n <= std::numeric_limits<std::int32_t>::max()) return std::nullopt;
  return support{support_level::unsupported,
                 n ? fmt::format("a tensor of {} elements: this backend's kernels index in 32 bits (at most 2^31 - 1)", *n)
                   : std::string("the sizes overflow 64-bit arithmetic"),
                 {}};
}

inline result<support> support_check(const device& d, const problem& p, std::string_view impl) {
  support s = d.supports(p);
  if (s.level == support_level::unsupported) return fail(status::unsupported, "{}", s.reason);
  for (const auto& name : s.implementations)
    if (name == impl) return s;
  return fail(status::unsupported, "no '{}' implementation of {} on {} ({})", impl, p.id(), d.info().id, d.info().backend);
}

}  // namespace xpu
