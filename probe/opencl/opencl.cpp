// OpenCL devices through the ICD loader: every platform, every device, the facts clinfo shows
// that matter for compute. A query the driver fails is recorded in the device's errors.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "probe/opencl/opencl.hpp"
#include "loaders/opencl_api.hpp"

#include <CL/cl_ext.h>

namespace xpu {
namespace {

std::string platform_string(const opencl_api& cl, cl_platform_id p, cl_platform_info what) {
  std::size_t size = 0;
  if (cl.get_platform_info(p, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string s(size, '\0');
  if (cl.get_platform_info(p, what, size, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

class device_query {
 public:
  device_query(const opencl_api& cl, cl_device_id d, std::vector<std::string>& errors)
      : m_cl(cl), m_device(d), m_errors(errors) {}

  std::string text(cl_device_info what, const char* name) {
    std::size_t size = 0;
    cl_int rc = m_cl.get_device_info(m_device, what, 0, nullptr, &size);
    if (rc != CL_SUCCESS) return note(name, rc), "";
    std::string s(size, '\0');
    rc = m_cl.get_device_info(m_device, what, size, s.data(), nullptr);
    if (rc != CL_SUCCESS) return note(name, rc), "";
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
  }

  template <class T>
  T scalar(cl_device_info what, const char* name) {
    T value{};
    const cl_int rc = m_cl.get_device_info(m_device, what, sizeof(T), &value, nullptr);
    if (rc != CL_SUCCESS) note(name, rc);
    return rc == CL_SUCCESS ? value : T{};
  }

  std::vector<std::uint64_t> sizes(cl_device_info what, const char* name) {
    std::size_t bytes = 0;
    cl_int rc = m_cl.get_device_info(m_device, what, 0, nullptr, &bytes);
    if (rc != CL_SUCCESS) return note(name, rc), std::vector<std::uint64_t>{};
    std::vector<std::size_t> v(bytes / sizeof(std::size_t));
    rc = m_cl.get_device_info(m_device, what, bytes, v.data(), nullptr);
    if (rc != CL_SUCCESS) return note(name, rc), std::vector<std::uint64_t>{};
    return {v.begin(), v.end()};
  }

 private:
  void note(const char* name, cl_int rc) { m_errors.push_back(fmt::format("{}: {}", name, opencl_error_name(rc))); }
  const opencl_api& m_cl;
  cl_device_id m_device;
  std::vector<std::string>& m_errors;
};

#define XPU_CL_QUERY(q, kind, param) q.kind(param, #param)

std::string device_type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "gpu";
  if (t & CL_DEVICE_TYPE_CPU) return "cpu";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  if (t & CL_DEVICE_TYPE_CUSTOM) return "other";
  return "other";
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  std::ranges::sort(out);
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view x) { return std::ranges::find(v, x) != v.end(); }

// "OpenCL 3.0 PoCL ..." -> 30 (major*10+minor); 0 when unparsable.
int opencl_version_number(const std::string& v) {
  int major = 0, minor = 0;
  if (std::sscanf(v.c_str(), "OpenCL %d.%d", &major, &minor) != 2) return 0;
  return major * 10 + minor;
}

// PoCL lists no device when it cannot create its kernel cache ($POCL_CACHE_DIR, else
// $XDG_CACHE_HOME/pocl, else ~/.cache/pocl): say so, with the fix.
std::string pocl_hint(std::string_view platform_name) {
  if (platform_name.find("Portable Computing Language") == std::string_view::npos) return "";
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* d = std::getenv("POCL_CACHE_DIR"); d && *d) dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = fs::path(x) / "pocl";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = fs::path(h) / ".cache" / "pocl";
  else return "; PoCL finds no cache folder (HOME is unset): set POCL_CACHE_DIR to a writable folder";
  fs::path existing = dir;  // the folder, or the nearest parent that exists (PoCL creates the rest)
  std::error_code ec;
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path()) existing = existing.parent_path();
  if (!existing.empty() && ::access(existing.c_str(), W_OK) == 0) return "";
  return fmt::format("; PoCL keeps its kernel cache in {}, and {} is not writable: set POCL_CACHE_DIR to a writable folder", dir.string(),
                     existing.empty() ? dir.string() : existing.string());
}

device_info describe(const opencl_api& cl, cl_device_id id, const opencl_details& platform) {
  device_info d;
  d.backend = "opencl";
  opencl_details o = platform;
  device_query q(cl, id, o.errors);
  d.name = XPU_CL_QUERY(q, text, CL_DEVICE_NAME);
  d.vendor = XPU_CL_QUERY(q, text, CL_DEVICE_VENDOR);
  d.driver_version = XPU_CL_QUERY(q, text, CL_DRIVER_VERSION);
  d.type = device_type_name(XPU_CL_QUERY(q, scalar<cl_device_type>, CL_DEVICE_TYPE));
  o.device_version = XPU_CL_QUERY(q, text, CL_DEVICE_VERSION);
  o.c_version = XPU_CL_QUERY(q, text, CL_DEVICE_OPENCL_C_VERSION);
  o.compute_units = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_MAX_COMPUTE_UNITS);
  o.max_clock_mhz = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_MAX_CLOCK_FREQUENCY);
  o.global_memory_bytes = XPU_CL_QUERY(q, scalar<cl_ulong>, CL_DEVICE_GLOBAL_MEM_SIZE);
  o.max_alloc_bytes = XPU_CL_QUERY(q, scalar<cl_ulong>, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
  o.local_memory_bytes = XPU_CL_QUERY(q, scalar<cl_ulong>, CL_DEVICE_LOCAL_MEM_SIZE);
  o.constant_memory_bytes = XPU_CL_QUERY(q, scalar<cl_ulong>, CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE);
  o.global_cache_bytes = XPU_CL_QUERY(q, scalar<cl_ulong>, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE);
  o.max_work_group_size = XPU_CL_QUERY(q, scalar<std::size_t>, CL_DEVICE_MAX_WORK_GROUP_SIZE);
  o.max_work_item_sizes = XPU_CL_QUERY(q, sizes, CL_DEVICE_MAX_WORK_ITEM_SIZES);
  o.vector_width_char = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR);
  o.vector_width_short = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT);
  o.vector_width_int = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT);
  o.vector_width_long = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG);
  o.vector_width_float = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT);
  o.vector_width_double = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE);
  o.vector_width_half = XPU_CL_QUERY(q, scalar<cl_uint>, CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF);
  o.timer_resolution_ns = XPU_CL_QUERY(q, scalar<std::size_t>, CL_DEVICE_PROFILING_TIMER_RESOLUTION);
  o.extensions = split_words(XPU_CL_QUERY(q, text, CL_DEVICE_EXTENSIONS));

  o.fp16 = contains(o.extensions, "cl_khr_fp16");
  const cl_device_fp_config double_config = XPU_CL_QUERY(q, scalar<cl_device_fp_config>, CL_DEVICE_DOUBLE_FP_CONFIG);
  o.fp64 = contains(o.extensions, "cl_khr_fp64") || double_config != 0;
  o.integer_dot_product = contains(o.extensions, "cl_khr_integer_dot_product");
  o.subgroups = contains(o.extensions, "cl_khr_subgroups");
  if (!o.subgroups && opencl_version_number(o.device_version) >= 21) {
    // Sub-groups are core in 2.1 and optional in 3.0: a non-zero count says they are there.
    cl_uint count = 0;
    if (cl.get_device_info(id, CL_DEVICE_MAX_NUM_SUB_GROUPS, sizeof count, &count, nullptr) == CL_SUCCESS)
      o.subgroups = count > 0;
  }
  if (contains(o.extensions, "cl_khr_pci_bus_info")) {
    cl_device_pci_bus_info_khr pci{};
    if (cl.get_device_info(id, CL_DEVICE_PCI_BUS_INFO_KHR, sizeof pci, &pci, nullptr) == CL_SUCCESS)
      d.pci_bus_id = fmt::format("{:04x}:{:02x}:{:02x}.{:x}", pci.pci_domain, pci.pci_bus, pci.pci_device, pci.pci_function);
  } else if (contains(o.extensions, "cl_nv_device_attribute_query")) {
    constexpr cl_device_info bus_nv = 0x4008, slot_nv = 0x4009;  // CL_DEVICE_PCI_BUS_ID_NV, CL_DEVICE_PCI_SLOT_ID_NV
    cl_uint bus = 0, slot = 0;
    if (cl.get_device_info(id, bus_nv, sizeof bus, &bus, nullptr) == CL_SUCCESS &&
        cl.get_device_info(id, slot_nv, sizeof slot, &slot, nullptr) == CL_SUCCESS)
      d.pci_bus_id = fmt::format("0000:{:02x}:{:02x}.{:x}", bus, slot >> 3, slot & 7);
  }
  d.opencl = std::move(o);
  return d;
}

