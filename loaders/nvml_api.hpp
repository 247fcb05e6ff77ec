#pragma once
// NVML, opened at run time (never a link dependency): the few entry points the probe and the
// energy meters use, declared from the NVML API reference.
#include <string>

#include "core/error.hpp"
#include "loaders/dynlib.hpp"

namespace xpu {

struct nvml_api {
  using device = struct nvml_device_st*;
  struct pci_info {
    char bus_id_legacy[16];
    unsigned domain, bus, device_number, pci_device_id, pci_subsystem_id;
    char bus_id[32];
  };
  dynlib library;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*device_count)(unsigned*) = nullptr;
  int (*device_by_index)(unsigned, device*) = nullptr;
  int (*device_name)(device, char*, unsigned) = nullptr;
  int (*device_pci)(device, pci_info*) = nullptr;
  int (*total_energy_mj)(device, unsigned long long*) = nullptr;
  int (*power_mw)(device, unsigned*) = nullptr;
};

// Loads `library` (or $XPUBENCH_NVML_LIBRARY) once per path and initializes NVML; later calls
// with the same path return the same result.
const result<nvml_api>& nvml_api_load(const std::string& library);

}  // namespace xpu
