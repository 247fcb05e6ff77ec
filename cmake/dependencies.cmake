# Every external dependency is found here, once. Packages come from scripts/install-deps.sh.
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(tomlplusplus REQUIRED)       # suite files
# toml++ header-only, through core/toml.hpp (which says why): only the package's include folder,
# not its imported target, whose options select the distribution's shared library.
add_library(xpubench_toml INTERFACE)
target_include_directories(xpubench_toml SYSTEM INTERFACE
                           $<TARGET_PROPERTY:tomlplusplus::tomlplusplus,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(xpubench_toml INTERFACE TOML_HEADER_ONLY=1)
if(NOT XPUBENCH_FUZZ)  # the fuzz build (clang) compiles only the readers: no kernels, no measurement
find_package(benchmark REQUIRED)          # Google Benchmark drives measurement
find_package(SQLite3 REQUIRED)            # the run history (xpubench history)
pkg_check_modules(libpq REQUIRED libpq)  # libpq-fe.h: the history on a PostgreSQL server (libpq.so.5 opened at run time)
find_package(OpenMP REQUIRED)             # the CPU backend's own kernels (and oneDNN's runtime)
find_package(dnnl REQUIRED)               # oneDNN: CPU GEMM and convolution
# OpenBLAS, the second fp32 GEMM: the OpenMP build, so that it shares oneDNN's thread pool. The
# pthreads build keeps its own threads spinning beside OpenMP's, and on a 2-core machine the two
# pools fight over the cores (run-to-run swings of 15-30 % measured). The run path makes the
# loader pick this build whatever the libopenblas.so.0 alternative points to.
set(_openblas_omp /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp)
find_library(XPUBENCH_OPENBLAS NAMES openblas PATHS ${_openblas_omp} NO_DEFAULT_PATH)
find_path(XPUBENCH_CBLAS_INCLUDE cblas.h PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
if(NOT XPUBENCH_OPENBLAS OR NOT XPUBENCH_CBLAS_INCLUDE)
  message(FATAL_ERROR "OpenBLAS (OpenMP build) not found: run scripts/install-deps.sh (libopenblas-openmp-dev)")
endif()
endif()
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc>=2.0)

# ONNX graphs for `xpubench suite from-model` (libonnx-dev, with protobuf's library): optional, so
# that a build without them still reads GGUF files and says why it cannot read ONNX ones.
find_package(Protobuf QUIET)
find_package(ONNX QUIET)
set(_onnx_default OFF)
if(Protobuf_FOUND AND ONNX_FOUND)
  set(_onnx_default ON)
endif()
option(XPUBENCH_WITH_ONNX "Read ONNX models in suite from-model (needs libonnx-dev and libprotobuf-dev)" ${_onnx_default})
if(XPUBENCH_WITH_ONNX AND NOT (Protobuf_FOUND AND ONNX_FOUND))
  message(FATAL_ERROR "XPUBENCH_WITH_ONNX=ON but ONNX or protobuf was not found: run scripts/install-deps.sh or pass -DXPUBENCH_WITH_ONNX=OFF")
endif()

# Google's cpu_features reads CPUID on x86; on other architectures the probe uses getauxval.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|i.86")
  find_package(CpuFeatures REQUIRED)
endif()

# OpenCL and Vulkan are loaded at run time (dlopen), so that a machine without the ICD loader
# or the Vulkan loader still runs xpubench and reports the backend as missing. The build needs
# only their headers.
find_path(XPUBENCH_OPENCL_INCLUDE_DIR CL/cl.h)
find_path(XPUBENCH_VULKAN_INCLUDE_DIR vulkan/vulkan.h)
set(_opencl_default OFF)
if(XPUBENCH_OPENCL_INCLUDE_DIR)
  set(_opencl_default ON)
endif()
set(_vulkan_default OFF)
if(XPUBENCH_VULKAN_INCLUDE_DIR)
  set(_vulkan_default ON)
endif()
option(XPUBENCH_WITH_OPENCL "Build the OpenCL backend (needs CL/cl.h)" ${_opencl_default})
option(XPUBENCH_WITH_VULKAN "Build the Vulkan backend (needs vulkan/vulkan.h)" ${_vulkan_default})
if(XPUBENCH_WITH_OPENCL AND NOT XPUBENCH_OPENCL_INCLUDE_DIR)
  message(FATAL_ERROR "XPUBENCH_WITH_OPENCL=ON but CL/cl.h was not found: run scripts/install-deps.sh or pass -DXPUBENCH_WITH_OPENCL=OFF")
endif()
if(XPUBENCH_WITH_VULKAN AND NOT XPUBENCH_VULKAN_INCLUDE_DIR)
  message(FATAL_ERROR "XPUBENCH_WITH_VULKAN=ON but vulkan/vulkan.h was not found: run scripts/install-deps.sh or pass -DXPUBENCH_WITH_VULKAN=OFF")
endif()
# Level Zero (Intel GPUs and NPUs), probed only: the loader is opened at run time too.
# An option that is ON by default where its dependency was found (`found`: a variable name) and
# refuses ON without it.
function(xpubench_found_option name found doc missing)
  set(_default OFF)
  if(${found})
    set(_default ON)
  endif()
  option(${name} "${doc}" ${_default})
  if(${name} AND NOT ${found})
    message(FATAL_ERROR "${name}=ON but ${missing}: run scripts/install-deps.sh or pass -D${name}=OFF")
  endif()
endfunction()
find_path(XPUBENCH_LEVEL_ZERO_INCLUDE_DIR level_zero/ze_api.h)
xpubench_found_option(XPUBENCH_WITH_LEVEL_ZERO XPUBENCH_LEVEL_ZERO_INCLUDE_DIR
                      "Probe Level Zero devices (needs level_zero/ze_api.h: Debian's libze-dev)" "level_zero/ze_api.h was not found")

# Fleet runs over MPI (session/fleet.cpp: `mpirun ... xpubench run`): Open MPI from Debian where it is
# installed (libopenmpi-dev); without it xpubench is built as before and refuses a launched run.
find_package(MPI COMPONENTS CXX QUIET)
set(XPUBENCH_MPI_USABLE ${MPI_CXX_FOUND})
if(XPUBENCH_FUZZ)  # the fuzz build reads files only
  set(XPUBENCH_MPI_USABLE OFF)
endif()
xpubench_found_option(XPUBENCH_WITH_MPI XPUBENCH_MPI_USABLE "Fleet runs and collectives over MPI (mpirun/srun)"
                      "no MPI was found (libopenmpi-dev, openmpi-bin)")

# The CUDA backend: the toolkit where it is found (cmake/cuda.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/cuda.cmake)
