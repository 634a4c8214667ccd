// Occlusion / feature ablation over components (Zeiler & Fergus, ECCV 2014; Captum's
// FeatureAblation with a feature mask): leave-one-out scores f(x) − f(x with component i removed);
// keep-one-in scores f(only component i) − f(nothing). Exact for additive models, M + 1 evaluations.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class OcclusionVariant { leave_one_out, keep_one_in };

struct OcclusionOptions {
  OcclusionVariant variant = OcclusionVariant::leave_one_out;

  template <class V>
  void visit(V& v) {
    v.choice("variant", variant,
             {{"leave_one_out", OcclusionVariant::leave_one_out}, {"keep_one_in", OcclusionVariant::keep_one_in}},
             "remove one component from the clip, or keep one alone");
  }
};

class Occlusion : public Configured<Explainer, OcclusionOptions> {
 public:
  explicit Occlusion(const nlohmann::json& options) : Configured("occlusion", options) {}
  Capabilities capabilities() const override { return {}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
