#include "methods/explainer.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "core/error.h"

namespace hearsay::methods {

std::vector<int64_t> Explanation::ranking() const {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  return order;
}

nlohmann::json Explanation::to_json() const {
  nlohmann::json components = nlohmann::json::array();
  for (size_t i = 0; i < names.size(); ++i) components.push_back({{"name", names[i]}, {"score", scores[i]}});
  nlohmann::json j{{"method", method},
                   {"target", target},
                   {"target_name", target_name},
                   {"output", output == models::Output::logits ? "logit" : "probability"},
                   {"components", components},
                   {"intercept", intercept},
                   {"full_output", full_output},
                   {"empty_output", empty_output},
                   {"evals", evals},
                   {"model_runs", model_runs},
                   {"gradient_passes", gradient_passes},
                   {"seconds", seconds},
                   {"seed", seed},
                   {"options", options},
                   {"diagnostics", diagnostics}};
  j["r2"] = r2 ? nlohmann::json(*r2) : nlohmann::json(nullptr);
  j["r2_held_out"] = r2_held_out ? nlohmann::json(*r2_held_out) : nlohmann::json(nullptr);
  return j;
}

Explanation Explainer::explain(const ExplainRequest& request) const {
  HEARSAY_CHECK_AS(ConfigError, request.evaluator, name(), ": the request has no evaluator");
  Evaluator& evaluator = *request.evaluator;
  const models::Model& model = evaluator.model();
  if (capabilities().needs_gradients && model.layers().empty())
    throw UnsupportedModelError(message(name(), " needs gradients, but the model '", model.name(),
                                        "' exposes no layers (a black box); use a perturbation method instead"));
  const auto start = std::chrono::steady_clock::now();
  evaluator.begin_tally();
  const int64_t runs_before = evaluator.forward_passes();

  Explanation out;
  out.method = name();
  out.options = options();
  out.seed = request.seed;
  out.output = request.output;
  out.names = evaluator.factorization().names();
  HEARSAY_CHECK_AS(ConfigError, request.target >= -1 && request.target < model.num_classes(), name(),
                   ": target class ", request.target, " is not one of the model's ", model.num_classes(),
                   " classes (0 to ", model.num_classes() - 1, ", or -1 for the predicted class)");
  if (!request.target_name.empty())
    out.target = model.class_index(request.target_name);
  else
    out.target = request.target >= 0 ? request.target : evaluator.predicted_class();
  out.target_name = model.class_names()[static_cast<size_t>(out.target)];
  const auto m = static_cast<size_t>(evaluator.components());
  out.full_output = evaluator.output(std::vector<uint8_t>(m, 1), out.target, request.output);
  out.empty_output = evaluator.output(std::vector<uint8_t>(m, 0), out.target, request.output);

  run(request, out.target, out);

  HEARSAY_CHECK(out.scores.size() == m, name(), " returned ", out.scores.size(), " scores for ", m, " components");
  out.evals = evaluator.tally();
  out.model_runs = evaluator.forward_passes() - runs_before;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Matrix<uint8_t> all_masks(int64_t m) {
  HEARSAY_CHECK_AS(ConfigError, m >= 0 && m <= 30, "cannot enumerate all masks of ", m, " components");
  const int64_t n = int64_t{1} << m;
  Matrix<uint8_t> masks(n, m);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < m; ++i) masks(r, i) = static_cast<uint8_t>((r >> i) & 1);
  return masks;
}

}  // namespace hearsay::methods
