// Options structs declared once, read from JSON, written back and documented from the same
// declaration (Essentia's "name, description, range, default" per parameter).
//
// An options struct lists its fields in a visit() template:
//
//   struct HopOptions {
//     int hop = 512;
//     Window window = Window::hann;
//     template <class V> void visit(V& v) {
//       v("hop", hop, "frame advance in samples", Range::at_least(1));
//       v.choice("window", window, {{"hann", Window::hann}}, "analysis window");
//     }
//     void validate() const {}  // optional: checks that involve several fields
//   };
//
// read_options<HopOptions>(json, "stft") rejects unknown keys by name with the list of valid ones,
// wrong types and out-of-range values, then calls validate() if the struct has one.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearsay {

/// Inclusive or exclusive numeric bounds of an option.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;

  static Range any() { return {}; }
  static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
  static Range greater_than(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, false}; }
  static Range between(double lo, double hi) { return {lo, hi, false, false}; }
  static Range probability() { return between(0.0, 1.0); }

  bool contains(double x) const {
    if (std::isnan(x)) return false;
    if (min_open ? !(x > min) : !(x >= min)) return false;
    if (max_open ? !(x < max) : !(x <= max)) return false;
    return true;
  }
  bool bounded() const { return std::isfinite(min) || std::isfinite(max); }
  std::string describe() const;
};

/// A number of samples, or "auto": the method grows its sample until its answer is stable
/// (num_samples: "auto", methods/auto_samples.h). Read from an integer or the string "auto", written
/// back the same way; a declared Range bounds the count and does not apply to "auto".
struct SampleCount {
  int64_t count = 0;       ///< the samples asked for (unused when automatic)
  bool automatic = false;  ///< "auto": the method chooses the count

  static SampleCount fixed(int64_t n) { return {n, false}; }
  static SampleCount adaptive() { return {0, true}; }
  bool operator==(const SampleCount& other) const {
    return automatic == other.automatic && (automatic || count == other.count);
  }
  bool operator!=(const SampleCount& other) const { return !(*this == other); }
};

/// One documented option, as listed by `describe_options` (for --help texts and the README).
struct OptionDoc {
  std::string name;
  std::string type;
  std::string description;
  nlohmann::json default_value;
  std::string allowed;  // range or choices, empty when anything of the type goes
};

namespace detail {

template <class T, class = void>
struct has_validate : std::false_type {};
template <class T>
struct has_validate<T, std::void_t<decltype(std::declval<const T&>().validate())>> : std::true_type {};

template <class T, class = void>
struct has_settings : std::false_type {};
template <class T>
struct has_settings<T, std::void_t<typename T::Settings>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

template <class T>
std::string type_name() {
  if constexpr (std::is_same_v<T, bool>)
    return "boolean";
  else if constexpr (std::is_integral_v<T>)
    return "integer";
  else if constexpr (std::is_floating_point_v<T>)
    return "number";
  else if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (std::is_same_v<T, nlohmann::json>)
    return "JSON";
  else if constexpr (std::is_same_v<T, SampleCount>)
    return "integer or \"auto\"";
  else if constexpr (is_optional<T>::value)
    return type_name<typename T::value_type>() + " or null";
  else if constexpr (is_vector<T>::value)
    return "array of " + type_name<typename T::value_type>();
  else
    return "object";
}

std::string join_names(const std::vector<std::string>& names);
std::string json_preview(const nlohmann::json& j);

// Converts one JSON value to T, or explains why not (empty string on success).
template <class T>
std::string parse_value(const nlohmann::json& j, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return "must be true or false";
    out = j.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (j.is_number_integer()) {
      if (j.is_number_unsigned()) {
        const auto u = j.get<unsigned long long>();
        if (u > static_cast<unsigned long long>(std::numeric_limits<T>::max())) return "is too large";
        out = static_cast<T>(u);
      } else {
        const auto s = j.get<long long>();
        if (s < static_cast<long long>(std::numeric_limits<T>::lowest()) ||
            (s > 0 &&
             static_cast<unsigned long long>(s) > static_cast<unsigned long long>(std::numeric_limits<T>::max())))
          return "is out of the integer range";
        out = static_cast<T>(s);
      }
    } else if (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>() &&
               std::abs(j.get<double>()) < 9.0e15) {
      // Converting a double outside T's range is undefined ({"sample_rate": 502E8} reached it; found
      // by fuzz/fuzz_options), so the range is checked first.
      const double d = j.get<double>();
      if (d < static_cast<double>(std::numeric_limits<T>::lowest()) ||
          d > static_cast<double>(std::numeric_limits<T>::max()))
        return "is out of the integer range";
      out = static_cast<T>(d);
    } else {
      return "must be an integer";
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) return "must be a number";
    out = static_cast<T>(j.get<double>());
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return "must be a string";
    out = j.get<std::string>();
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    out = j;
  } else if constexpr (std::is_same_v<T, SampleCount>) {
    // Any other value, a string or a fraction or an integer too large, gets the one sentence that
    // says both forms.
    int64_t count = 0;
    if (j.is_string() && j.get<std::string>() == "auto")
      out = SampleCount::adaptive();
    else if (!j.is_string() && parse_value(j, count).empty())
      out = SampleCount::fixed(count);
    else
      return "must be an integer or \"auto\"";
  } else if constexpr (is_optional<T>::value) {
    if (j.is_null()) {
      out.reset();
    } else {
      typename T::value_type v{};
      std::string why = parse_value(j, v);
      if (!why.empty()) return why + " or null";
      out = v;
    }
  } else if constexpr (is_vector<T>::value) {
    if (!j.is_array()) return "must be an array";
    T values;
    for (const auto& item : j) {
      typename T::value_type v{};
      std::string why = parse_value(item, v);
      if (!why.empty()) return "has an element that " + why;
      values.push_back(std::move(v));
    }
    out = std::move(values);
  } else {
    static_assert(sizeof(T) == 0, "unsupported option type");
  }
  return {};
}

