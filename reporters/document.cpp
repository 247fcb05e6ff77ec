#include "reporters/document.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "reporters/text_table.hpp"

namespace xpu {

doc_block heading(int level, std::string text) { return {doc_block::kind::heading, level, std::move(text), {}, {}, {}}; }
doc_block paragraph(std::string text) { return {doc_block::kind::paragraph, 0, std::move(text), {}, {}, {}}; }
doc_block table_block(doc_table t) { return {doc_block::kind::table, 0, {}, {}, std::move(t), {}}; }
doc_block notes_block(std::vector<std::string> items) { return {doc_block::kind::notes, 0, {}, {}, {}, std::move(items)}; }
doc_block figure(std::string svg, std::string caption) { return {doc_block::kind::figure, 0, std::move(caption), std::move(svg), {}, {}}; }
doc_block folded(std::string summary, std::string text) { return {doc_block::kind::preformatted, 0, std::move(text), std::move(summary), {}, {}}; }

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += fmt::format("&#x{:x};", static_cast<unsigned char>(c) + 0x2400);
        else if (c == 0x7f) out += "&#x2421;";  // DEL's picture
        else out += c;  // controls shown as their Unicode pictures: a driver string cannot break the page
    }
  return out;
}

namespace {

constexpr const char* page_css = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:90em;padding:0 1em;color:#1b1f24;background:#fff}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}h3{font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}
th,td{border:1px solid #d0d7de;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0;cursor:pointer;user-select:none}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.best{background:#dafbe1;font-weight:600}td.bad{background:#fff1e5;color:#953800}td.dim{color:#8c959f}
tr:hover td{background-color:#f6f8fa}
.scroll{overflow-x:auto}
figure{margin:1em 0;display:inline-block;vertical-align:top}figcaption{font-size:12px;color:#57606a;max-width:46em}
svg.chart{background:#fff;border:1px solid #d0d7de}
svg .pt{stroke:#fff;stroke-width:.8}svg .pt:hover{stroke:#000;stroke-width:2}
svg .axis{stroke:#57606a}svg .grid{stroke:#eaeef2}svg text{font-size:11px;fill:#1b1f24}
details pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:12px}
ul.notes{font-size:13px}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}th{background:#161b22}th,td{border-color:#30363d}
td.best{background:#033a16}td.bad{background:#3d1d00;color:#ffa657}tr:hover td{background-color:#161b22}
svg.chart{background:#fff}details pre{background:#161b22}}
)";

// Sortable tables (click a header), and the page's check of itself: each plot holds as many
// points as it says, each inside its axes as laid out by the browser; each table its rows.
constexpr const char* page_script = R"(
(function(){
  function key(td){var v=td.getAttribute('data-v');return v!==null&&v!==''?parseFloat(v):td.textContent.trim().toLowerCase();}
  document.querySelectorAll('table.sortable th').forEach(function(th){
    var col=th.cellIndex;
    th.addEventListener('click',function(){
      var body=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(body.rows),down=th.getAttribute('data-dir')!=='down';
      th.setAttribute('data-dir',down?'down':'up');
      rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);
        if(typeof x!==typeof y)return typeof x==='number'?-1:1;return (x<y?-1:x>y?1:0)*(down?-1:1);});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  var problems=[],plots=0,points=0,tables=0;
  document.querySelectorAll('svg.chart').forEach(function(svg){
    plots++;
    var want=parseInt(svg.getAttribute('data-points'),10),got=svg.querySelectorAll('circle.pt'),box=svg.querySelector('rect.plot').getBoundingClientRect();
    if(got.length!==want)problems.push(svg.id+': '+got.length+' points drawn, '+want+' expected');
    got.forEach(function(c){
      var b=c.getBoundingClientRect(),x=b.left+b.width/2,y=b.top+b.height/2;points++;
      if(!(b.width>0&&x>=box.left-1&&x<=box.right+1&&y>=box.top-1&&y<=box.bottom+1))problems.push(svg.id+': point '+c.getAttribute('data-name')+' outside the axes');
    });
  });
  document.querySelectorAll('table[data-rows]').forEach(function(t){
    tables++;
    if(t.tBodies[0].rows.length!==parseInt(t.getAttribute('data-rows'),10))problems.push(t.id+': wrong row count');
    // Sorting: a click on the last column holding numbers orders it from the largest down.
    var rows=t.tBodies[0].rows,col=-1;
    for(var c=rows.length?rows[0].cells.length-1:-1;c>=0&&col<0;c--)
      for(var r=0;r<rows.length;r++)if(rows[r].cells[c].getAttribute('data-v')){col=c;break;}
    if(col<0)return;
    var original=Array.prototype.slice.call(rows),th=t.tHead.rows[0].cells[col];
    th.click();
    var last=Infinity;
    for(var r=0;r<rows.length;r++){var v=rows[r].cells[col].getAttribute('data-v');if(!v)continue;v=parseFloat(v);
      if(v>last)problems.push(t.id+': column '+col+' not sorted by a click');last=v;}
    original.forEach(function(row){t.tBodies[0].appendChild(row);});  // the reader gets the report's own order
    th.removeAttribute('data-dir');
  });
  problems.forEach(function(p){console.error('xpubench report self-check: '+p);});
  document.documentElement.setAttribute('data-selfcheck',problems.length?'failed':'ok plots='+plots+' points='+points+' tables='+tables);
})();
)";

// The fastest cell of a row: class "best" among the cell's classes.
bool marked_best(const doc_cell& c) {
  return !c.text.empty() && (" " + c.css + " ").find(" best ") != std::string::npos;
}

void html_table(std::string& out, const doc_table& t) {
  out += fmt::format("<div class=\"scroll\"><table class=\"sortable\" id=\"{}\" data-rows=\"{}\"><thead><tr>", html_escape(t.id), t.rows.size());
  for (const auto& h : t.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const doc_cell& c : row) {
      out += "<td";
      if (!c.css.empty()) out += " class=\"" + html_escape(c.css) + "\"";
      if (!c.title.empty()) out += " title=\"" + html_escape(c.title) + "\"";
      if (!c.sort_value.empty()) out += " data-v=\"" + html_escape(c.sort_value) + "\"";
      if (!c.name.empty()) out += " data-name=\"" + html_escape(c.name) + "\"";
      out += ">" + html_escape(c.text) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

}  // namespace

std::string md_escape(std::string_view s) {
  std::string out;
  // What would open a block at the start of a line, after any indentation (a list marker: "-", "+"
  // or "12." then a space or nothing; a thematic break or setext underline: "--", "==", "++"):
  // escaped there. "-5%" and "1.00 T" open nothing and stay as they are. A control character
  // becomes a space below: it indents and ends a marker too.
  const auto blank = [&](std::size_t at) {
    const auto u = static_cast<unsigned char>(s[at]);
    return u == ' ' || u < 0x20 || u == 0x7f;
  };
  const auto marker_end = [&](std::size_t at) { return at + 1 >= s.size() || blank(at + 1); };
  std::size_t start = 0;
  while (start < s.size() && blank(start)) ++start;
  const std::size_t digits = s.find_first_not_of("0123456789", start);
  const bool numbered = digits > start && digits != std::string_view::npos && (s[digits] == '.' || s[digits] == ')') && marker_end(digits);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (blank(i) && c != ' ') {  // line breaks, tabs, escape sequences: one space
      out += ' ';
      continue;
    }
    // Inline syntax anywhere (emphasis, code, links and images, HTML, tables, strikethrough,
    // headings, quotes, entities); block syntax at the start.
    const bool inline_syntax = std::string_view("\\`*_[]<>|~#!&").find(c) != std::string_view::npos;
    const bool block_start = i == start && (c == '-' || c == '+' || c == '=') && (marker_end(i) || s[i + 1] == c);
    if (inline_syntax || block_start || (numbered && i == digits)) out += '\\';
    out += c;
  }
  return out;
}

std::string md_code(std::string_view s) {
  std::string text;
  std::size_t run = 0, longest = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '|') text += '\\';  // GFM splits table cells at | even inside code
    text += c;
  }
  // A fence longer than any run of backticks inside; spaces keep a leading or trailing backtick apart.
  const std::string fence(longest + 1, '`');
  // (An empty text is padded too: "``" would be two backticks, not a span.)
  const bool pad = text.empty() || text.front() == '`' || text.back() == '`' || text.front() == ' ';
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string md_fenced(std::string_view text) {
  std::size_t run = 0, longest = 0;
  for (char c : text) {
    run = c == '~' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(4, longest + 1), '~');  // no line inside can close it
  return fence + "\n" + std::string(text) + "\n" + fence + "\n";
}

std::string render_html(const document& doc, const std::string& title) {
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>{}</title>\n<style>{}</style></head>\n<body>\n",
                                html_escape(title), page_css);
  for (const doc_block& b : doc) switch (b.type) {
      case doc_block::kind::heading: out += fmt::format("<h{0}>{1}</h{0}>\n", std::clamp(b.level, 1, 4), html_escape(b.text)); break;
      case doc_block::kind::paragraph: out += "<p>" + html_escape(b.text) + "</p>\n"; break;
      case doc_block::kind::table: html_table(out, b.table); break;
      case doc_block::kind::figure: out += "<figure>" + b.html + "<figcaption>" + html_escape(b.text) + "</figcaption></figure>\n"; break;
      case doc_block::kind::preformatted:
        out += "<details><summary>" + html_escape(b.html) + "</summary><pre>" + html_escape(b.text) + "</pre></details>\n";
        break;
      case doc_block::kind::notes:
        out += "<ul class=\"notes\">";
        for (const auto& item : b.items) out += "<li>" + html_escape(item) + "</li>";
        out += "</ul>\n";
        break;
    }
  return out + "<script>" + page_script + "</script>\n</body></html>\n";
}

std::string render_markdown(const document& doc) {
  std::string out;
  for (const doc_block& b : doc) switch (b.type) {
      case doc_block::kind::heading: out += std::string(static_cast<std::size_t>(std::clamp(b.level, 1, 4)), '#') + " " + md_escape(b.text) + "\n\n"; break;
      case doc_block::kind::paragraph: out += md_escape(b.text) + "\n\n"; break;
      case doc_block::kind::table: {
        const doc_table& t = b.table;
        out += "|";
        for (const auto& h : t.header) out += " " + md_escape(h) + " |";
        out += "\n|";
        for (std::size_t i = 0; i < t.header.size(); ++i) out += " --- |";
        out += "\n";
        for (const auto& row : t.rows) {
          out += "|";
          for (const doc_cell& c : row) out += " " + (marked_best(c) ? "**" + md_escape(c.text) + "**" : md_escape(c.text)) + " |";
          out += "\n";
        }
        out += "\n";
        break;
      }
      case doc_block::kind::figure: out += "*" + md_escape(b.text) + " (the plot is in the HTML report)*\n\n"; break;
      case doc_block::kind::preformatted: out += "<details><summary>" + html_escape(b.html) + "</summary>\n\n" + md_fenced(b.text) + "</details>\n\n"; break;
      case doc_block::kind::notes:
        for (const auto& item : b.items) out += "- " + md_escape(item) + "\n";
        out += "\n";
        break;
    }
  return out;
}

std::string render_text(const document& doc, std::size_t width) {
  std::string out;
  for (const doc_block& b : doc) switch (b.type) {
      case doc_block::kind::heading: out += (b.level <= 2 ? "\n" : "") + b.text + "\n" + (b.level <= 2 ? std::string(display_width(b.text), '=') + "\n" : ""); break;
      case doc_block::kind::paragraph: out += wrap_text(b.text, width, ""); break;
      case doc_block::kind::table: {
        text_table t(b.table.header);
        for (const auto& row : b.table.rows) {
          std::vector<std::string> cells;
          for (const doc_cell& c : row) cells.push_back(marked_best(c) ? c.text + " *" : c.text);
          t.add_row(std::move(cells));
        }
        out += t.render();
        break;
      }
      case doc_block::kind::figure: break;  // the figures' data is in the tables beside them
      case doc_block::kind::preformatted: break;  // the probe report: `xpubench probe` prints it
      case doc_block::kind::notes:
        for (const auto& item : b.items) out += wrap_text(item, width, "  ");
        break;
    }
  return out;
}

}  // namespace xpu
