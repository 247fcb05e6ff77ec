#pragma once
// Footnotes: a marker ("[2]") per distinct text, listed once under the table that uses them.
#include <string>
#include <vector>

namespace xpu {

class footnotes {
 public:
  // The marker of `text`, numbered in the order first asked for.
  std::string marker(const std::string& text);
  bool empty() const { return m_items.empty(); }
  // "[1] text", one per note.
  std::vector<std::string> listed() const;

 private:
  std::vector<std::string> m_items;
};

// What a row's % of peak is against, as one note for the rows that share it: the CPU's clock is
// re-measured before each benchmark, so its rows' bases differ only in that figure and share one.
std::string peak_basis_note(const std::string& basis);

}  // namespace xpu
