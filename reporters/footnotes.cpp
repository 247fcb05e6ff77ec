#include "reporters/footnotes.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xpu {

std::string footnotes::marker(const std::string& text) {
  auto it = std::ranges::find(m_items, text);
  if (it == m_items.end()) it = m_items.insert(m_items.end(), text);
  return fmt::format("[{}]", it - m_items.begin() + 1);
}

std::vector<std::string> footnotes::listed() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m_items.size(); ++i) out.push_back(fmt::format("[{}] {}", i + 1, m_items[i]));
  return out;
}

std::string peak_basis_note(const std::string& basis) {
  if (basis.starts_with("cores x clock x ops/cycle"))
    return "CPU: cores x the clock measured right before the benchmark x the probe's ops/cycle estimate (the run's JSON has each row's figures)";
  return basis;
}

}  // namespace xpu
