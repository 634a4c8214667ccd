// Adversarial-flip detection (Praher et al., ISMIR 2021): does an explanation of an adversarial input
// x′ = x + δ find where δ lives? δ is split over the explained factorization's components (δ_i: the
// part of δ that component i carries); adding back only the explanation's top-k parts, x + Σ_{i∈top-k}
// δ_i, "detects" the attack when the model's label becomes the adversarial one. Beside it: the norm
// oracle (the k parts of largest ‖δ_i‖²) and random k-subsets.
//
// How δ is split (flip_factorization):
//  - waveform attacks, components that are signals (segments; stems from HPSS): δ is factorized by the
//    same factorizer with the same options (its own decomposition: δ's segments, δ's harmonic and
//    percussive parts × segments), and δ_i is its component i; given stems do not apply (δ has no
//    true stems);
//  - waveform attacks, log-mel cells (tf_grid, superpixels): δ_i keeps the STFT bins of δ under
//    component i's cells (each bin follows the mel band whose filter weighs it most), inverted;
//  - spectrogram attacks, log-mel cells: δ_i is δ on component i's cells.
// In each case Σ_i δ_i = δ (to the float rounding of an STFT round trip for cells).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/configured.h"
#include "core/options.h"
#include "factorizations/factorization.h"
#include "methods/evaluator.h"
#include "metrics/adversarial_attack.h"
#include "metrics/metric.h"

namespace hearsay::metrics {

/// What the adversarial_flip metric reads about the explained (adversarial) input.
struct AdversarialContext {
  int clean_class = -1;
  int adversarial_class = -1;  ///< the label a detection must reach
  bool attack_succeeded = false;
  /// The inputs x + Σ_{kept} δ_i over the explained factorization's components (flip_factorization)
  const factorizations::Factorization* flips = nullptr;
  methods::Evaluator* evaluator = nullptr;  ///< the model on `flips` (shared by every method of a clip)
  std::vector<double> delta_energy;         ///< ‖δ_i‖² per component: the norm oracle's order
  /// Partial attacks: 1 for the components δ was confined to (those that cover the perturbed time
  /// span by at least half), the ground truth of the partial-perturbation recall; empty otherwise.
  std::vector<uint8_t> perturbed;
};

/// The factorization of flips x + Σ_{kept} δ_i for `explained` (a factorization of the adversarial
/// input made by `factorizer` with its options), with the parts' energies in `energy`. ConfigError
/// naming the factorization when δ cannot be split over it (given stems; an unknown kind).
std::unique_ptr<factorizations::Factorization> flip_factorization(const factorizations::Factorization& explained,
                                                                  const std::string& factorizer,
                                                                  const factorizations::FactorizationInput& clean,
                                                                  const AttackResult& attack, const FrontEnd& front_end,
                                                                  std::vector<double>& energy);

/// Marks the components of `f` that overlap the attack's perturbed spans by at least half of their
/// own duration (AdversarialContext::perturbed); empty when the attack was not partial.
std::vector<uint8_t> perturbed_components(const factorizations::Factorization& f, const AttackResult& attack,
                                          double clip_seconds);

struct AdversarialFlipOptions {
  int top_k = 3;          ///< the value: does adding δ on the top-k components flip the label (Table 1)
  int k_max = 10;         ///< the curve: flips for k = 1 .. k_max (Figure 2)
  int random_draws = 32;  ///< random k-subsets per k for the random reference
  uint64_t seed = 0;      ///< seed of the random subsets

  template <class V>
  void visit(V& v) {
    v("top_k", top_k, "the value: 1 when adding the perturbation on the top-k components flips the label",
      Range::between(1, 1000));
    v("k_max", k_max, "flip curve for k = 1 .. k_max components", Range::between(1, 1000));
    v("random_draws", random_draws, "random k-subsets per k (the random reference)", Range::between(1, 10000));
    v("seed", seed, "seed of the random subsets");
  }
};

/// value: 1 when x + Σ_{top-k} δ_i takes the adversarial label, else 0 (not applicable for clean
/// inputs, failed attacks, or when even x + Σ_i δ_i does not). curve: the same for k = 1..k_max.
/// extra: oracle_curve, random_curve (share of random subsets that flip), positive_count (components
/// scored > 0), flip_positive / oracle_flip_positive (all positive components / as many by norm),
/// first_flip / oracle_first_flip (least k that flips, null: none up to k_max), recall (partial
/// attacks: share of the perturbed components among the top |perturbed|), oracle_recall.
class AdversarialFlip : public Configured<Metric, AdversarialFlipOptions> {
 public:
  explicit AdversarialFlip(const nlohmann::json& options) : Configured("adversarial_flip", options) {}

 protected:
  MetricResult run(const MetricInput& input) const override;
};

}  // namespace hearsay::metrics
