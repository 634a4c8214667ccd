// Small budgets for the stochastic methods, so suites that run every registered method stay fast;
// methods not listed run with their defaults.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearsay::testing {

inline nlohmann::json quick_options(const std::string& method) {
  if (method == "lime") return {{"num_samples", 300}};
  if (method == "kernel_shap") return {{"num_samples", 120}};
  return nlohmann::json::object();
}

}  // namespace hearsay::testing
