#pragma once
// Reading energy around a timed region from the sensors the probe found. Energy counters (RAPL,
// hwmon energy*_input, NVML total energy) are read before and after, with RAPL wrap-around
// handled; power sensors (hwmon power*_input/average, NVML power) are sampled by a background
// thread and integrated. Never an estimate: no readable sensor means no figure, with the reason.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inventory/device.hpp"
#include "probe/power.hpp"

namespace xpu {

struct energy_reading {
  double joules = 0;
  double seconds = 0;
  std::optional<double> sample_hz;  // for sampled power sensors
};

class energy_meter {
 public:
  virtual ~energy_meter() = default;
  virtual result<void> start() = 0;
  virtual result<energy_reading> stop() = 0;
  virtual std::string name() const = 0;  // the sensor(s), for the report
};

// The sensors that cover a device: for the CPU every readable RAPL package zone (summed), else
// hwmon CPU energy inputs; for a GPU the hwmon/NVML sensor on its PCI bus (when known).
struct sensor_match {
  std::vector<power_sensor> sensors;
  std::string reason;  // why none, when empty
};
sensor_match sensors_for(const device_info& d, const power_inventory& power);

struct energy_options {
  std::string nvml_library = "libnvidia-ml.so.1";
  double sample_period_s = 0.005;   // power sensors
};

result<std::unique_ptr<energy_meter>> energy_meter_open(const sensor_match& match, const energy_options& options = {});

// Energy between two readings of a counter that wraps at `range` (RAPL's max_energy_range_uj).
std::uint64_t counter_delta(std::uint64_t before, std::uint64_t after, std::optional<std::uint64_t> range);

}  // namespace xpu
