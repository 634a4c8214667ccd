// `agreement`: how closely a method's ranking of the components follows a reference method's on the
// same input, by default exact Shapley values (the ground truth of attribution when M is small). The
// value is Spearman's rank correlation of the two score vectors, ties at average ranks; extra:
//   "spearman": the same value (null when undefined), "top1": 1 when both put the same component
//   first (ties broken by component order, as Explanation::ranking does), else 0, "reference": the
//   reference method's name.
// Not applicable to the reference method itself, when the reference has no explanation of the input
// (its job failed), or when either side scores every component alike (no ranking to compare).
#pragma once

#include <string>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

struct AgreementOptions {
  std::string reference = "exact_shapley";  ///< a registered explainer (hearsay list methods)

  template <class V>
  void visit(V& v) {
    v("reference", reference, "the method whose scores this one is compared with (a registered explainer)");
  }
  void validate() const;
};

class Agreement : public Configured<Metric, AgreementOptions> {
 public:
  explicit Agreement(const nlohmann::json& options) : Configured("agreement", options) {}
  std::string reference_method() const override { return settings().reference; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
