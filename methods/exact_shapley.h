// Exact Shapley values (Shapley, 1953) of the components: the model is run on all 2^M coalitions
// (in batches, through the shared cache) and φ_i = Σ_{S ⊆ N∖{i}} |S|!(M−|S|−1)!/M! · (f(S∪{i}) − f(S)).
// The reference every sampling method is checked against; M is capped because the cost is 2^M.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

struct ExactShapleyOptions {
  int max_components = 20;  ///< refuse larger factorizations (2^M evaluations)

  template <class V>
  void visit(V& v) {
    v("max_components", max_components, "largest M accepted (2^M evaluations; at most 20)", Range::between(1, 20));
  }
};

class ExactShapley : public Configured<Explainer, ExactShapleyOptions> {
 public:
  explicit ExactShapley(const nlohmann::json& options) : Configured("exact_shapley", options) {}
  Capabilities capabilities() const override { return {}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

/// Shapley values of a set function given as values[mask] for every mask (bit i = component i).
std::vector<double> shapley_from_values(const std::vector<double>& values, int64_t m);

}  // namespace hearsay::methods
