#pragma once
// The CUDA driver API (libcuda.so.1, installed with the NVIDIA driver), opened at run time: one
// xpubench binary runs on machines with and without a driver and says why when there is none.
// Types and attribute numbers come from the toolkit's cuda.h (a build-time dependency only); the
// entry points are looked up by their versioned names (cuda.h maps cuMemAlloc to cuMemAlloc_v2),
// so a driver older than the names this build asks for is reported, not crashed on.
#include <cuda.h>

#include <string>

#include "core/error.hpp"
#include "loaders/dynlib.hpp"

namespace xpu {

struct cuda_api {
  dynlib library;
  int driver_version = 0;  // cuDriverGetVersion: 13000 for CUDA 13.0
  decltype(&::cuInit) init = nullptr;
  decltype(&::cuDriverGetVersion) get_driver_version = nullptr;
  decltype(&::cuGetErrorName) error_name = nullptr;
  decltype(&::cuDeviceGetCount) device_count = nullptr;
  decltype(&::cuDeviceGet) device_get = nullptr;
  decltype(&::cuDeviceGetName) device_name = nullptr;
  decltype(&::cuDeviceGetAttribute) device_attribute = nullptr;
  decltype(&::cuDeviceTotalMem) device_total_mem = nullptr;
  decltype(&::cuDeviceGetUuid) device_uuid = nullptr;
  decltype(&::cuDeviceGetPCIBusId) device_pci_bus_id = nullptr;
  // Used by the kernel backend (kernels/cuda).
  decltype(&::cuDevicePrimaryCtxRetain) primary_ctx_retain = nullptr;
  decltype(&::cuDevicePrimaryCtxRelease) primary_ctx_release = nullptr;
  decltype(&::cuCtxSetCurrent) ctx_set_current = nullptr;
  decltype(&::cuCtxSynchronize) ctx_synchronize = nullptr;
  decltype(&::cuModuleLoadData) module_load_data = nullptr;
  decltype(&::cuModuleUnload) module_unload = nullptr;
  decltype(&::cuModuleGetFunction) module_get_function = nullptr;
  decltype(&::cuFuncSetAttribute) func_set_attribute = nullptr;
  decltype(&::cuLaunchKernel) launch_kernel = nullptr;
  decltype(&::cuMemAlloc) mem_alloc = nullptr;
  decltype(&::cuMemFree) mem_free = nullptr;
  decltype(&::cuMemAllocHost) mem_alloc_host = nullptr;
  decltype(&::cuMemFreeHost) mem_free_host = nullptr;
  decltype(&::cuMemcpyHtoD) memcpy_htod = nullptr;
  decltype(&::cuMemcpyDtoH) memcpy_dtoh = nullptr;
  decltype(&::cuMemcpyHtoDAsync) memcpy_htod_async = nullptr;
  decltype(&::cuMemcpyDtoHAsync) memcpy_dtoh_async = nullptr;
  decltype(&::cuMemsetD32) memset_d32 = nullptr;
  decltype(&::cuMemGetInfo) mem_get_info = nullptr;
  decltype(&::cuStreamCreate) stream_create = nullptr;
  decltype(&::cuStreamDestroy) stream_destroy = nullptr;
  decltype(&::cuStreamSynchronize) stream_synchronize = nullptr;
  decltype(&::cuEventCreate) event_create = nullptr;
  decltype(&::cuEventDestroy) event_destroy = nullptr;
  decltype(&::cuEventRecord) event_record = nullptr;
  decltype(&::cuEventSynchronize) event_synchronize = nullptr;
  decltype(&::cuEventElapsedTime) event_elapsed = nullptr;

  // "CUDA_ERROR_NO_DEVICE (100)"
  std::string error_text(CUresult rc) const;
};

// Loads libcuda.so.1 (or $XPUBENCH_CUDA_LIBRARY) once and calls cuInit(0); later calls return
// the same result. An error says which: no driver library, a driver that lacks entry points this
// build needs (older than CUDA 11.4), or cuInit's code (no device, driver/kernel-module mismatch).
const result<cuda_api>& cuda_api_load();

}  // namespace xpu

// Checks a CUDA driver call; on failure returns an error naming the call and the code. Out of
// memory is `skipped` (the row is too big for this device), anything else `failed`.
#define XPU_CHECK_CU(api, expr)                                                                          \
  do {                                                                                                   \
    const CUresult xpu_cu_rc_ = (expr);                                                                  \
    if (xpu_cu_rc_ != CUDA_SUCCESS)                                                                      \
      return ::xpu::fail(xpu_cu_rc_ == CUDA_ERROR_OUT_OF_MEMORY ? ::xpu::status::skipped : ::xpu::status::failed, \
                         "{} failed: {}", #expr, (api).error_text(xpu_cu_rc_));                          \
  } while (0)
