#include "ops/qgemm/common.hpp"

#include <cstring>

#include "ops/qgemm/blocks.hpp"
#include "ops/shared.hpp"
#include "ops/suite_reader.hpp"

namespace xpu::quant {

host_buffer activations(precision p, std::int64_t m, std::int64_t k, std::mt19937_64& rng) {
  if (p == precision::int8) {
    host_buffer x(element_type::u8, static_cast<std::size_t>(m) * quant_row_bytes(k, quant_format::q8_0));
    fill_blocks(x, quant_format::q8_0, rng);
    return x;
  }
  host_buffer x(element_type::f32, static_cast<std::size_t>(m * k));
  ops::fill(x, rng);
  return x;
}

double activation_bytes(precision p, std::int64_t m, std::int64_t k) {
  return p == precision::int8 ? quant_matrix_bytes(m, k, quant_format::q8_0) : 4.0 * static_cast<double>(m) * static_cast<double>(k);
}

host_buffer weights(quant_format f, std::int64_t n, std::int64_t k, std::int64_t copies, std::mt19937_64& rng) {
  const std::size_t copy_bytes = static_cast<std::size_t>(n) * quant_row_bytes(k, f);
  host_buffer w(element_type::u8, static_cast<std::size_t>(copies) * copy_bytes);
  host_buffer first(element_type::u8, copy_bytes);
  fill_blocks(first, f, rng);
  std::memcpy(w.bytes.data(), first.bytes.data(), copy_bytes);
  fill_copies(w, copy_bytes, static_cast<std::size_t>(copies), f);
  return w;
}

tolerance product_tolerance(precision p, std::int64_t k) {
  return ops::float_tolerance(static_cast<double>(p == precision::int8 ? k / block_weights : k));
}

result<std::vector<quant_format>> formats(const section_context& c, std::vector<quant_format> fallback) {
  const toml::node* n = c.table.get("formats");
  if (!n) return fallback;
  auto names = c.r.strings(*n, "formats");
  if (!names) return std::unexpected(names.error());
  std::vector<quant_format> out;
  for (const auto& name : *names) {
    const auto f = quant_format_parse(name);
    if (!f) return c.r.error_at(*n, "unknown weight format '{}' (expected q8_0 or q4_0)", name);
    out.push_back(*f);
  }
  return out;
}

}  // namespace xpu::quant
