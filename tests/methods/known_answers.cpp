#include "tests/methods/known_answers.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>

#include "metrics/rank_correlation.h"
#include "tests/support/toys.h"

namespace hearsay::testing {

namespace {

// Distinct weights of both signs, at least 0.15 apart, summing to 1.2: with the bias of -0.6 a clip
// with half its components kept sits near logit 0, where the probability is far from saturating.
const std::vector<double> kAdditiveWeights{1.2, -0.9, 0.6, -0.3, 0.15, 0.9, -0.6, 0.3, -1.2, 0.45, -0.15, 0.75};
constexpr double kAdditiveBias = -0.6;

// Component 5 outweighs every other five times over; the pairs make the rest of the game non-additive.
const std::vector<double> kDominantWeights{0.2, -0.3, 0.1, 0.25, -0.15, 2.5, 0.3, -0.2, 0.05, 0.15, -0.1, 0.5};
const std::vector<PolynomialToy::Pair> kDominantPairs{{0, 1, 0.5}, {3, 7, -0.5}, {2, 8, 0.4}};
constexpr int64_t kDominant = 5;
constexpr double kDominantBias = -1.2;

const uint64_t kSeeds[] = {1, 2, 3};

std::string fixed(double v, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

std::string output_name(models::Output output) { return output == models::Output::logits ? "logit" : "probability"; }

// Runs one problem for every output and seed; `judge` turns an explanation into pass/fail + detail.
template <class Judge>
void run_problem(const std::string& problem, const methods::Explainer& explainer, const models::Model& toy, Judge judge,
                 KnownAnswerReport& report) {
  for (models::Output output : {models::Output::logits, models::Output::probabilities}) {
    if (output == models::Output::probabilities && explainer.capabilities().logit_only) continue;
    for (uint64_t seed : kSeeds) {
      KnownAnswerCheck check;
      check.problem = problem + ", " + output_name(output) + ", seed " + std::to_string(seed);
      try {
        check.passed = judge(explain_toy(explainer, toy, output, seed), check.detail);
      } catch (const std::exception& e) {
        check.passed = false;
        check.detail = std::string("threw: ") + e.what();
      }
      report.checks.push_back(std::move(check));
    }
  }
}

}  // namespace

bool KnownAnswerReport::passed() const {
  return !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const KnownAnswerCheck& c) { return c.passed; });
}

std::string KnownAnswerReport::reason() const {
  std::string out;
  for (const auto& c : checks)
    if (!c.passed) out += method + ": " + c.problem + ": " + c.detail + "\n";
  return out;
}

std::string KnownAnswerReport::summary() const {
  std::string out;
  for (const auto& c : checks)
    out += method + ": " + c.problem + ": " + (c.passed ? "passed, " : "FAILED, ") + c.detail + "\n";
  return out;
}

KnownAnswerReport check_known_answers(const methods::Explainer& explainer, double min_spearman) {
  KnownAnswerReport report;
  report.method = explainer.name();
  const DetectorToy additive(kAdditiveWeights, {}, kAdditiveBias);
  run_problem(
      "additive", explainer, additive,
      [&](const methods::Explanation& e, std::string& detail) {
        const std::optional<double> rho = metrics::spearman(e.scores, kAdditiveWeights);
        if (!rho) {
          detail = "every score is the same, no ranking to compare";
          return false;
        }
        const bool ok = *rho >= min_spearman;
        detail = "Spearman " + fixed(*rho, 3) + (ok ? " >= " : " < ") + fixed(min_spearman, 3);
        return ok;
      },
      report);
  const DetectorToy dominant(kDominantWeights, kDominantPairs, kDominantBias);
  run_problem(
      "dominant", explainer, dominant,
      [&](const methods::Explanation& e, std::string& detail) {
        const int64_t first = e.ranking().front();
        detail = "ranked " + e.names[static_cast<size_t>(first)] + " first" +
                 (first == kDominant ? "" : ", not the dominant " + e.names[static_cast<size_t>(kDominant)]);
        return first == kDominant;
      },
      report);
  return report;
}

methods::Explanation explain_toy(const methods::Explainer& explainer, const models::Model& toy, models::Output output,
                                 uint64_t seed) {
  const EchoFactorization f(static_cast<int64_t>(toy.input_frames()));
  methods::Evaluator evaluator(toy, f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = output;
  request.seed = seed;
  return explainer.explain(request);
}

std::unique_ptr<PolynomialToy> auto_sampling_easy_toy() {
  return std::make_unique<PolynomialToy>(std::vector<double>{2.0, 0.4, -0.3, 0.3, -0.2, 0.25, 0.1, -0.35, 0.15, 0.2},
                                         std::vector<PolynomialToy::Pair>{{1, 2, 0.6}, {3, 4, -0.5}, {6, 7, 0.5}},
                                         -1.0);
}

std::unique_ptr<PolynomialToy> auto_sampling_hard_toy() {
  return std::make_unique<PolynomialToy>(
      std::vector<double>{1.0, 0.97, 0.94, 0.3, -0.2, 0.25, 0.1, -0.35, 0.15, 0.2},
      std::vector<PolynomialToy::Pair>{{0, 3, 0.8}, {1, 4, -0.8}, {2, 7, 0.8}, {5, 6, 0.7}, {8, 9, -0.7}}, -1.5);
}

methods::TestProfile test_profile(const std::string& name) {
  return methods::explainer_registry().create(name)->test_profile();
}

std::unique_ptr<methods::Explainer> quick_explainer(const std::string& name) {
  return methods::explainer_registry().create(name, test_profile(name).quick_options);
}

models::Output suite_output(const std::string& name, models::Output wanted) {
  return methods::explainer_registry().create(name)->capabilities().logit_only ? models::Output::logits : wanted;
}

KnownAnswerReport check_known_answers(const std::string& name) {
  return check_known_answers(*quick_explainer(name), test_profile(name).min_spearman);
}

}  // namespace hearsay::testing
