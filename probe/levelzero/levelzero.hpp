#pragma once
// Level Zero devices (Intel GPUs and NPUs) through oneAPI's loader, opened at run time
// (libze_loader.so.1, or the path in $XPUBENCH_LEVEL_ZERO_LIBRARY). Probed only.
#include "probe/backends.hpp"

namespace xpu {

backend_probe levelzero_probe();

}  // namespace xpu
