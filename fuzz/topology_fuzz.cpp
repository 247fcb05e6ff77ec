// Saved topologies (`lstopo --of xml`, `probe --topology`): hwloc parses, our loader reads what it
// built; any input is loaded or refused with a message.
#include <cstdint>

#include "fuzz/fuzz_file.hpp"
#include "probe/cpu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = xpu::fuzz::write_input(data, size, "topology.xml");
  (void)xpu::topology_load(path);
  return 0;
}
