// NVIDIA GPUs through the CUDA driver API: every device the driver lists, with its facts and the
// precisions it runs, estimated peaks from the per-architecture table below.
#include "probe/cuda/cuda.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "core/units.hpp"
#include "loaders/cuda_api.hpp"

namespace xpu {
namespace {

// Dense (no structured sparsity) per-SM, per-clock rates from NVIDIA's architecture whitepapers
// (A100, GA102, AD102, H100, B200 and GB202): the datasheet's TFLOP/s over SMs x the clock it was
// quoted at. Tensor Core rates are with fp32 accumulation where the part runs it at full rate
// (data-centre parts); GeForce parts of sm_86/89/120 run fp16/bf16 with fp32 accumulation at half
// the rate listed, which the note says.
constexpr cuda_arch archs[] = {
    {7, 0, "Volta", "1st generation (fp16 only)", 64, 128, 1024, 0, 0, 0, 0, 128, "V100"},
    {7, 5, "Turing", "2nd generation (fp16, int8)", 4, 128, 512, 0, 0, 1024, 0, 128, "T4/RTX 20; GeForce half the fp16 rate with fp32 sums"},
    {8, 0, "Ampere", "3rd generation (mma.sync: fp16, bf16, tf32, int8)", 64, 128, 2048, 2048, 1024, 4096, 0, 128, "A100"},
    {8, 6, "Ampere", "3rd generation (mma.sync: fp16, bf16, tf32, int8)", 4, 256, 1024, 1024, 512, 2048, 0, 128,
     "A10/A40/RTX 30; GeForce parts run fp16/bf16 with fp32 sums at half this rate"},
    {8, 7, "Ampere (Orin)", "3rd generation (mma.sync: fp16, bf16, tf32, int8)", 4, 256, 1024, 1024, 512, 2048, 0, 128, "Jetson Orin"},
    {8, 9, "Ada Lovelace", "4th generation (mma.sync: fp16, bf16, tf32, int8, fp8)", 4, 256, 1024, 1024, 512, 2048, 2048, 128,
     "L4/L40/RTX 40; GeForce parts run fp16/bf16 and fp8 with fp32 sums at half this rate"},
    {9, 0, "Hopper", "4th generation (wgmma: fp16, bf16, tf32, int8, fp8)", 128, 256, 4096, 4096, 2048, 8192, 8192, 128, "H100/H200/GH200"},
    {10, 0, "Blackwell", "5th generation (tcgen05: fp16, bf16, tf32, int8, fp8, fp4)", 128, 256, 8192, 8192, 4096, 16384, 16384, 128,
     "B200/GB200"},
    {10, 3, "Blackwell Ultra", "5th generation (tcgen05)", 4, 256, 8192, 8192, 4096, 16384, 16384, 128, "B300/GB300 (little fp64)"},
    {11, 0, "Blackwell (Thor)", "5th generation (tcgen05)", 4, 256, 4096, 4096, 2048, 8192, 8192, 128, "Jetson Thor"},
    {12, 0, "Blackwell (GB20x)", "5th generation (mma.sync: fp16, bf16, tf32, int8, fp8, fp4)", 4, 256, 1024, 1024, 512, 2048, 2048, 128,
     "RTX 50/RTX PRO; GeForce parts run fp16/bf16 with fp32 sums at half this rate"},
    {12, 1, "Blackwell (GB10)", "5th generation", 4, 256, 1024, 1024, 512, 2048, 2048, 128, "DGX Spark"},
};

struct attribute_reader {
  const cuda_api& api;
  CUdevice dev;
  std::vector<std::string>& errors;
  int operator()(CUdevice_attribute a, const char* name) const {
    int v = 0;
    if (const CUresult rc = api.device_attribute(&v, a, dev); rc != CUDA_SUCCESS) {
      errors.push_back(fmt::format("{}: {}", name, api.error_text(rc)));
      return 0;
    }
    return v < 0 ? 0 : v;  // every attribute read here is a count or a size: negative is a driver bug
  }
};

std::string uuid_text(const CUuuid& u) {
  std::string s = "GPU-";
  for (int i = 0; i < 16; ++i) {
    s += fmt::format("{:02x}", static_cast<unsigned char>(u.bytes[i]));
    if (i == 3 || i == 5 || i == 7 || i == 9) s += '-';
  }
  return s;
}

constexpr int max_gpus = 64;  // a driver listing more GPUs than this is not believed

device_info device_read(const cuda_api& a, int index) {
  device_info d;
  d.id = fmt::format("cuda{}", index);
  d.backend = "cuda";
  d.vendor = "NVIDIA";
  d.driver_version = fmt::format("CUDA {}.{}", a.driver_version / 1000, a.driver_version % 1000 / 10);
  CUdevice dev = 0;
  if (const CUresult rc = a.device_get(&dev, index); rc != CUDA_SUCCESS) {
    d.name = "CUDA device";
    d.type = "other";
    d.facts.push_back({"error", fmt::format("cuDeviceGet({}) failed: {}", index, a.error_text(rc))});
    return d;
  }
  std::array<char, 256> name{};
  d.name = a.device_name(name.data(), static_cast<int>(name.size() - 1), dev) == CUDA_SUCCESS ? std::string(name.data(), strnlen(name.data(), name.size()))
                                                                                             : "CUDA device";
  std::vector<std::string> errors;
  const attribute_reader attr{a, dev, errors};
  const int major = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
  const int minor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
  const int sms = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessors");
  const int clock_khz = attr(CU_DEVICE_ATTRIBUTE_CLOCK_RATE, "clock rate");
  const int mem_clock_khz = attr(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, "memory clock rate");
  const int bus_bits = attr(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, "memory bus width");
  const int l2 = attr(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, "L2 size");
  const int smem_sm = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, "shared memory per SM");
  const int smem_block = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, "shared memory per block (opt-in)");
  const int integrated = attr(CU_DEVICE_ATTRIBUTE_INTEGRATED, "integrated");
  d.type = integrated ? "integrated_gpu" : "discrete_gpu";
  std::size_t total = 0;
  if (a.device_total_mem(&total, dev) != CUDA_SUCCESS) total = 0;
  std::array<char, 32> bus{};
  if (a.device_pci_bus_id(bus.data(), static_cast<int>(bus.size() - 1), dev) == CUDA_SUCCESS) {
    d.pci_bus_id = std::string(bus.data(), strnlen(bus.data(), bus.size()));
    for (char& c : d.pci_bus_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The driver writes "00000000:01:00.0" (an 8-digit domain); the inventory uses lspci's 4 digits.
    if (d.pci_bus_id.size() == 16 && d.pci_bus_id.starts_with("0000")) d.pci_bus_id.erase(0, 4);
  }
  CUuuid uuid{};
  if (a.device_uuid(&uuid, dev) == CUDA_SUCCESS) d.facts.push_back({"UUID", uuid_text(uuid)});
  d.facts.push_back({"compute capability", fmt::format("{}.{}", major, minor)});
  const auto arch = cuda_arch_find(major, minor);
  d.facts.push_back({"architecture", arch ? std::string(arch->name) : std::string("not in xpubench's table")});
  d.facts.push_back({"Tensor Cores", arch ? std::string(arch->tensor_cores) : std::string("unknown")});
  d.facts.push_back({"multiprocessors", std::to_string(sms)});
  d.facts.push_back({"max clock", fmt::format("{} MHz", clock_khz / 1000)});
  d.facts.push_back({"memory", format_bytes(total)});
  d.facts.push_back({"memory bytes", std::to_string(total)});
  if (mem_clock_khz && bus_bits)  // double data rate: two transfers per clock the driver reports
    d.facts.push_back({"memory bus", fmt::format("{} bits at {} MHz ({} GB/s theoretical, an estimate)", bus_bits, mem_clock_khz / 1000,
                                                 fmt::format("{:.0f}", 2.0 * mem_clock_khz * 1e3 * bus_bits / 8 / 1e9))});
  d.facts.push_back({"L2", format_bytes(static_cast<std::uint64_t>(l2))});
  d.facts.push_back({"shared memory", fmt::format("{} per SM, {} per block (opt-in)", format_bytes(static_cast<std::uint64_t>(smem_sm)),
                                                  format_bytes(static_cast<std::uint64_t>(smem_block)))});
  if (auto why = cuda_driver_too_old(a.driver_version)) d.facts.push_back({"measured", "no: " + *why});
  for (const auto& e : errors) d.facts.push_back({"error", e});
  d.precisions = cuda_precisions(major, minor, sms, clock_khz / 1000.0);
  return d;
}

}  // namespace

