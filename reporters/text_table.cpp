#include "reporters/text_table.hpp"

#include <algorithm>

namespace xpu {

std::size_t display_width(const std::string& s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033' && i + 1 < s.size() && s[i + 1] == '[') {  // a colour sequence takes no room
      std::size_t j = i + 2;
      while (j < s.size() && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';')) ++j;
      if (j < s.size() && s[j] == 'm') {
        i = j;
        continue;
      }
    }
    width += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  }
  return width;
}

std::string list_text(const std::vector<std::string>& names, std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent) {
  std::string out;
  std::size_t from = 0;
  do {  // each line of the text (a reason may hold a build log) wrapped on its own
    std::size_t to = text.find('\n', from);
    if (to == std::string::npos) to = text.size();
    std::string line = indent;
    bool empty = true;  // nothing but the indent yet
    for (std::size_t start = from; start < to;) {
      std::size_t end = std::min(text.find(' ', start), to);
      const std::string word = text.substr(start, end - start);
      start = end + 1;
      if (word.empty()) continue;  // runs of spaces
      if (!empty && width > 0 && display_width(line) + 1 + display_width(word) > width) {
        out += line + "\n";
        line = indent + "  ";
      } else if (!empty) {
        line += ' ';
      }
      line += word;
      empty = false;
    }
    out += line + "\n";
    from = to + 1;
  } while (from < text.size());
  return out;
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
