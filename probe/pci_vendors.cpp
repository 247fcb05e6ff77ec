#include "probe/pci_vendors.hpp"

namespace xpu {

std::string_view pci_vendor_name(std::uint32_t id) {
  switch (id) {
    case 0x10DE: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x1022: return "AMD";
    case 0x8086: return "Intel";
    case 0x13B5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x17CB: return "Qualcomm";
    case 0x1DA3: return "Intel Habana";
    case 0x106B: return "Apple";
    case 0x1010: return "Imagination";
    case 0x14E4: return "Broadcom";
    case 0x10005: return "Mesa";  // a Khronos vendor id (VK_VENDOR_ID_MESA)
    default: return {};
  }
}

}  // namespace xpu
