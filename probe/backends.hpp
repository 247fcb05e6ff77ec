#pragma once
// Each backend's probe returns its status and the devices it found; none of them throws or
// fails the probe: a missing loader, a missing driver or a driver error becomes the status.
#include <vector>

#include "inventory/device.hpp"

namespace xpu {

struct backend_probe {
  backend_status status;
  std::vector<device_info> devices;
};


}  // namespace xpu
