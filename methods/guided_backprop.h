// Guided backpropagation (Springenberg, Dosovitskiy, Brox & Riedmiller, "Striving for simplicity: the
// all convolutional net", ICLR workshop 2015; Captum's GuidedBackprop): the gradient of the clip's
// output w.r.t. its log-mel features, except that every ReLU passes back only positive gradient, and
// only where its input was positive (models/modified_backward.h). The map keeps its sign, as Captum's
// does; the input is every component kept, as saliency's. Only the network's ReLUs change the pass, so
// on a network without them (the test toys) the map is the gradient.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

/// Guided backpropagation has no settings.
struct GuidedBackpropOptions {
  template <class V>
  void visit(V&) {}
};

class GuidedBackprop : public Configured<Explainer, GuidedBackpropOptions> {
 public:
  explicit GuidedBackprop(const nlohmann::json& options) : Configured("guided_backprop", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

/// The guided-backpropagation map [n_mels × frames] of `features` for class `target`, through the
/// white box of `model` (UnsupportedModelError naming `who` for a black box).
Matrix<float> guided_backprop_map(const models::Model& model, const std::string& who, const Matrix<float>& features,
                                  int target, models::Output output);

}  // namespace hearsay::methods
