#include "kernels/opencl/tuning.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/files.hpp"

namespace xpu {

std::string gemm_params::defines() const {
  return fmt::format("-DWG_M={} -DWG_N={} -DRM={} -DRN={} -DTK={}{}{}{}", wg_m, wg_n, rm, rn, tk, direct ? " -DDIRECT" : "",
                     vec ? fmt::format(" -DVEC={}", vec) : "", dot4 ? " -DDOT4" : "");
}

std::string gemm_params::describe() const {
  if (dot4)
    return fmt::format("direct, packed 4 x int8 dot products (B repacked to [K/4][N] x 4), {}x{} per work-group, {}x{} per work-item",
                       wg_m * rm, wg_n * rn, rm, rn);
  if (vec) return fmt::format("direct (no local memory), {} rows x float{} per work-item, {}x{} work-items", rm, vec, wg_m, wg_n);
  if (direct) return fmt::format("direct (no local memory) {}x{} per work-group, {}x{} per work-item", wg_m * rm, wg_n * rn, rm, rn);
  return fmt::format("tile {}x{}x{}, {}x{} per work-item", wg_m * rm, wg_n * rn, tk, rm, rn);
}

std::vector<gemm_params> gemm_candidates(bool cpu_device, bool int8_dot) {
  std::vector<gemm_params> c{{8, 8, 4, 4, 16}, {8, 8, 2, 2, 16}, {16, 16, 2, 2, 16}, {4, 4, 8, 8, 16}, {8, 8, 4, 4, 32}, {4, 16, 8, 2, 16},
                             {8, 8, 8, 8, 16}, {4, 8, 8, 8, 32}, {2, 16, 16, 4, 16}};
  if (cpu_device)
    for (gemm_params d : std::initializer_list<gemm_params>{{1, 16, 8, 1, 1}, {1, 16, 16, 1, 1}, {1, 16, 8, 2, 1}, {1, 32, 8, 1, 1},
                                                            {2, 16, 8, 1, 1}, {1, 8, 8, 2, 1}})
      d.direct = true, c.push_back(d);
  if (cpu_device)
    for (gemm_params d : std::initializer_list<gemm_params>{{1, 16, 8, 16, 1}, {1, 16, 4, 16, 1}, {1, 8, 12, 16, 1}, {1, 16, 8, 8, 1},
                                                            {2, 8, 6, 16, 1}, {1, 4, 16, 16, 1}})
      d.direct = true, d.vec = d.rn, c.push_back(d);
  if (int8_dot)
    for (gemm_params d : std::initializer_list<gemm_params>{{8, 8, 4, 4, 4}, {16, 16, 2, 2, 4}, {8, 16, 4, 2, 4}, {16, 8, 2, 4, 4}})
      d.direct = true, d.dot4 = true, c.push_back(d);
  return c;
}

std::uint64_t text_hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

namespace {

constexpr const char* file_name = "opencl-gemm-tuning.json";

nlohmann::json read_cache(const std::filesystem::path& dir) {
  std::ifstream in(dir / file_name);
  if (!in) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(in);
    return j.is_object() ? j : nlohmann::json::object();
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();  // a damaged cache is only a cache: tune again
  }
}

}  // namespace

std::optional<gemm_params> tuning_lookup(const std::filesystem::path& dir, const tuning_key& key, const std::vector<gemm_params>& allowed) {
  const nlohmann::json cache = read_cache(dir);
  if (!cache.contains(key.text())) return std::nullopt;
  const auto& e = cache[key.text()];
  try {
    // Small integers only (a float or a huge number is not a tile size; nlohmann would cast it).
    const auto small = [&](const char* name, int fallback, bool required) {
      if (!e.contains(name)) return required ? -1 : fallback;
      const auto& v = e.at(name);
      return v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= 1024 ? static_cast<int>(v.get<std::int64_t>()) : -1;
    };
    const gemm_params p{small("wg_m", 0, true), small("wg_n", 0, true), small("rm", 0, true), small("rn", 0, true), small("tk", 0, true),
                        e.value("direct", false), small("vec", 0, false), e.value("dot4", false)};
    if (std::ranges::find(allowed, p) == allowed.end()) return std::nullopt;  // not a shape the tuner times: not ours
    return p;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

result<void> tuning_store(const std::filesystem::path& dir, const tuning_key& key, const gemm_params& p, double ops_per_s) {
  nlohmann::json cache = read_cache(dir);
  for (auto it = cache.begin(); it != cache.end();) {
    const auto& e = it.value();
    if (e.is_object() && e.value("device", "") == key.device && e.value("precision", "") == key.precision &&
        (e.value("driver_version", "") != key.driver_version || e.value("kernels", "") != key.kernels))
      it = cache.erase(it);
    else
      ++it;
  }
  cache[key.text()] = {{"device", key.device}, {"driver_version", key.driver_version}, {"precision", key.precision}, {"kernels", key.kernels},
                       {"wg_m", p.wg_m}, {"wg_n", p.wg_n}, {"rm", p.rm}, {"rn", p.rn}, {"tk", p.tk}, {"direct", p.direct}, {"vec", p.vec}, {"dot4", p.dot4},
                       {"ops_per_s", ops_per_s}};
  if (auto ok = private_folder(dir, "tuning cache"); !ok) return ok;
  return replace_file(dir / file_name, cache.dump(1) + "\n", (dir / file_name).string(), 0600);
}

}  // namespace xpu
