#pragma once
// The OpenCL ICD loader, opened at run time. One instance per process; the kernels backend adds
// the entry points it needs here, so there is one list of OpenCL functions.
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

#include <string>

#include "core/error.hpp"
#include "probe/dynlib.hpp"

namespace xpu {

struct opencl_api {
  dynlib library;
  decltype(&::clGetPlatformIDs) get_platform_ids = nullptr;
  decltype(&::clGetPlatformInfo) get_platform_info = nullptr;
  decltype(&::clGetDeviceIDs) get_device_ids = nullptr;
  decltype(&::clGetDeviceInfo) get_device_info = nullptr;
};

// Loads libOpenCL.so.1 (or $XPUBENCH_OPENCL_LIBRARY) once; later calls return the same result.
const result<opencl_api>& opencl_api_load();

// "CL_DEVICE_NOT_FOUND (-1)"
std::string opencl_error_name(cl_int code);

}  // namespace xpu

// Checks an OpenCL call; on failure returns an error naming the call and the code.
#define XPU_CHECK_CL(expr)                                                                        \
  do {                                                                                            \
    const cl_int xpu_cl_rc_ = (expr);                                                             \
    if (xpu_cl_rc_ != CL_SUCCESS)                                                                 \
      return ::xpu::fail(::xpu::status::failed, "{} failed: {}", #expr, ::xpu::opencl_error_name(xpu_cl_rc_)); \
  } while (0)
