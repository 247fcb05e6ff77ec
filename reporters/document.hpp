#pragma once
// A report as blocks (headings, paragraphs, tables, figures) rendered three ways: a
// self-contained HTML page (no network: inline CSS, SVG and script, works from file://),
// GitHub-flavoured Markdown and plain text. What a report says is built once; each renderer only
// decides how it looks. Figures (SVG) appear in HTML only; the other formats print their caption.
#include <string>
#include <vector>

namespace xpu {

struct doc_cell {
  std::string text;
  std::string title;       // hover text (HTML)
  std::string css;         // class (HTML): "best", "bad", "dim", "num"
  std::string sort_value;  // a number to sort by (HTML), written exactly as the run holds it
  std::string name;        // the measurement the cell shows (HTML data-name: tests find the numbers by it)
};

struct doc_table {
  std::string id;          // HTML id, unique in the document
  std::vector<std::string> header;
  std::vector<std::vector<doc_cell>> rows;
};

struct doc_block {
  enum class kind { heading, paragraph, table, figure, preformatted, notes } type = kind::paragraph;
  int level = 2;                    // headings: 1..4
  std::string text;                 // heading, paragraph, figure caption, preformatted text
  std::string html;                 // a figure's SVG; preformatted: shown folded in HTML under `text`'s first line
  doc_table table;
  std::vector<std::string> items;   // notes: a list; a leading "[n] " is a footnote marker
};

using document = std::vector<doc_block>;

// Builders, so report code reads as what it says.
doc_block heading(int level, std::string text);
doc_block paragraph(std::string text);
doc_block table_block(doc_table t);
doc_block notes_block(std::vector<std::string> items);
doc_block figure(std::string svg, std::string caption);
doc_block folded(std::string summary, std::string text);

std::string html_escape(std::string_view s);

// `title`: the page's title. The HTML page checks itself when it loads (every plot has its
// points inside its axes, every table its rows) and records the outcome on <html data-selfcheck>.
std::string render_html(const document& doc, const std::string& title);
std::string render_markdown(const document& doc);
// Plain text for a terminal `width` columns wide (tables keep their width; paragraphs wrap).
std::string render_text(const document& doc, std::size_t width);

}  // namespace xpu
