// A table of text cells rendered two ways, aligned for a console or as Markdown, so that the console
// summary and summary.md, which show the same tables, cannot disagree.
#pragma once

#include <string>
#include <vector>

namespace hearsay::bench {

struct Table {
  std::string title;  ///< "planted, stems"
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// Lines printed under the table (what the columns mean); empty for none.
  std::vector<std::string> notes;
};

/// Columns padded to their widest cell, the first left-aligned (names), the others right-aligned,
/// then the notes, one per line. Widths count UTF-8 characters, not bytes.
std::string aligned_text(const Table& table);
/// A GitHub-flavoured Markdown table (the first column left-aligned, the others right-aligned), then
/// the notes as a paragraph.
std::string markdown_text(const Table& table);
/// `text` on one line, '|' escaped: a Markdown table cell.
std::string markdown_cell(const std::string& text);
/// `v` with `decimals` decimals; a value that rounds to zero has no minus sign.
std::string fixed(double v, int decimals);
/// `text` with line breaks replaced by spaces.
std::string one_line(std::string text);

}  // namespace hearsay::bench