template <class T>
bool in_range(const T& value, const Range& range) {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    return range.contains(static_cast<double>(value));
  } else if constexpr (std::is_same_v<T, SampleCount>) {
    return value.automatic || range.contains(static_cast<double>(value.count));
  } else if constexpr (is_optional<T>::value) {
    return !value || in_range(*value, range);
  } else if constexpr (is_vector<T>::value) {
    for (const auto& v : value)
      if (!in_range(v, range)) return false;
    return true;
  } else {
    return true;
  }
}

template <class T>
nlohmann::json to_json_value(const T& value) {
  if constexpr (is_optional<T>::value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  } else if constexpr (std::is_same_v<T, SampleCount>) {
    return value.automatic ? nlohmann::json("auto") : nlohmann::json(value.count);
  } else {
    return nlohmann::json(value);
  }
}

}  // namespace detail

/// Visitor that fills an options struct from a JSON object and rejects what it does not know.
class OptionReader {
 public:
  OptionReader(const nlohmann::json& source, std::string context) : source_(source), context_(std::move(context)) {
    HEARSAY_CHECK_AS(ConfigError, source_.is_null() || source_.is_object(), context_,
                     ": options must be a JSON object, got ", detail::json_preview(source_));
  }

  template <class T>
  void operator()(const char* name, T& field, const char* /*description*/, Range range = Range::any()) {
    known_.emplace_back(name);
    const nlohmann::json* value = find(name);
    if (!value) return;
    T parsed = field;
    const std::string why = detail::parse_value(*value, parsed);
    HEARSAY_CHECK_AS(ConfigError, why.empty(), context_, ": option '", name, "' ", why, ", got ",
                     detail::json_preview(*value));
    HEARSAY_CHECK_AS(ConfigError, detail::in_range(parsed, range), context_, ": option '", name, "' must be ",
                     range.describe(), ", got ", detail::json_preview(*value));
    field = std::move(parsed);
  }

  template <class E>
  void choice(const char* name, E& field, const std::vector<std::pair<const char*, E>>& choices,
              const char* /*description*/) {
    known_.emplace_back(name);
    const nlohmann::json* value = find(name);
    if (!value) return;
    std::vector<std::string> names;
    for (const auto& [choice_name, choice_value] : choices) {
      names.emplace_back(choice_name);
      if (value->is_string() && value->get<std::string>() == choice_name) {
        field = choice_value;
        return;
      }
    }
    throw ConfigError(message(context_, ": option '", name, "' must be one of ", detail::join_names(names), ", got ",
                              detail::json_preview(*value)));
  }

  template <class O>
  void nested(const char* name, O& field, const char* /*description*/) {
    known_.emplace_back(name);
    const nlohmann::json* value = find(name);
    if (!value) return;
    OptionReader inner(*value, context_ + "." + name);
    field.visit(inner);
    inner.finish();
    if constexpr (detail::has_validate<O>::value) field.validate();
  }

  /// A list of option structs (the bench's studies): a JSON array of objects, each read like a nested
  /// struct and named "<name>[i]" in messages. An absent key keeps the field's default list.
  template <class O>
  void nested_list(const char* name, std::vector<O>& field, const char* /*description*/) {
    known_.emplace_back(name);
    const nlohmann::json* value = find(name);
    if (!value) return;
    HEARSAY_CHECK_AS(ConfigError, value->is_array(), context_, ": option '", name,
                     "' must be a JSON array of objects, got ", detail::json_preview(*value));
    std::vector<O> parsed;
    for (size_t i = 0; i < value->size(); ++i) {
      O item;
      OptionReader inner((*value)[i], message(context_, ".", name, "[", i, "]"));
      item.visit(inner);
      inner.finish();
      if constexpr (detail::has_validate<O>::value) item.validate();
      parsed.push_back(std::move(item));
    }
    field = std::move(parsed);
  }