#undef XPU_CL_QUERY

}  // namespace

backend_probe opencl_probe() {
  backend_probe out;
  out.status.name = "opencl";
  const auto& api = opencl_api_load();
  if (!api) {
    out.status.reason = api.error().message;
    return out;
  }
  const opencl_api& cl = *api;
  out.status.version = cl.library.path();

  cl_uint count = 0;
  cl_int rc = cl.get_platform_ids(0, nullptr, &count);
  if (rc != CL_SUCCESS || count == 0) {
    out.status.reason = rc == CL_SUCCESS || rc == -1001
                            ? "the OpenCL ICD loader found no platform: no OpenCL driver (ICD) is installed "
                              "(see /etc/OpenCL/vendors; on Debian install pocl-opencl-icd or the GPU vendor's ICD)"
                            : fmt::format("clGetPlatformIDs failed: {}", opencl_error_name(rc));
    return out;
  }
  std::vector<cl_platform_id> platforms(count);
  rc = cl.get_platform_ids(count, platforms.data(), nullptr);
  if (rc != CL_SUCCESS) {
    out.status.reason = fmt::format("clGetPlatformIDs failed: {}", opencl_error_name(rc));
    return out;
  }

  std::vector<std::string> notes;
  for (cl_platform_id p : platforms) {
    opencl_details platform;
    platform.platform_name = platform_string(cl, p, CL_PLATFORM_NAME);
    platform.platform_vendor = platform_string(cl, p, CL_PLATFORM_VENDOR);
    platform.platform_version = platform_string(cl, p, CL_PLATFORM_VERSION);
    cl_uint n = 0;
    rc = cl.get_device_ids(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &n);
    if (rc != CL_SUCCESS || n == 0) {
      notes.push_back(fmt::format("platform '{}' lists no device ({}){}", platform.platform_name,
                                  rc == CL_SUCCESS ? "none" : opencl_error_name(rc), pocl_hint(platform.platform_name)));
      continue;
    }
    std::vector<cl_device_id> ids(n);
    if ((rc = cl.get_device_ids(p, CL_DEVICE_TYPE_ALL, n, ids.data(), nullptr)) != CL_SUCCESS) {
      notes.push_back(fmt::format("platform '{}': clGetDeviceIDs failed: {}", platform.platform_name, opencl_error_name(rc)));
      continue;
    }
    for (cl_device_id id : ids) {
      device_info d = describe(cl, id, platform);
      d.id = fmt::format("opencl{}", out.devices.size());
      out.devices.push_back(std::move(d));
    }
  }
  out.status.available = !out.devices.empty();
  for (std::size_t i = 0; i < notes.size(); ++i) out.status.reason += (i ? "; " : "") + notes[i];
  if (!out.status.available && out.status.reason.empty()) out.status.reason = "no OpenCL device found";
  return out;
}

}  // namespace xpu
