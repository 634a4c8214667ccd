// Configured<Base, Options>: a plug-in (factorizer, explainer, metric) whose settings are one options
// struct, read from JSON when it is constructed (so a constructed object is valid; unknown keys are a
// ConfigError naming them) and written back in full by options().
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/options.h"

namespace hearsay {

template <class Base, class Options>
class Configured : public Base {
 public:
  using Settings = Options;

  Configured(std::string name, const nlohmann::json& options)
      : name_(std::move(name)), settings_(read_options<Options>(options, name_)) {}

  std::string name() const override { return name_; }
  nlohmann::json options() const override { return write_options(settings_); }

 protected:
  const Options& settings() const { return settings_; }

 private:
  std::string name_;
  Options settings_;
};

}  // namespace hearsay
