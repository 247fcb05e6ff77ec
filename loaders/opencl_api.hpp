#pragma once
// The OpenCL ICD loader, opened at run time. One instance per process; the kernels backend adds
// the entry points it needs here, so there is one list of OpenCL functions.
#define CL_TARGET_OPENCL_VERSION 300
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS  // clCreateCommandQueue: the 1.2 call every driver has
#include <CL/cl.h>

#include <string>

#include "core/error.hpp"
#include "loaders/dynlib.hpp"

namespace xpu {

struct opencl_api {
  dynlib library;
  decltype(&::clGetPlatformIDs) get_platform_ids = nullptr;
  decltype(&::clGetPlatformInfo) get_platform_info = nullptr;
  decltype(&::clGetDeviceIDs) get_device_ids = nullptr;
  decltype(&::clGetDeviceInfo) get_device_info = nullptr;
  // Used by the kernel backend (kernels/opencl); all present in any OpenCL 1.2 loader.
  decltype(&::clCreateContext) create_context = nullptr;
  decltype(&::clReleaseContext) release_context = nullptr;
  decltype(&::clCreateCommandQueue) create_queue = nullptr;
  decltype(&::clReleaseCommandQueue) release_queue = nullptr;
  decltype(&::clCreateBuffer) create_buffer = nullptr;
  decltype(&::clReleaseMemObject) release_mem = nullptr;
  decltype(&::clCreateProgramWithSource) create_program = nullptr;
  decltype(&::clBuildProgram) build_program = nullptr;
  decltype(&::clGetProgramBuildInfo) program_build_info = nullptr;
  decltype(&::clReleaseProgram) release_program = nullptr;
  decltype(&::clCreateKernel) create_kernel = nullptr;
  decltype(&::clReleaseKernel) release_kernel = nullptr;
  decltype(&::clSetKernelArg) set_kernel_arg = nullptr;
  decltype(&::clEnqueueNDRangeKernel) enqueue_kernel = nullptr;
  decltype(&::clEnqueueWriteBuffer) enqueue_write = nullptr;
  decltype(&::clEnqueueReadBuffer) enqueue_read = nullptr;
  decltype(&::clFinish) finish = nullptr;
  decltype(&::clWaitForEvents) wait_for_events = nullptr;
  decltype(&::clGetEventProfilingInfo) event_profiling_info = nullptr;
  decltype(&::clReleaseEvent) release_event = nullptr;
  decltype(&::clEnqueueMapBuffer) map_buffer = nullptr;
  decltype(&::clEnqueueUnmapMemObject) unmap = nullptr;
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
