#include "bench/table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace hearsay::bench {

namespace {

// Characters, not bytes: "↑" and "²" are one column wide on a terminal but several bytes long.
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  std::string s = text;
  // A mean a hair below zero prints "-0.000", which reads as a sign that is not there.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string aligned_text(const Table& table) {
  std::vector<size_t> widths(table.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], display_width(cells[c]));
  };
  measure(table.header);
  for (const auto& row : table.rows) measure(row);
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(widths[c] - display_width(cells[c]), ' ');
      out << (c == 0 ? cells[c] + pad : "  " + pad + cells[c]);
    }
    out << "\n";
  };
  line(table.header);
  for (const auto& row : table.rows) line(row);
  for (const auto& note : table.notes) out << note << "\n";
  return out.str();
}

std::string markdown_cell(const std::string& text) {
  std::string cell;
  for (const char c : one_line(text)) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

std::string markdown_text(const Table& table) {
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    out << "|";
    for (const std::string& cell : cells) out << " " << markdown_cell(cell) << " |";
    out << "\n";
  };
  line(table.header);
  out << "|---|";
  for (size_t c = 1; c < table.header.size(); ++c) out << "---:|";
  out << "\n";
  for (const auto& row : table.rows) line(row);
  if (!table.notes.empty()) {
    out << "\n";
    for (size_t i = 0; i < table.notes.size(); ++i) out << (i ? " " : "") << markdown_cell(table.notes[i]);
    out << "\n";
  }
  return out.str();
}

}  // namespace hearsay::bench