std::optional<cuda_arch> cuda_arch_find(int major, int minor) {
  const cuda_arch* best = nullptr;
  for (const auto& a : archs)
    if (a.major == major && a.minor <= minor && (!best || a.minor > best->minor)) best = &a;
  if (!best) return std::nullopt;
  return *best;
}

std::optional<std::pair<int, int>> cuda_compute_capability_parse(std::string_view text) {
  int major = -1, minor = -1;
  char tail = 0;
  const std::string s(text);
  if (s.size() > 8 || std::sscanf(s.c_str(), "%d.%d%c", &major, &minor, &tail) != 2 || major < 0 || minor < 0 || major > 99 || minor > 9)
    return std::nullopt;
  return std::pair{major, minor};
}

std::optional<std::uint64_t> cuda_memory_budget(const device_info& d) {
  const std::string text(d.fact("memory bytes"));
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v == 0) return std::nullopt;
  return v;
}

int cuda_build_version() { return CUDA_VERSION; }

std::optional<std::string> cuda_driver_too_old(int driver_version) {
  if (driver_version / 1000 >= CUDA_VERSION / 1000) return std::nullopt;
  return fmt::format("the driver supports CUDA {}.{}, older than the CUDA {}.{} this xpubench's kernels were built with (update the driver)",
                     driver_version / 1000, driver_version % 1000 / 10, CUDA_VERSION / 1000, CUDA_VERSION % 1000 / 10);
}

