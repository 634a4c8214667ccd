// Adversarial attacks, as in Praher et al. (ISMIR 2021, "On the veracity of local, model-agnostic
// explanations in audio classification"): a small perturbation δ that changes the model's label,
// made on the raw waveform (through the differentiable front-end twin, WhiteBox::waveform_gradients)
// or on the log-mel spectrogram (WhiteBox::input_gradients).
//
// The budget is an SNR: ‖δ‖∞ ≤ ε = rms(x) · 10^(−snr_db / 20), so the perturbation's energy is at
// least snr_db below the clip's (‖δ‖² ≤ N ε² = ‖x‖² 10^(−snr_db/10)); the spectrogram attack states it
// the same way over the log-mel values. Two optimisers, both on the sign of the gradient of the
// log-probability of the target (targeted) or of minus the clean class (untargeted):
//  - pgd: projected gradient descent, δ ← clip_ε(δ + α·ε·sign(g)), from a uniform random start;
//  - sign_adam: Adam on sign(g) with learning rate α·ε, projected onto the ε-ball (the veracity
//    study's optimiser).
// The attack stops at the first iterate whose label is the adversarial one under core/'s own front-end
// (what a saved file gives when it is read again) with at least `confidence` probability, or after
// `iterations`; it succeeds when the label changed.
//
// Partial perturbation (their Figure 3): with `segments` > 0 the clip is cut into that many equal time
// segments (the `segments` factorization's boundaries for the waveform, tf_grid's time divisions for
// the spectrogram) and δ is zero outside the ones listed in `perturb`: those samples or frames of the
// adversarial input are the clean clip's, bit for bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/audio.h"
#include "core/matrix.h"
#include "core/options.h"
#include "models/model.h"

namespace hearsay::metrics {

enum class AttackDomain { waveform, spectrogram };
enum class AttackOptimizer { pgd, sign_adam };

struct AttackOptions {
  AttackDomain domain = AttackDomain::waveform;
  /// class name to reach; "next": the class after the clean prediction in the model's order; empty:
  /// untargeted (any label but the clean prediction)
  std::string target;
  double snr_db = 40.0;  ///< budget: ‖δ‖∞ ≤ rms(x) · 10^(−snr_db/20)
  AttackOptimizer optimizer = AttackOptimizer::pgd;
  int iterations = 200;      ///< most steps
  double step = 0.05;        ///< step (pgd) or learning rate (sign_adam) as a fraction of ε
  bool random_start = true;  ///< pgd: start from a uniform draw in the ε-ball
  /// keep going until the adversarial label holds with at least this probability (0: stop at the
  /// first step that changes the label); a confident adversarial example is one that part of δ can flip
  double confidence = 0.0;
  uint64_t seed = 0;         ///< the random start's seed
  int segments = 0;          ///< partial perturbation: equal time segments (0: the whole clip)
  std::vector<int> perturb;  ///< partial perturbation: the segments δ may touch (0-based)

  template <class V>
  void visit(V& v) {
    v.choice("domain", domain, {{"waveform", AttackDomain::waveform}, {"spectrogram", AttackDomain::spectrogram}},
             "where the perturbation lives: the samples, or the log-mel features");
    v("target", target,
      "class to reach; \"next\": the class after the clean prediction; empty: untargeted, away from the clean "
      "prediction");
    v("snr_db", snr_db, "budget: the perturbation's peak is at most rms(x)·10^(-snr_db/20)", Range::between(0, 120));
    v.choice("optimizer", optimizer, {{"pgd", AttackOptimizer::pgd}, {"sign_adam", AttackOptimizer::sign_adam}},
             "pgd: projected signed-gradient steps; sign_adam: Adam on the gradient's sign (Praher et al.)");
    v("iterations", iterations, "most optimisation steps", Range::between(1, 100000));
    v("step", step, "step (pgd) or Adam learning rate (sign_adam) as a fraction of the budget",
      Range{0.0, 1.0, true, false});
    v("random_start", random_start, "pgd: start from a uniform draw inside the budget");
    v("confidence", confidence,
      "go on until the adversarial label holds with this probability (0: stop at the first label change)",
      Range{0.0, 1.0, false, true});
    v("seed", seed, "seed of the random start");
    v("segments", segments, "partial perturbation: equal time segments (0: the whole clip)", Range::between(0, 10000));
    v("perturb", perturb, "partial perturbation: the segments the perturbation may touch (0-based)");
  }
  /// `perturb` within [0, segments) without repeats, non-empty exactly when segments > 0.
  void validate() const;
};

struct AttackResult {
  AttackDomain domain = AttackDomain::waveform;
  bool success = false;
  int clean_class = -1;        ///< the model's label of the clean clip
  int target = -1;             ///< the class aimed at (-1: untargeted)
  int adversarial_class = -1;  ///< the label of the final adversarial input
  int iterations = 0;          ///< steps taken
  double epsilon = 0.0;        ///< the L∞ budget in the domain's units
  double linf = 0.0;           ///< ‖δ‖∞ reached
  double snr_db = 0.0;         ///< 10 log10(‖x‖² / ‖δ‖²) reached (in the domain: samples or log-mel values)
  std::vector<double> clean_probabilities;
  std::vector<double> adversarial_probabilities;
  std::vector<float> delta;      ///< waveform: the perturbation, one value per sample
  Matrix<float> delta_features;  ///< spectrogram: the perturbation [n_mels × frames]
  Matrix<float> clean_features;  ///< the clean clip's features [n_mels × frames] (core/'s front-end)
  /// The time span δ was allowed to touch, in seconds of the clip ([0, duration] when not partial), one
  /// pair per perturbed segment.
  std::vector<std::pair<double, double>> perturbed_seconds;

  /// The adversarial waveform x + δ (waveform attacks; Error for spectrogram ones).
  Audio adversarial_audio(const Audio& clean) const;
  /// The adversarial features: x's features + δ (spectrogram), or the front-end of x + δ (waveform).
  Matrix<float> adversarial_features(const models::Model& model, const Audio& clean) const;
};

/// Attacks `clip` (mono at the model's front-end rate) by `options`. The waveform domain needs
/// WhiteBox::waveform_gradients, the spectrogram domain WhiteBox::input_gradients
/// (UnsupportedModelError naming the model otherwise); ConfigError for an unknown target class or
/// partial options that do not fit the clip.
AttackResult attack(const models::Model& model, const Audio& clip, const AttackOptions& options);

/// Name of a domain ("waveform" / "spectrogram").
std::string domain_name(AttackDomain d);

}  // namespace hearsay::metrics
