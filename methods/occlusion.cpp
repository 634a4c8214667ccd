#include "methods/occlusion.h"

namespace hearsay::methods {

void Occlusion::run(const ExplainRequest& request, int target, Explanation& out) const {
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  const bool leave_one_out = settings().variant == OcclusionVariant::leave_one_out;
  Matrix<uint8_t> masks(m, m, static_cast<uint8_t>(leave_one_out ? 1 : 0));
  for (int64_t i = 0; i < m; ++i) masks(i, i) = static_cast<uint8_t>(leave_one_out ? 0 : 1);
  const std::vector<double> outputs = evaluator.outputs(masks, target, request.output);
  out.scores.resize(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i)
    out.scores[static_cast<size_t>(i)] = leave_one_out ? out.full_output - outputs[static_cast<size_t>(i)]
                                                       : outputs[static_cast<size_t>(i)] - out.empty_output;
  out.intercept = leave_one_out ? out.full_output : out.empty_output;
}

}  // namespace hearsay::methods
