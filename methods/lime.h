// LIME (Ribeiro, Singh & Guestrin, KDD 2016) as audioLIME applies it to audio components (Haunschmid,
// Manilow & Widmer, ISMIR 2020; lime_base.py and lime_audio.py): row 0 of the perturbations keeps
// every component, the other rows keep each component with probability 1/2 (or all 2^M rows with
// `exhaustive`); each row is weighted by the kernel sqrt(exp(−d² / w²)) of its cosine distance d to
// the all-ones row; the scores are the coefficients of a weighted ridge regression (α = 1, with
// intercept) of the model's output on the masks, over the features chosen by `feature_selection`.
// The explanation reports the surrogate's weighted R² in sample and on fresh held-out perturbations;
// an in-sample R² below `min_r2` adds a warning: the linear surrogate then explains little of what the
// model did on the perturbations, and its coefficients are not a description of the model.
//
// num_samples "auto" (methods/auto_samples.h, after S-LIME, Zhou, Hooker & Wang, KDD 2021) draws the
// same Bernoulli stream in rounds, refits the surrogate on each round's rows (the feature selection
// is made on the round's full sample, and its bootstrap refits keep that selection) and stops once
// the top-k set is stable; the explanation then equals a run with num_samples = the samples used.
#pragma once

#include "core/configured.h"
#include "methods/auto_samples.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class LimeSampling { bernoulli, exhaustive };
enum class FeatureSelection { automatic, none, forward_selection, highest_weights, lasso_path };

struct LimeOptions {
  /// perturbations (audioLIME's default; its example uses 16384), or "auto": rounds until the top-k is stable
  SampleCount num_samples = SampleCount::fixed(1000);
  LimeSampling sampling = LimeSampling::bernoulli;                   ///< exhaustive: all 2^M masks (M <= 20)
  double kernel_width = 0.25;                                        ///< w of the kernel sqrt(exp(-d^2 / w^2))
  double alpha = 1.0;                                                ///< ridge penalty of the surrogate
  FeatureSelection feature_selection = FeatureSelection::automatic;  ///< lime's choices
  int num_features = 100000;       ///< features kept by the selection (all by default, as audioLIME)
  double held_out_fraction = 0.1;  ///< extra fresh perturbations, as a fraction of num_samples, for R²
  double min_r2 = 0.3;             ///< an in-sample weighted R² below this adds a warning; in [0, 1]
  /// num_samples "auto": auto_top_k, auto_confidence, and the cap auto_max_samples (default 16384,
  /// audioLIME's example budget).
  AutoSampling auto_sampling{16384};

  template <class V>
  void visit(V& v) {
    v("num_samples", num_samples,
      "number of perturbations, or \"auto\": rounds of perturbations until the top auto_top_k components are "
      "stable",
      Range::between(2, 10000000));
    v.choice("sampling", sampling, {{"bernoulli", LimeSampling::bernoulli}, {"exhaustive", LimeSampling::exhaustive}},
             "Bernoulli(1/2) masks after an all-ones row, or every mask");
    v("kernel_width", kernel_width, "kernel width w", Range::greater_than(0));
    v("alpha", alpha, "ridge penalty", Range::at_least(0));
    v.choice("feature_selection", feature_selection,
             {{"auto", FeatureSelection::automatic},
              {"none", FeatureSelection::none},
              {"forward_selection", FeatureSelection::forward_selection},
              {"highest_weights", FeatureSelection::highest_weights},
              {"lasso_path", FeatureSelection::lasso_path}},
             "which components the surrogate may use (auto: forward_selection if num_features <= 6, else "
             "highest_weights)");
    v("num_features", num_features, "components kept by the selection", Range::at_least(1));
    v("held_out_fraction", held_out_fraction,
      "fresh perturbations for the held-out R^2, re num_samples (with \"auto\": re the samples used)",
      Range::between(0, 10));
    v("min_r2", min_r2, "a weighted R^2 of the surrogate below this adds a warning", Range::between(0, 1));
    auto_sampling.visit(v);
  }
  void validate() const {
    HEARSAY_CHECK_AS(ConfigError, !(num_samples.automatic && sampling == LimeSampling::exhaustive),
                     "lime: num_samples \"auto\" needs sampling \"bernoulli\"; \"exhaustive\" evaluates every mask "
                     "once and has no sample to grow");
  }
};

class Lime : public Configured<Explainer, LimeOptions> {
 public:
  explicit Lime(const nlohmann::json& options) : Configured("lime", options) {}
  Capabilities capabilities() const override;
  /// 300 perturbations instead of 1000: enough for a surrogate of 16 components or fewer to rank an
  /// additive toy's weights (the known-answer suite checks it), a third of the time.
  TestProfile test_profile() const override { return {nlohmann::json{{"num_samples", 300}}}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
