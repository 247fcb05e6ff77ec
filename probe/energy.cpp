#include "probe/energy.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "loaders/nvml_api.hpp"
#include "probe/sysfs.hpp"

namespace xpu {

std::uint64_t counter_delta(std::uint64_t before, std::uint64_t after, std::optional<std::uint64_t> range) {
  if (after >= before) return after - before;
  if (range && *range >= before) return (*range - before) + after;  // wrapped once at `range`
  return after;  // reset without a known range: count from zero
}

sensor_match sensors_for(const device_info& d, const power_inventory& power) {
  sensor_match m;
  std::string why;
  for (const auto& src : power.sources)
    if (!src.available) why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", src.name, src.reason);
  if (d.type == "cpu") {
    for (const auto& s : power.sensors)
      if (s.readable && s.source == "rapl" && s.covers.rfind("cpu package ", 0) == 0) m.sensors.push_back(s);
    if (m.sensors.empty())
      for (const auto& s : power.sensors)
        if (s.readable && s.source == "hwmon" && s.covers == "cpu" && s.kind == "energy") m.sensors.push_back(s);
    if (m.sensors.empty()) m.reason = fmt::format("no readable energy sensor covers the CPU ({})", why.empty() ? "none found" : why);
    return m;
  }
  if (d.pci_bus_id.empty()) {
    m.reason = fmt::format("{} reports no PCI bus id (no cl_khr_pci_bus_info / VK_EXT_pci_bus_info), so no sensor can be matched to it", d.id);
    return m;
  }
  // A GPU: its hwmon entry (an energy counter first, else a power input), else NVML, by PCI bus id.
  const std::string covers = "pci " + d.pci_bus_id;
  for (const char* source : {"hwmon", "nvml"}) {
    for (const char* kind : {"energy", "power"}) {
      for (const auto& s : power.sensors)
        if (s.readable && s.source == source && s.kind == kind && s.covers == covers) {
          m.sensors.push_back(s);
          return m;
        }
    }
  }
  m.reason = fmt::format("no readable sensor covers {} ({}){}", d.id, covers, why.empty() ? "" : "; " + why);
  return m;
}

namespace {

using clock_type = std::chrono::steady_clock;

// One counter or one power reading, whatever its source; values in joules or watts.
struct channel {
  power_sensor sensor;
  nvml_api::device nvml_device = nullptr;
  const nvml_api* nvml = nullptr;

  result<double> read() const {
    if (sensor.source == "nvml") {
      if (sensor.kind == "energy") {
        unsigned long long mj = 0;
        if (const int rc = nvml->total_energy_mj(nvml_device, &mj); rc != 0)
          return fail(status::failed, "nvmlDeviceGetTotalEnergyConsumption failed with NVML error {}", rc);
        return static_cast<double>(mj) * 1e-3;
      }
      unsigned mw = 0;
      if (const int rc = nvml->power_mw(nvml_device, &mw); rc != 0)
        return fail(status::failed, "nvmlDeviceGetPowerUsage failed with NVML error {}", rc);
      return mw * 1e-3;
    }
    auto v = sysfs_parse_u64(sensor.path);
    if (!v) return std::unexpected(v.error());
    return static_cast<double>(*v) * 1e-6;  // uJ or uW
  }
  result<std::uint64_t> raw() const {
    if (sensor.source == "nvml") {
      auto j = read();
      if (!j) return std::unexpected(j.error());
      return static_cast<std::uint64_t>(*j * 1e3 + 0.5);
    }
    return sysfs_parse_u64(sensor.path);
  }
  double raw_scale() const { return sensor.source == "nvml" ? 1e-3 : 1e-6; }
};

class meter final : public energy_meter {
 public:
  meter(std::vector<channel> channels, double period) : m_channels(std::move(channels)), m_period(period) {}
  ~meter() override { stop_sampler(); }

  std::string name() const override {
    std::string n;
    for (const auto& c : m_channels) n += (n.empty() ? "" : " + ") + c.sensor.id;
    return n;
  }

  result<void> start() override {
    m_before.clear();
    m_start = clock_type::now();
    for (const auto& c : m_channels) {
      if (c.sensor.kind != "energy") continue;
      auto v = c.raw();
      if (!v) return std::unexpected(v.error());
      m_before.push_back(*v);
    }
    if (sampled()) start_sampler();
    return {};
  }

