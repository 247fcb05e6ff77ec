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
// Text a user did not write (benchmark, device, host, model names), made inert in Markdown: the
// inline syntax that could make a link, an image, HTML, emphasis, a table cell or a heading is
// backslash-escaped, a list marker at the start too, control characters become spaces.
std::string md_escape(std::string_view s);
// The same as a code span: fenced by more backticks than any run inside, `|` escaped for tables.
std::string md_code(std::string_view s);
// A fenced block (~~~~) whose fence is longer than any run of ~ inside, so no line can close it.
std::string md_fenced(std::string_view text);

// `title`: the page's title. The HTML page checks itself when it loads (every plot has its
// points inside its axes, every table its rows) and records the outcome on <html data-selfcheck>.
std::string render_html(const document& doc, const std::string& title);
std::string render_markdown(const document& doc);
// Plain text for a terminal `width` columns wide (tables keep their width; paragraphs wrap).
std::string render_text(const document& doc, std::size_t width);

}  // namespace xpu
