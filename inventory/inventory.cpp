// The inventory model's lookups: plain data, linked by results/ and reporters/ without the probing code.
#include "inventory/inventory.hpp"

#include <algorithm>

namespace xpu {

const device_info* inventory::find_device(std::string_view id) const {
  auto it = std::ranges::find(devices, id, &device_info::id);
  return it == devices.end() ? nullptr : &*it;
}

const precision_support* device_info::support_for(precision p) const {
  auto it = std::ranges::find(precisions, p, &precision_support::type);
  return it == precisions.end() ? nullptr : &*it;
}

std::string_view device_info::fact(std::string_view key) const {
  auto it = std::ranges::find(facts, key, &device_fact::name);
  return it == facts.end() ? std::string_view{} : std::string_view(it->value);
}

bool cpu_isa::has(std::string_view name) const {
  return std::ranges::any_of(features, [&](const isa_feature& f) { return f.name == name && f.present; });
}

std::vector<std::string> cpu_isa::present() const {
  std::vector<std::string> out;
  for (const auto& f : features)
    if (f.present) out.push_back(f.name);
  return out;
}

}  // namespace xpu