std::vector<precision_support> cuda_precisions(int major, int minor, int sms, double clock_mhz) {
  const auto arch = cuda_arch_find(major, minor);
  std::vector<precision_support> out;
  auto add = [&](precision p, double per_clock, std::string how, std::string_view unit) {
    precision_support s{p, per_clock > 0 ? support_level::native : support_level::unsupported, std::move(how), std::nullopt, ""};
    if (!arch) s.peak_reason = fmt::format("compute capability {}.{} is not in xpubench's table of per-clock rates", major, minor);
    else if (per_clock <= 0) s.peak_reason = "no hardware path for this precision";
    else if (sms <= 0 || clock_mhz <= 0) s.peak_reason = "the driver reported no multiprocessor count or clock";
    else
      s.peak = peak_estimate{sms * clock_mhz * 1e6 * per_clock,
                             fmt::format("estimate: {} SMs x {:.0f} MHz (the driver's maximum clock) x {} {}/clock/SM ({} {}, dense; {})", sms,
                                         clock_mhz, per_clock, unit, arch->name, p == precision::fp32 || p == precision::fp64 || p == precision::int32 ? "CUDA cores" : "Tensor Cores", arch->note),
                             per_clock, sms, clock_mhz};
    out.push_back(std::move(s));
  };
  const cuda_arch a = arch.value_or(cuda_arch{});
  const bool known = arch.has_value();
  add(precision::fp32, known ? a.fp32 : 0, "fp32 FMA on the CUDA cores", "FLOP");
  add(precision::fp16, known ? a.fp16 : 0, known && a.fp16 > 0 ? "Tensor Cores, fp32 accumulation" : "no Tensor Core fp16 on this GPU", "FLOP");
  add(precision::bf16, known ? a.bf16 : 0, known && a.bf16 > 0 ? "Tensor Cores, fp32 accumulation" : "bf16 Tensor Cores need compute capability 8.0", "FLOP");
  add(precision::int8, known ? a.int8 : 0, known && a.int8 > 0 ? "Tensor Cores (IMMA), int32 accumulation" : "int8 Tensor Cores need compute capability 7.5", "OP");
  add(precision::fp64, known ? a.fp64 : 0, "fp64 FMA on the CUDA cores", "FLOP");
  add(precision::int32, known ? a.int32 : 0, "int32 multiply-add (IMAD) on the CUDA cores", "OP");
  for (precision p : {precision::fp8_e4m3, precision::fp8_e5m2})
    add(p, known ? a.fp8 : 0, known && a.fp8 > 0 ? "Tensor Cores (fp8 from compute capability 8.9), fp32 accumulation" : "fp8 Tensor Cores need compute capability 8.9", "FLOP");
  if (!known)
    for (auto& s : out) s.reason = fmt::format("compute capability {}.{}: not in xpubench's architecture table", major, minor);
  return out;
}

backend_probe cuda_probe() {
  backend_probe out;
  out.status.name = "cuda";
  const auto& api = cuda_api_load();
  if (!api) {
    out.status.reason = api.error().message;
    return out;
  }
  const cuda_api& a = *api;
  out.status.version = fmt::format("CUDA driver {}.{} (xpubench built with CUDA {}.{})", a.driver_version / 1000, a.driver_version % 1000 / 10,
                                   CUDA_VERSION / 1000, CUDA_VERSION % 1000 / 10);
  int n = 0;
  if (const CUresult rc = a.device_count(&n); rc != CUDA_SUCCESS || n <= 0 || n > max_gpus) {
    out.status.reason = rc != CUDA_SUCCESS ? fmt::format("cuDeviceGetCount failed: {}", a.error_text(rc))
                                           : fmt::format("the driver lists {} GPUs (xpubench reads 1 to {})", n, max_gpus);
    return out;
  }
  for (int i = 0; i < n; ++i) out.devices.push_back(device_read(a, i));
  out.status.available = true;
  if (auto why = cuda_driver_too_old(a.driver_version)) out.status.reason = *why;
  return out;
}

}  // namespace xpu
