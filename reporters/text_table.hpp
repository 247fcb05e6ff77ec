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
  // Drops columns, in `drop_order` (indices into the header), until a line fits `width` columns
  // (0: any width); returns the headers it dropped.
  std::vector<std::string> fit(std::size_t width, const std::vector<std::size_t>& drop_order, std::size_t indent = 2);

 private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// "a, b, c and 4 more": the first `shown` names of a list.
std::string list_text(const std::vector<std::string>& names, std::size_t shown);

// Greedy word wrap at `width` columns (0: no limit): each line starts with `indent`, continuation
// lines with two more spaces; every line ends with a newline.
std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent);

// Display width of UTF-8 text (code points; the report uses no wide characters).
std::size_t display_width(const std::string& s);

}  // namespace xpu
