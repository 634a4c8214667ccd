#include "cli/option_flags.h"

#include <filesystem>

#include "core/error.h"
#include "core/file_io.h"

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
  std::error_code ec;
  const bool inline_json =
      text.front() == '{' || text.front() == '[' || text.front() == '"' || !std::filesystem::exists(text, ec);
  nlohmann::json parsed;
  if (inline_json) {
    parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      HEARSAY_CHECK_AS(ConfigError, text.front() != '{', what, ": '", text, "' is not valid JSON");
      throw IoError(message(what, ": cannot read '", text, "' (give a JSON object or a .json file)"));
    }
  } else {
    try {
      parsed = read_json_file(text);
    } catch (const IoError& e) {
      throw IoError(message(what, ": ", e.what()));
    }
  }
  HEARSAY_CHECK_AS(ConfigError, parsed.is_object(), what, ": ", parsed.dump(), " is not a JSON object (write {",
                   "\"name\": value, ...})");
  return parsed;
}

nlohmann::json samples_argument(const std::string& text, bool zero_means_default) {
  if (text.empty() || (zero_means_default && text == "0")) return nullptr;
  if (text == "auto") return "auto";
  int value = 0;
  size_t used = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  HEARSAY_CHECK_AS(ConfigError, used == text.size() && value > 0, "--samples: '", text,
                   "' is neither a positive number of perturbations nor \"auto\" (sample until the top-k components "
                   "are stable)");
  return value;
}

}  // namespace hearsay::cli
