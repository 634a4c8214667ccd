#include "core/options.h"

#include <cstdio>

namespace hearsay {

namespace {
std::string number_text(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}
}  // namespace

std::string Range::describe() const {
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  if (has_min && has_max)
    return message("in ", min_open ? "(" : "[", number_text(min), ", ", number_text(max), max_open ? ")" : "]");
  if (has_min) return message(min_open ? "> " : ">= ", number_text(min));
  if (has_max) return message(max_open ? "< " : "<= ", number_text(max));
  return "a number";
}

namespace detail {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

std::string json_preview(const nlohmann::json& j) {
  std::string text = j.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace detail
}  // namespace hearsay