  /// Throws ConfigError naming the first unknown key and listing the valid ones.
  void finish() const {
    if (source_.is_null()) return;
    for (auto it = source_.begin(); it != source_.end(); ++it) {
      bool found = false;
      for (const auto& k : known_) found = found || (k == it.key());
      HEARSAY_CHECK_AS(ConfigError, found, context_, ": unknown option '", it.key(),
                       "'; valid options: ", detail::join_names(known_));
    }
  }

 private:
  const nlohmann::json* find(const char* name) const {
    if (source_.is_null()) return nullptr;
    auto it = source_.find(name);
    return it == source_.end() ? nullptr : &*it;
  }

  const nlohmann::json& source_;
  std::string context_;
  std::vector<std::string> known_;
};

/// Visitor that writes every option of a struct into a JSON object.
class OptionWriter {
 public:
  template <class T>
  void operator()(const char* name, const T& field, const char*, Range = Range::any()) {
    out[name] = detail::to_json_value(field);
  }
  template <class E>
  void choice(const char* name, const E& field, const std::vector<std::pair<const char*, E>>& choices, const char*) {
    for (const auto& [choice_name, choice_value] : choices)
      if (choice_value == field) out[name] = choice_name;
  }
  template <class O>
  void nested(const char* name, const O& field, const char*);
  template <class O>
  void nested_list(const char* name, const std::vector<O>& field, const char*);

  nlohmann::json out = nlohmann::json::object();
};

/// Visitor that lists every option with its type, default, allowed values and description.
class OptionDescriber {
 public:
  template <class T>
  void operator()(const char* name, const T& field, const char* description, Range range = Range::any()) {
    docs.push_back({name, detail::type_name<T>(), description, detail::to_json_value(field),
                    range.bounded() ? range.describe() : std::string()});
  }
  template <class E>
  void choice(const char* name, const E& field, const std::vector<std::pair<const char*, E>>& choices,
              const char* description) {
    std::vector<std::string> names;
    std::string current;
    for (const auto& [choice_name, choice_value] : choices) {
      names.emplace_back(choice_name);
      if (choice_value == field) current = choice_name;
    }
    docs.push_back({name, "string", description, current, "one of " + detail::join_names(names)});
  }
  template <class O>
  void nested(const char* name, const O& field, const char* description) {
    docs.push_back({name, "object", description, nlohmann::json::object(), ""});
    O copy = field;
    OptionDescriber inner;
    copy.visit(inner);
    for (auto& d : inner.docs) {
      d.name = std::string(name) + "." + d.name;
      docs.push_back(std::move(d));
    }
  }

  /// Documents one element's keys as "<name>[].<key>" with a default-constructed element's values.
  template <class O>
  void nested_list(const char* name, const std::vector<O>& field, const char* description) {
    docs.push_back({name, "array", description, write_list(field), ""});
    O element;
    OptionDescriber inner;
    element.visit(inner);
    for (auto& d : inner.docs) {
      d.name = std::string(name) + "[]." + d.name;
      docs.push_back(std::move(d));
    }
  }

  std::vector<OptionDoc> docs;

 private:
  template <class O>
  static nlohmann::json write_list(const std::vector<O>& field);
};

/// Reads an options struct from JSON (null = all defaults). `context` names the owner in messages,
/// e.g. "lime" → "lime: unknown option 'num_sample'; valid options: ...".
template <class O>
O read_options(const nlohmann::json& source, const std::string& context) {
  O options;
  OptionReader reader(source, context);
  options.visit(reader);
  reader.finish();
  if constexpr (detail::has_validate<O>::value) options.validate();
  return options;
}

/// Writes every option (defaults included) so a result records exactly what produced it.
template <class O>
nlohmann::json write_options(const O& options) {
  O copy = options;
  OptionWriter writer;
  copy.visit(writer);
  return writer.out;
}

template <class O>
void OptionWriter::nested(const char* name, const O& field, const char*) {
  out[name] = write_options(field);
}

template <class O>
void OptionWriter::nested_list(const char* name, const std::vector<O>& field, const char*) {
  nlohmann::json list = nlohmann::json::array();
  for (const O& item : field) list.push_back(write_options(item));
  out[name] = std::move(list);
}

template <class O>
nlohmann::json OptionDescriber::write_list(const std::vector<O>& field) {
  nlohmann::json list = nlohmann::json::array();
  for (const O& item : field) list.push_back(write_options(item));
  return list;
}

/// Lists the options of O with their defaults.
template <class O>
std::vector<OptionDoc> describe_options() {
  O defaults;
  OptionDescriber describer;
  defaults.visit(describer);
  return describer.docs;
}

/// Validates a struct's fields against their declared ranges without JSON (for options built in code).
template <class O>
void check_options(const O& options, const std::string& context) {
  read_options<O>(write_options(options), context);
}

}  // namespace hearsay
