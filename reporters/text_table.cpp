#include "reporters/text_table.hpp"

#include <algorithm>

namespace xpu {

std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::ranges::count_if(s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent) {
  std::string out, line = indent;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (line.size() > indent.size() && width > 0 && display_width(line) + 1 + display_width(word) > width) {
      out += line + "\n";
      line = indent + "  ";
    } else if (line.size() > indent.size()) {
      line += ' ';
    }
    line += word;
    start = end + 1;
  }
  return out + line + "\n";
}

std::vector<std::string> text_table::fit(std::size_t width, const std::vector<std::size_t>& drop_order, std::size_t indent) {
  std::vector<std::size_t> widths(m_header.size(), 0);
  for (std::size_t i = 0; i < m_header.size(); ++i) {
    widths[i] = display_width(m_header[i]);
    for (const auto& r : m_rows)
      if (i < r.size()) widths[i] = std::max(widths[i], display_width(r[i]));
  }
  std::vector<bool> keep(m_header.size(), true);
  const auto line = [&] {
    std::size_t total = indent, kept = 0;
    for (std::size_t i = 0; i < widths.size(); ++i)
      if (keep[i]) total += widths[i], ++kept;
    return total + (kept ? 2 * (kept - 1) : 0);
  };
  std::vector<std::string> dropped;
  for (std::size_t column : drop_order) {
    if (width == 0 || line() <= width) break;
    if (column < keep.size() && keep[column]) keep[column] = false, dropped.push_back(m_header[column]);
  }
  if (dropped.empty()) return dropped;
  const auto filter = [&](std::vector<std::string>& row) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < row.size(); ++i)
      if (i >= keep.size() || keep[i]) out.push_back(std::move(row[i]));
    row = std::move(out);
  };
  filter(m_header);
  for (auto& r : m_rows) filter(r);
  return dropped;
}

std::string text_table::render(const std::string& indent) const {
  std::vector<std::size_t> width(m_header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  };
  measure(m_header);
  for (const auto& r : m_rows) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line = indent;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < width.size()) line += std::string(width[i] - display_width(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  };
  emit(m_header);
  for (const auto& r : m_rows) emit(r);
  return out;
}

}  // namespace xpu