  result<energy_reading> stop() override {
    const auto end = clock_type::now();
    stop_sampler();
    energy_reading r;
    r.seconds = std::chrono::duration<double>(end - m_start).count();
    std::size_t counter = 0;
    for (const auto& c : m_channels) {
      if (c.sensor.kind != "energy") continue;
      auto after = c.raw();
      if (!after) return std::unexpected(after.error());
      const std::uint64_t delta = counter_delta(m_before[counter++], *after, c.sensor.max_energy_range_uj);
      if (delta == 0 && r.seconds > 0.01)
        return fail(status::failed, "{} did not move in {:.0f} ms: the counter is not updating", c.sensor.id, r.seconds * 1e3);
      r.joules += static_cast<double>(delta) * c.raw_scale();
    }
    if (sampled()) {
      std::lock_guard g(m_lock);
      if (m_samples.size() < 2) return fail(status::failed, "fewer than two power samples in {:.1f} ms", r.seconds * 1e3);
      // Trapezoids up to the stop time; the last sample may come a little after it (clipped).
      for (std::size_t i = 1; i < m_samples.size(); ++i) {
        const auto [t0, w0] = m_samples[i - 1];
        auto [t1, w1] = m_samples[i];
        if (t0 >= r.seconds) break;
        if (t1 > r.seconds) {
          w1 = w0 + (w1 - w0) * (r.seconds - t0) / (t1 - t0);
          t1 = r.seconds;
        }
        r.joules += 0.5 * (w0 + w1) * (t1 - t0);
      }
      r.sample_hz = static_cast<double>(m_samples.size() - 1) / (m_samples.back().first - m_samples.front().first);
      if (!m_sample_error.empty()) return fail(status::failed, "{}", m_sample_error);
    }
    return r;
  }

 private:
  bool sampled() const {
    return std::ranges::any_of(m_channels, [](const channel& c) { return c.sensor.kind == "power"; });
  }
  void sample_once() {
    double watts = 0;
    for (const auto& c : m_channels) {
      if (c.sensor.kind != "power") continue;
      auto w = c.read();
      if (!w) {
        std::lock_guard g(m_lock);
        m_sample_error = w.error().message;
        return;
      }
      watts += *w;
    }
    std::lock_guard g(m_lock);
    m_samples.emplace_back(std::chrono::duration<double>(clock_type::now() - m_start).count(), watts);
  }
  void start_sampler() {
    m_samples.clear();
    m_sample_error.clear();
    m_running = true;
    sample_once();
    m_thread = std::thread([this] {
      while (m_running.load()) {
        std::this_thread::sleep_for(std::chrono::duration<double>(m_period));
        sample_once();
      }
    });
  }
  void stop_sampler() {
    if (!m_thread.joinable()) return;
    m_running = false;
    m_thread.join();
    sample_once();  // close the interval at the stop time
  }

  std::vector<channel> m_channels;
  double m_period;
  clock_type::time_point m_start;
  std::vector<std::uint64_t> m_before;
  std::thread m_thread;
  std::atomic<bool> m_running{false};
  std::mutex m_lock;
  std::vector<std::pair<double, double>> m_samples;  // (seconds since start, watts)
  std::string m_sample_error;
};

}  // namespace

result<std::unique_ptr<energy_meter>> energy_meter_open(const sensor_match& match, const energy_options& options) {
  if (match.sensors.empty()) return fail(status::unsupported, "{}", match.reason);
  std::vector<channel> channels;
  for (const auto& s : match.sensors) {
    channel c{s};
    if (s.source == "nvml") {
      const auto& api = nvml_api_load(options.nvml_library);
      if (!api) return std::unexpected(api.error());
      unsigned index = 0;
      std::sscanf(s.path.c_str(), "nvml device %u", &index);
      c.nvml = &*api;
      if (api->device_by_index(index, &c.nvml_device) != 0) return fail(status::failed, "NVML has no device {}", index);
    }
    if (auto v = c.read(); !v) return fail(status::unsupported, "{} is not readable: {}", s.id, v.error().message);
    channels.push_back(std::move(c));
  }
  return std::make_unique<meter>(std::move(channels), options.sample_period_s);
}

}  // namespace xpu
