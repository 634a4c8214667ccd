// Command-line flags generated from an options struct's visit(): each field `some_name` becomes
// `--some-name VALUE`, documented with the field's description, and the values given are read back
// through read_options, so flags are validated (and misnamed keys refused) exactly like JSON options.
#pragma once

#include <cctype>
#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/options.h"

namespace hearsay::cli {

/// The flags given on the command line, by option name.
using FlagValues = std::map<std::string, std::string>;

/// Adds one flag per field of O to `cmd`; values land in `values` (by field name) when given.
template <class O>
void add_option_flags(CLI::App& cmd, const std::shared_ptr<FlagValues>& values) {
  for (const OptionDoc& doc : describe_options<O>()) {
    std::string flag = doc.name;
    for (auto& ch : flag)
      if (ch == '_') ch = '-';
    std::string type = doc.type.substr(0, doc.type.find(' '));
    for (auto& ch : type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    cmd.add_option_function<std::string>(
           "--" + flag, [values, name = doc.name](const std::string& v) { (*values)[name] = v; },
           doc.description + (doc.allowed.empty() ? "" : "; " + doc.allowed))
        ->type_name(type);
  }
}

/// The flags as a JSON object: a value that parses as JSON (a number, true, [..]) is taken as such,
/// anything else as a string.
nlohmann::json flags_to_json(const FlagValues& values);

/// Reads a JSON object given inline ('{"n_mels": 64}') or as a path to a .json file; `what` names it
/// in messages. An empty text gives an empty object.
nlohmann::json json_argument(const std::string& text, const std::string& what);

/// --samples: a positive number of perturbations or "auto" (sample until the top-k set is stable,
/// methods/auto_samples.h), as the JSON value of num_samples; null when not given (empty text, or "0"
/// where `zero_means_default`).
nlohmann::json samples_argument(const std::string& text, bool zero_means_default);

}  // namespace hearsay::cli
