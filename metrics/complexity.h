// `complexity`: how concentrated an explanation is (issue 13, "Complexity"). Over the normalised
// absolute scores p_i = |φ_i| / Σ|φ| of the M components:
//   value: the Gini index of |φ| (Chalasani et al. 2020, "Concise explanations of neural networks
//     using adversarial training"; Quantus' Sparseness) scaled by M / (M − 1) so that it spans [0, 1]:
//     0 when every component has the same magnitude, 1 when one component holds it all;
//   extra "entropy": −Σ p_i ln p_i in nats (Bhatt et al. 2020's complexity; Quantus' Complexity),
//     "normalized_entropy": entropy / ln M (0 for one-hot, 1 for uniform),
//     "effective_components": exp(entropy), the number of equally weighted components that would have
//     the same entropy (1 for one-hot, M for uniform).
// Reads only the scores: no model evaluations. Not applicable when every score is 0 (nothing to
// distribute) or M < 2.
#pragma once

#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// The Gini index of |values| scaled to [0, 1] (see above); requires at least two values, not all 0.
double normalized_gini(const std::vector<double>& values);

struct ComplexityOptions {
  template <class V>
  void visit(V&) {}
};

class Complexity : public Configured<Metric, ComplexityOptions> {
 public:
  explicit Complexity(const nlohmann::json& options) : Configured("complexity", options) {}

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
