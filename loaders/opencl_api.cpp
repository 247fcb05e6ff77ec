#include "loaders/opencl_api.hpp"

#include <fmt/format.h>

namespace xpu {

const result<opencl_api>& opencl_api_load() {
  static const result<opencl_api> api = []() -> result<opencl_api> {
    auto lib = dynlib::open("libOpenCL.so.1", "XPUBENCH_OPENCL_LIBRARY");
    if (!lib) return fail(status::unsupported, "no OpenCL ICD loader: {}", lib.error().message);
    opencl_api a{std::move(*lib)};
    a.get_platform_ids = a.library.symbol<decltype(a.get_platform_ids)>("clGetPlatformIDs");
    a.get_platform_info = a.library.symbol<decltype(a.get_platform_info)>("clGetPlatformInfo");
    a.get_device_ids = a.library.symbol<decltype(a.get_device_ids)>("clGetDeviceIDs");
    a.get_device_info = a.library.symbol<decltype(a.get_device_info)>("clGetDeviceInfo");
    if (!a.get_platform_ids || !a.get_platform_info || !a.get_device_ids || !a.get_device_info)
      return fail(status::unsupported, "{} lacks the OpenCL 1.0 platform/device query functions", a.library.path());
#define XPU_CL_LOAD(field, name) a.field = a.library.symbol<decltype(a.field)>(#name)
    XPU_CL_LOAD(create_context, clCreateContext);
    XPU_CL_LOAD(release_context, clReleaseContext);
    XPU_CL_LOAD(create_queue, clCreateCommandQueue);
    XPU_CL_LOAD(release_queue, clReleaseCommandQueue);
    XPU_CL_LOAD(create_buffer, clCreateBuffer);
    XPU_CL_LOAD(release_mem, clReleaseMemObject);
    XPU_CL_LOAD(create_program, clCreateProgramWithSource);
    XPU_CL_LOAD(build_program, clBuildProgram);
    XPU_CL_LOAD(program_build_info, clGetProgramBuildInfo);
    XPU_CL_LOAD(release_program, clReleaseProgram);
    XPU_CL_LOAD(create_kernel, clCreateKernel);
    XPU_CL_LOAD(release_kernel, clReleaseKernel);
    XPU_CL_LOAD(set_kernel_arg, clSetKernelArg);
    XPU_CL_LOAD(enqueue_kernel, clEnqueueNDRangeKernel);
    XPU_CL_LOAD(enqueue_write, clEnqueueWriteBuffer);
    XPU_CL_LOAD(enqueue_read, clEnqueueReadBuffer);
    XPU_CL_LOAD(finish, clFinish);
    XPU_CL_LOAD(wait_for_events, clWaitForEvents);
    XPU_CL_LOAD(event_profiling_info, clGetEventProfilingInfo);
    XPU_CL_LOAD(release_event, clReleaseEvent);
    XPU_CL_LOAD(map_buffer, clEnqueueMapBuffer);
    XPU_CL_LOAD(unmap, clEnqueueUnmapMemObject);
#undef XPU_CL_LOAD
    return a;
  }();
  return api;
}

std::string opencl_error_name(cl_int code) {
  const char* name = "unknown OpenCL error";
  switch (code) {
    case CL_SUCCESS: name = "CL_SUCCESS"; break;
    case CL_DEVICE_NOT_FOUND: name = "CL_DEVICE_NOT_FOUND"; break;
    case CL_DEVICE_NOT_AVAILABLE: name = "CL_DEVICE_NOT_AVAILABLE"; break;
    case CL_COMPILER_NOT_AVAILABLE: name = "CL_COMPILER_NOT_AVAILABLE"; break;
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: name = "CL_MEM_OBJECT_ALLOCATION_FAILURE"; break;
    case CL_OUT_OF_RESOURCES: name = "CL_OUT_OF_RESOURCES"; break;
    case CL_OUT_OF_HOST_MEMORY: name = "CL_OUT_OF_HOST_MEMORY"; break;
    case CL_PROFILING_INFO_NOT_AVAILABLE: name = "CL_PROFILING_INFO_NOT_AVAILABLE"; break;
    case CL_BUILD_PROGRAM_FAILURE: name = "CL_BUILD_PROGRAM_FAILURE"; break;
    case CL_INVALID_VALUE: name = "CL_INVALID_VALUE"; break;
    case CL_INVALID_DEVICE_TYPE: name = "CL_INVALID_DEVICE_TYPE"; break;
    case CL_INVALID_PLATFORM: name = "CL_INVALID_PLATFORM"; break;
    case CL_INVALID_DEVICE: name = "CL_INVALID_DEVICE"; break;
    case CL_INVALID_CONTEXT: name = "CL_INVALID_CONTEXT"; break;
    case CL_INVALID_QUEUE_PROPERTIES: name = "CL_INVALID_QUEUE_PROPERTIES"; break;
    case CL_INVALID_COMMAND_QUEUE: name = "CL_INVALID_COMMAND_QUEUE"; break;
    case CL_INVALID_MEM_OBJECT: name = "CL_INVALID_MEM_OBJECT"; break;
    case CL_INVALID_BINARY: name = "CL_INVALID_BINARY"; break;
    case CL_INVALID_BUILD_OPTIONS: name = "CL_INVALID_BUILD_OPTIONS"; break;
    case CL_INVALID_PROGRAM: name = "CL_INVALID_PROGRAM"; break;
    case CL_INVALID_PROGRAM_EXECUTABLE: name = "CL_INVALID_PROGRAM_EXECUTABLE"; break;
    case CL_INVALID_KERNEL_NAME: name = "CL_INVALID_KERNEL_NAME"; break;
    case CL_INVALID_KERNEL: name = "CL_INVALID_KERNEL"; break;
    case CL_INVALID_ARG_INDEX: name = "CL_INVALID_ARG_INDEX"; break;
    case CL_INVALID_ARG_VALUE: name = "CL_INVALID_ARG_VALUE"; break;
    case CL_INVALID_ARG_SIZE: name = "CL_INVALID_ARG_SIZE"; break;
    case CL_INVALID_KERNEL_ARGS: name = "CL_INVALID_KERNEL_ARGS"; break;
    case CL_INVALID_WORK_DIMENSION: name = "CL_INVALID_WORK_DIMENSION"; break;
    case CL_INVALID_WORK_GROUP_SIZE: name = "CL_INVALID_WORK_GROUP_SIZE"; break;
    case CL_INVALID_WORK_ITEM_SIZE: name = "CL_INVALID_WORK_ITEM_SIZE"; break;
    case CL_INVALID_GLOBAL_OFFSET: name = "CL_INVALID_GLOBAL_OFFSET"; break;
    case CL_INVALID_EVENT: name = "CL_INVALID_EVENT"; break;
    case CL_INVALID_OPERATION: name = "CL_INVALID_OPERATION"; break;
    case CL_INVALID_BUFFER_SIZE: name = "CL_INVALID_BUFFER_SIZE"; break;
    case CL_INVALID_GLOBAL_WORK_SIZE: name = "CL_INVALID_GLOBAL_WORK_SIZE"; break;
    case -1001: name = "CL_PLATFORM_NOT_FOUND_KHR (the ICD loader found no driver)"; break;
    default: break;
  }
  return fmt::format("{} ({})", name, code);
}

}  // namespace xpu
