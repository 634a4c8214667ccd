#include "methods/guided_backprop.h"

#include "methods/saliency.h"

namespace hearsay::methods {

Matrix<float> guided_backprop_map(const models::Model& model, const std::string& who, const Matrix<float>& features,
                                  int target, models::Output output) {
  return models::require_white_box(model, who)
      .modified_gradient(features, target, output, models::BackwardRule::guided);
}

Capabilities GuidedBackprop::capabilities() const { return gradient_family_capabilities(); }

void GuidedBackprop::run(const ExplainRequest& request, int target, Explanation& out) const {
  const auto& factorization = request.evaluator->factorization();
  set_dense_map(
      factorization,
      guided_backprop_map(request.evaluator->model(), name(), all_kept_features(factorization), target, request.output),
      out);
  out.gradient_passes = 1;
}

}  // namespace hearsay::methods
