#include "cli/option_flags.h"

#include <fstream>

#include "core/error.h"

namespace hearsay::cli {

nlohmann::json flags_to_json(const FlagValues& values) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, text] : values) {
    const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    out[name] = parsed.is_discarded() ? nlohmann::json(text) : parsed;
  }
  return out;
}

nlohmann::json json_argument(const std::string& text, const std::string& what) {
  if (text.empty()) return nlohmann::json::object();
  if (text.front() == '{') {
    const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    HEARSAY_CHECK_AS(ConfigError, parsed.is_object(), what, ": '", text, "' is not a JSON object");
    return parsed;
  }
  std::ifstream in(text);
  HEARSAY_CHECK_AS(IoError, in, what, ": cannot read '", text, "' (give a JSON object or a .json file)");
  const auto parsed = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  HEARSAY_CHECK_AS(ConfigError, parsed.is_object(), what, ": '", text, "' does not hold a JSON object");
  return parsed;
}

}  // namespace hearsay::cli
