// Problems with known answers that every explainer must solve (after ensmallen's FunctionTest, where
// every optimizer must minimise the same test functions): toys whose true attribution is known in
// closed form, run at the method's quick options (Explainer::test_profile()). A function, not a list
// of EXPECTs, so that a test can also assert that a bad method fails it, and why.
//
//  - additive: class 0's logit is bias + Σ w_i x_i over 12 components with distinct weights of both
//    signs. Its attribution is w (the Shapley values, occlusion's differences, a linear surrogate's
//    coefficients, gradient × input); the scores must rank the components as w does, Spearman ≥ the
//    method's min_spearman. Explained as the logit, where w is exact, and as the probability, a
//    monotone function of it that every removal-based attribution ranks the same way.
//  - dominant: one component's weight is five times any other's, the others interact in pairs; the
//    dominant one must rank first.
// Each problem runs with three seeds. The toy is a DetectorToy, whose white-box layer has a channel per
// component, so gradient methods are asked the same questions on the layer they are designed for.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "methods/explainer.h"
#include "tests/support/toys.h"

namespace hearsay::testing {

/// One run of the harness: a problem, the output explained and a seed, and what it found.
struct KnownAnswerCheck {
  std::string problem;  ///< e.g. "additive, logit, seed 2"
  bool passed = false;
  std::string detail;  ///< e.g. "Spearman 0.97 >= 0.9", or the error the method threw
};

struct KnownAnswerReport {
  std::string method;
  std::vector<KnownAnswerCheck> checks;
  /// Every check passed (and there was at least one).
  bool passed() const;
  /// Why it failed: the failed checks, one per line; empty when it passed.
  std::string reason() const;
  /// Every check, one per line (for a log of what each method reached).
  std::string summary() const;
};

/// Runs `explainer` on every problem; `min_spearman` is the bar of the additive problem. A method that
/// throws fails that check with its message; the harness itself never throws for a method's failure.
KnownAnswerReport check_known_answers(const methods::Explainer& explainer, double min_spearman);

/// The registered method `name` at its quick options, against the bar it declares (its TestProfile).
KnownAnswerReport check_known_answers(const std::string& name);

/// The test profile the registered method `name` declares.
methods::TestProfile test_profile(const std::string& name);

/// The registered method `name` created with its quick options.
std::unique_ptr<methods::Explainer> quick_explainer(const std::string& name);

/// `explainer` on `toy` (a PolynomialToy or DetectorToy over an EchoFactorization), class 0, `output`, `seed`.
methods::Explanation explain_toy(const methods::Explainer& explainer, const models::Model& toy, models::Output output,
                                 uint64_t seed);

/// Toys for num_samples "auto" (methods/auto_samples.h), explained as the probability: PolynomialToys
/// of 10 components whose pairs make a linear surrogate inexact, so that its coefficients vary from
/// one perturbation sample to the next.
///  - easy: component 0's weight is five times any other's; its place at the top (k = 1) is settled
///    by the smallest sample (LIME's limit: 0.41 against 0.14 next).
///  - hard: components 0 and 2, with their pairs, are near-tied for the top (LIME's limit: 0.269 and
///    0.261); which is first takes thousands of perturbations to settle.
std::unique_ptr<PolynomialToy> auto_sampling_easy_toy();
std::unique_ptr<PolynomialToy> auto_sampling_hard_toy();

/// The output the shared suites ask `name` to explain: `wanted`, except the logit for a method that
/// explains logits only (Capabilities::logit_only, e.g. LRP).
models::Output suite_output(const std::string& name, models::Output wanted = models::Output::probabilities);

}  // namespace hearsay::testing
