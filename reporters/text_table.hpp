#pragma once
// An aligned plain-text table: every console report is built from these.
#include <string>
#include <vector>

namespace xpu {

class text_table {
 public:
  explicit text_table(std::vector<std::string> header) : m_header(std::move(header)) {}
  void add_row(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  bool empty() const { return m_rows.empty(); }
  // Columns padded to their widest cell, two spaces apart, each line prefixed by indent.
  std::string render(const std::string& indent = "  ") const;

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// Display width of UTF-8 text (code points; the report uses no wide characters).
std::size_t display_width(const std::string& s);

}  // namespace xpu
