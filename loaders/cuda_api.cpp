#include "loaders/cuda_api.hpp"

#include <fmt/format.h>

namespace xpu {

std::string cuda_api::error_text(CUresult rc) const {
  const char* name = nullptr;
  if (error_name && error_name(rc, &name) == CUDA_SUCCESS && name) return fmt::format("{} ({})", name, static_cast<int>(rc));
  return fmt::format("CUresult {}", static_cast<int>(rc));
}

const result<cuda_api>& cuda_api_load() {
  static const result<cuda_api> loaded = []() -> result<cuda_api> {
    auto lib = dynlib::open("libcuda.so.1", "XPUBENCH_CUDA_LIBRARY");
    if (!lib) return fail(status::unsupported, "no NVIDIA driver ({}): libcuda.so.1 comes with the driver, not with the CUDA toolkit", lib.error().message);
    cuda_api a{std::move(*lib)};
    std::string missing;
    // Each entry point by the name cuda.h maps it to, then (for names a newer toolkit versioned)
    // the older name with the same signature.
    auto load = [&](auto& field, const char* name, const char* older = nullptr) {
      field = a.library.symbol<std::remove_reference_t<decltype(field)>>(name);
      if (!field && older) field = a.library.symbol<std::remove_reference_t<decltype(field)>>(older);
      if (!field) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", name);
    };
    load(a.init, "cuInit");
    load(a.get_driver_version, "cuDriverGetVersion");
    load(a.error_name, "cuGetErrorName");
    load(a.device_count, "cuDeviceGetCount");
    load(a.device_get, "cuDeviceGet");
    load(a.device_name, "cuDeviceGetName");
    load(a.device_attribute, "cuDeviceGetAttribute");
    load(a.device_total_mem, "cuDeviceTotalMem_v2");
    load(a.device_uuid, "cuDeviceGetUuid_v2", "cuDeviceGetUuid");
    load(a.device_pci_bus_id, "cuDeviceGetPCIBusId");
    load(a.primary_ctx_retain, "cuDevicePrimaryCtxRetain");
    load(a.primary_ctx_release, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
    load(a.ctx_set_current, "cuCtxSetCurrent");
    load(a.ctx_synchronize, "cuCtxSynchronize");
    load(a.module_load_data, "cuModuleLoadData");
    load(a.module_unload, "cuModuleUnload");
    load(a.module_get_function, "cuModuleGetFunction");
    load(a.func_set_attribute, "cuFuncSetAttribute");
    load(a.launch_kernel, "cuLaunchKernel");
    load(a.mem_alloc, "cuMemAlloc_v2");
    load(a.mem_free, "cuMemFree_v2");
    load(a.mem_alloc_host, "cuMemAllocHost_v2");
    load(a.mem_free_host, "cuMemFreeHost");
    load(a.memcpy_htod, "cuMemcpyHtoD_v2");
    load(a.memcpy_dtoh, "cuMemcpyDtoH_v2");
    load(a.memcpy_htod_async, "cuMemcpyHtoDAsync_v2");
    load(a.memcpy_dtoh_async, "cuMemcpyDtoHAsync_v2");
    load(a.memset_d32, "cuMemsetD32_v2");
    load(a.mem_get_info, "cuMemGetInfo_v2");
    load(a.stream_create, "cuStreamCreate");
    load(a.stream_destroy, "cuStreamDestroy_v2", "cuStreamDestroy");
    load(a.stream_synchronize, "cuStreamSynchronize");
    load(a.event_create, "cuEventCreate");
    load(a.event_destroy, "cuEventDestroy_v2", "cuEventDestroy");
    load(a.event_record, "cuEventRecord");
    load(a.event_synchronize, "cuEventSynchronize");
    load(a.event_elapsed, "cuEventElapsedTime_v2", "cuEventElapsedTime");
    if (!missing.empty())
      return fail(status::unsupported, "{} lacks {} (a driver older than CUDA 11.4, or not NVIDIA's libcuda)", a.library.path(), missing);
    if (const CUresult rc = a.init(0); rc != CUDA_SUCCESS)
      return fail(status::unsupported, "cuInit failed: {} ({})", a.error_text(rc),
                  rc == CUDA_ERROR_NO_DEVICE             ? "the driver sees no NVIDIA GPU"
                  : rc == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH ? "the driver library does not match the loaded kernel module"
                  : rc == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE ? "forward compatibility is not supported on this GPU"
                                                             : "the NVIDIA kernel module is not loaded, or /dev/nvidia* is not accessible");
    if (a.get_driver_version(&a.driver_version) != CUDA_SUCCESS) a.driver_version = 0;
    return a;
  }();
  return loaded;
}

}  // namespace xpu
