// Registry<T>: named factories for one family of plug-ins (explainers, factorizations, metrics,
// networks). Registration is explicit, one line per class in each folder's builtin.cpp: static
// self-registration objects are dropped by the linker from static libraries.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/options.h"

namespace hearsay {

template <class T>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<T>(const nlohmann::json& options)>;

  /// `kind` names the family in messages ("explainer", "factorization").
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  /// Adds a factory under `name`; a second registration of the same name is a programming error.
  void add(const std::string& name, Factory factory, std::string summary = {}) {
    HEARSAY_CHECK(!name.empty(), "Registry<", kind_, ">: empty name");
    HEARSAY_CHECK(entries_.find(name) == entries_.end(), "Registry<", kind_, ">: '", name, "' is registered twice");
    entries_[name] = Entry{std::move(factory), std::move(summary), {}};
  }

  /// Adds a class constructible from its JSON options: r.add<Lime>("lime", "LIME as audioLIME").
  /// When the class declares `using Settings = <options struct>` its options are documented too.
  template <class Impl>
  void add(const std::string& name, std::string summary) {
    add(
        name, [](const nlohmann::json& options) { return std::make_unique<Impl>(options); }, std::move(summary));
    if constexpr (detail::has_settings<Impl>::value) entries_[name].docs = describe_options<typename Impl::Settings>();
  }

  /// The documented options of `name` (empty when its class declares none).
  const std::vector<OptionDoc>& option_docs(const std::string& name) const { return entry(name).docs; }

  /// The first of `keys` that `name` documents among its options, or "" when it documents none of them.
  /// Callers reach every plug-in that takes a setting through its declared options, not by its name:
  /// `hearsay explain --segments` sets declared_option(f, {"segments", "time_segments"}). Keys are
  /// tried in order of preference, for a setting that different plug-ins name differently.
  std::string declared_option(const std::string& name, const std::vector<std::string>& keys) const {
    const auto& docs = option_docs(name);
    for (const auto& key : keys)
      for (const auto& doc : docs)
        if (doc.name == key) return key;
    return {};
  }

  /// Whether `name` documents the option `key`.
  bool declares(const std::string& name, const std::string& key) const { return !declared_option(name, {key}).empty(); }

  /// The registered names that document at least one of `keys`, in alphabetical order: the valid
  /// choices for a message refusing a setting where it does not apply.
  std::vector<std::string> names_declaring(const std::vector<std::string>& keys) const {
    std::vector<std::string> out;
    for (const auto& entry : entries_)
      if (!declared_option(entry.first, keys).empty()) out.push_back(entry.first);
    return out;
  }

  /// Creates the named object from its JSON options; an unknown name is a ConfigError listing the
  /// registered names.
  std::unique_ptr<T> create(const std::string& name, const nlohmann::json& options = nlohmann::json::object()) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      std::string valid;
      for (const auto& entry : entries_) valid += (valid.empty() ? "" : ", ") + entry.first;
      throw ConfigError(message("unknown ", kind_, " '", name, "'; valid names: ", valid.empty() ? "(none)" : valid));
    }
    return it->second.factory(options);
  }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  /// Registered names in alphabetical order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

  const std::string& summary(const std::string& name) const { return entry(name).summary; }

  const std::string& kind() const { return kind_; }

 private:
  struct Entry {
    Factory factory;
    std::string summary;
    std::vector<OptionDoc> docs;
  };
  const Entry& entry(const std::string& name) const {
    auto it = entries_.find(name);
    HEARSAY_CHECK_AS(ConfigError, it != entries_.end(), "unknown ", kind_, " '", name, "'");
    return it->second;
  }
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

}  // namespace hearsay
