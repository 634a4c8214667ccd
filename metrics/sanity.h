// `sanity`: the model-parameter randomisation test and the random-logit test of Adebayo et al.,
// "Sanity checks for saliency maps" (NeurIPS 2018); issue 13, item 4. An explanation worth trusting
// depends on what the model learnt: explaining a copy whose layers are re-initialised
// (WhiteBox::randomized) should give something else, and so should explaining another class.
//   Cascading (default): re-initialise the top learnable layer, then the top two, ... (`layers` of
//   them, 0: all); independent: one layer at a time. At each step the same method with the same
//   options, target, output and seed explains the same input on the copy (black-box perturbation
//   methods too: the copy is the model they query).
//   value: the mean similarity over the steps (low: the method passes; 1: it ignores the model);
//   curve: the similarity at each step; similarity = Spearman's correlation of the component scores
//   (0 when either side scores every component alike); extra "layers" (the layers re-initialised at
//   each step), "ssim" per step (the structural similarity of the dense maps, methods with one),
//   "random_logit" (the similarity to an explanation of another class, drawn from `seed`) and
//   "evaluations" (model evaluations and gradient passes the re-explanations spent).
// Not applicable to a model without a white box (it cannot be copied with new weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/configured.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// Structural similarity of two maps of the same shape, computed globally (one window): luminance,
/// contrast and structure terms with C1 = (0.01 L)², C2 = (0.03 L)², L the joint range of both maps.
/// 1 for equal maps.
double global_ssim(const Matrix<float>& a, const Matrix<float>& b);

struct SanityOptions {
  std::string mode = "cascading";  ///< cascading | independent
  int layers = 0;                  ///< learnable layers randomised, from the top (0: all)
  uint64_t seed = 1;               ///< seeds the re-initialisations and the random class

  template <class V>
  void visit(V& v) {
    v("mode", mode, "cascading (top layers cumulatively) or independent (one layer at a time)");
    v("layers", layers, "learnable layers randomised from the top (0: all)", Range::at_least(0));
    v("seed", seed, "seed of the re-initialised weights and of the random other class");
  }
  void validate() const;
};

/// The test itself, for any explainer: `explanation` is `explainer`'s explanation of the input that
/// `factorization` factorizes, on `model`.
MetricResult sanity_check(const methods::Explainer& explainer, const methods::Explanation& explanation,
                          const models::Model& model, const factorizations::Factorization& factorization,
                          const SanityOptions& options);

class Sanity : public Configured<Metric, SanityOptions> {
 public:
  explicit Sanity(const nlohmann::json& options) : Configured("sanity", options) {}
  MetricNeeds needs() const override { return {false, true}; }

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
