// Saliency (Simonyan, Vedaldi & Zisserman, ICLR workshop 2014; Captum's Saliency): the map is the
// gradient of the clip's output w.r.t. its log-mel features (methods/input_gradient.h), in absolute
// value by default as both define it, or signed. The input is every component kept, as Grad-CAM's.
//
// Also the common ground of gradient_x_input and smoothgrad: their capabilities and how a dense map
// becomes an Explanation live here once.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

struct SaliencyOptions {
  bool abs = true;  ///< |∂f/∂x| as the paper and Captum (abs=True); false keeps the gradient's sign

  template <class V>
  void visit(V& v) {
    v("abs", abs, "absolute value of the gradient (false: the signed gradient)");
  }
};

class Saliency : public Configured<Explainer, SaliencyOptions> {
 public:
  explicit Saliency(const nlohmann::json& options) : Configured("saliency", options) {}
  Capabilities capabilities() const override;
  /// |∂f/∂x| cannot tell a negative weight from a positive one: on the harness's additive toy (weights
  /// of both signs) it ranks by |w|, not w, whatever the method's quality. The signed gradient is the
  /// same method's other setting and must recover w exactly, so the harness runs that one at the full bar.
  TestProfile test_profile() const override { return {nlohmann::json{{"abs", false}}}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

/// Capabilities of the gradient family: needs gradients, a dense map, explains the logit by default
/// (as Grad-CAM, Captum and the papers: a probability's gradient vanishes where the model is sure).
Capabilities gradient_family_capabilities();

/// The model input with every component kept (the clip itself).
Matrix<float> all_kept_features(const factorizations::Factorization& factorization);

/// Fills out.map and out.scores (the factorization's pooling of the map).
void set_dense_map(const factorizations::Factorization& factorization, Matrix<float> map, Explanation& out);

}  // namespace hearsay::methods
