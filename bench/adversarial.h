// The adversarial experiment of a bench study (Praher et al., ISMIR 2021): each chosen clip is
// attacked once (a cache entry, so every factorization, method, shard and later run explains the
// same adversarial example), every method explains the adversarial input, and the adversarial_flip
// metric asks whether putting the perturbation back on the explanation's top components flips the
// label, beside the norm oracle and random components.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/audio.h"
#include "core/error.h"
#include "core/options.h"
#include "metrics/adversarial_attack.h"
#include "models/model.h"

namespace hearsay::bench {

/// A study's `adversarial` option.
struct AdversarialSpec {
  metrics::AttackOptions attack;  ///< every attack option but segments / perturb (see partial_*)
  int k_max = 10;                 ///< flip curve up to k components
  int top_k = 3;                  ///< the flip rate's k (the veracity study's Table 1)
  /// partial perturbation: δ confined to partial_count of partial_segments equal time segments, drawn
  /// per clip from the bench seed (0: the whole clip)
  int partial_segments = 0;
  int partial_count = 1;

  AdversarialSpec() { attack.target = "next"; }

  template <class V>
  void visit(V& v) {
    v.choice("domain", attack.domain,
             {{"waveform", metrics::AttackDomain::waveform}, {"spectrogram", metrics::AttackDomain::spectrogram}},
             "where the perturbation lives: the samples, or the log-mel features");
    v("target", attack.target,
      "class to reach: a class name, \"next\" (the class after the clean prediction) or \"\" (untargeted)");
    v("snr_db", attack.snr_db, "budget: the perturbation's peak is at most rms(x)·10^(-snr_db/20)",
      Range::between(0, 120));
    v.choice("optimizer", attack.optimizer,
             {{"pgd", metrics::AttackOptimizer::pgd}, {"sign_adam", metrics::AttackOptimizer::sign_adam}},
             "pgd or sign_adam (Adam on the gradient's sign)");
    v("iterations", attack.iterations, "most optimisation steps", Range::between(1, 100000));
    v("step", attack.step, "step or learning rate as a fraction of the budget", Range{0.0, 1.0, true, false});
    v("random_start", attack.random_start, "pgd: start from a uniform draw inside the budget");
    v("confidence", attack.confidence,
      "go on until the adversarial label holds with this probability (0: stop at the first label change)",
      Range{0.0, 1.0, false, true});
    v("k_max", k_max, "flip curve for k = 1 .. k_max components", Range::between(1, 1000));
    v("top_k", top_k, "the flip rate's k", Range::between(1, 1000));
    v("partial_segments", partial_segments,
      "partial perturbation: equal time segments the clip is cut into (0: perturb the whole clip)",
      Range::between(0, 10000));
    v("partial_count", partial_count, "partial perturbation: how many of them the perturbation may touch",
      Range::at_least(1));
  }
  /// partial_count < partial_segments when partial. Inline: bench/config.cpp, which the options fuzzer
  /// builds alone, checks studies with it.
  void validate() const {
    HEARSAY_CHECK_AS(ConfigError, partial_segments == 0 || partial_count < partial_segments,
                     "adversarial: partial_count (", partial_count, ") must be below partial_segments (",
                     partial_segments, "), or the perturbation is not partial");
  }
};

/// Reads a study's `adversarial` option (null: none → nullopt is the caller's; here an object).
/// ConfigError naming `context` and the key.
AdversarialSpec read_adversarial(const nlohmann::json& j, const std::string& context);

/// The attack options of one clip: the spec's, with the partial segments drawn for `clip_id` and the
/// attack seeded from `seed` and the clip.
metrics::AttackOptions clip_attack_options(const AdversarialSpec& spec, const std::string& clip_id, uint64_t seed);

/// Attacks `clip` (the excerpt the study explains, at the model's rate) with `options`, or reads the
/// attack made earlier from <cache_dir>/attack-<key>, key = the model's and the clip's identity and
/// the options (bench/cache_entry.h: concurrent runs share it). The perturbation is stored as float32
/// samples or log-mel values, bit for bit.
metrics::AttackResult cached_attack(const models::Model& model, const Audio& clip,
                                    const metrics::AttackOptions& options, const nlohmann::json& identity,
                                    const std::string& cache_dir, std::ostream& log);

/// The attack's summary as records carry it: success, classes (names), iterations, epsilon, linf,
/// snr_db, perturbed_seconds.
nlohmann::json attack_summary(const metrics::AttackResult& a, const models::Model& model);

}  // namespace hearsay::bench
