#pragma once
// `xpubench --version`: this build (version, git revision, compiler, libraries compiled in) and the
// libraries found at run time (hwloc, oneDNN, OpenBLAS, the OpenCL and Vulkan loaders). Drivers and
// devices are the probe's job: loading a loader here runs no driver code.
#include <string>

namespace xpu {

std::string version_report();

}  // namespace xpu
