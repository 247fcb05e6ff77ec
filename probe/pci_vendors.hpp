#pragma once
// Vendor names by PCI vendor id (and Khronos' ids for vendors without one), shared by every
// backend that reports a numeric vendor: Vulkan, Level Zero, Linux accel devices.
#include <cstdint>
#include <string_view>

namespace xpu {

// The vendor's name, or empty when the id is not one we know.
std::string_view pci_vendor_name(std::uint32_t id);

}  // namespace xpu
