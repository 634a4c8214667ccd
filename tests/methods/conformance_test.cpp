// Every registered explainer, enrolled automatically: it answers for every component with the
// factorization's names, gives identical results for the same seed whatever the thread count and batch
// size, refuses unknown options by name, and refuses bad targets before doing any work.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "methods/explainer.h"
#include "tests/methods/known_answers.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;
using testing::quick_explainer;

PolynomialToy additive() { return PolynomialToy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1}, {}, 0.3); }
PolynomialToy interacting() {
  return PolynomialToy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1}, {{0, 2, 1.0}, {3, 5, -0.8}}, 0.3);
}

Explanation run(const std::string& method, const models::Model& model, const factorizations::Factorization& f,
                int64_t batch, int threads, uint64_t seed = 7) {
  set_num_threads(threads);
  EvaluatorOptions eo;
  eo.batch_size = batch;
  Evaluator evaluator(model, f, eo);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.seed = seed;
  request.output = testing::suite_output(method);
  const Explanation e = quick_explainer(method)->explain(request);
  set_num_threads(0);
  return e;
}

class EveryExplainer : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryExplainer, ScoresEveryComponentByName) {
  const EchoFactorization f(8);
  for (const PolynomialToy& toy : {additive(), interacting()}) {
    const Explanation e = run(GetParam(), toy, f, 0, 1);
    ASSERT_EQ(e.scores.size(), 8u);
    EXPECT_EQ(e.names, f.names());
    EXPECT_EQ(e.method, GetParam());
    EXPECT_EQ(e.target, 0);  // the toy predicts class 0 on the full input
    EXPECT_EQ(e.target_name, "yes");
    for (double s : e.scores) EXPECT_TRUE(std::isfinite(s));
    EXPECT_GE(e.seconds, 0.0);
    EXPECT_EQ(e.options, quick_explainer(GetParam())->options());
    EXPECT_NO_THROW(nlohmann::json::parse(e.to_json().dump()));
  }
}

TEST_P(EveryExplainer, SameSeedSameResultForAnyThreadsAndBatchSize) {
  const EchoFactorization f(8);
  const PolynomialToy toy = interacting();
  const Explanation reference = run(GetParam(), toy, f, 1, 1);
  for (int threads : {1, 2})
    for (int64_t batch : {1, 7, 64}) {
      const Explanation e = run(GetParam(), toy, f, batch, threads);
      EXPECT_EQ(e.scores, reference.scores) << threads << " threads, batch " << batch;
      EXPECT_EQ(e.intercept, reference.intercept);
      EXPECT_EQ(e.evals, reference.evals);
    }
}

// Surrogate problems large enough for Eigen to parallelise a product (16 × 16 × 2000 multiply-adds;
// Eigen gives a product a second thread from 100 000), where the toy sizes above are not. Built with
// -fopenmp and without EIGEN_DONT_PARALLELIZE, the order of the sums followed the thread count, and
// LIME's and KernelSHAP's scores moved by 2e-16.
TEST_P(EveryExplainer, LargeSurrogateProblemsAreBitIdenticalForAnyThreadCount) {
  const EchoFactorization f(16);
  const PolynomialToy toy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1, 1.0, -0.5, 0.3, 0.8, -0.2, 0.6, 0.05, -1.2},
                          {{0, 2, 1.0}, {3, 5, -0.8}, {7, 11, 0.6}, {12, 14, -0.4}}, 0.3);
  auto explain = [&](int threads) {
    set_num_threads(threads);
    Evaluator evaluator(toy, f);
    ExplainRequest request;
    request.evaluator = &evaluator;
    request.seed = 5;
    request.output = testing::suite_output(GetParam());
    nlohmann::json options = testing::test_profile(GetParam()).quick_options;
    if (options.contains("num_samples")) options["num_samples"] = 2000;
    const Explanation e = explainer_registry().create(GetParam(), options)->explain(request);
    set_num_threads(0);
    return e;
  };
  const Explanation one = explain(1);
  const Explanation two = explain(2);
  EXPECT_EQ(one.scores, two.scores);
  EXPECT_EQ(one.intercept, two.intercept);
  EXPECT_EQ(one.r2, two.r2);
  EXPECT_EQ(one.diagnostics, two.diagnostics);
}

TEST_P(EveryExplainer, UnknownOptionIsAConfigErrorNamingIt) {
  EXPECT_THROW_WITH(explainer_registry().create(GetParam(), nlohmann::json{{"num_sample", 10}}), ConfigError,
                    GetParam(), "'num_sample'", "valid options");
}

TEST_P(EveryExplainer, BadTargetIsRefusedBeforeAnyWork) {
  const EchoFactorization f(4);
  const PolynomialToy toy({1, 2, 3, 4}, {});
  Evaluator evaluator(toy, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = testing::suite_output(GetParam());
  request.target = 5;
  EXPECT_THROW_WITH(explainer_registry().create(GetParam())->explain(request), ConfigError, "target class 5");
  request.target = -2;
  EXPECT_THROW_WITH(explainer_registry().create(GetParam())->explain(request), ConfigError, "target class -2",
                    "-1 for the predicted class");
  request.target = -1;
  request.target_name = "maybe";
  EXPECT_THROW_WITH(explainer_registry().create(GetParam())->explain(request), ConfigError, "'maybe'", "yes, no");
  EXPECT_EQ(evaluator.forward_passes(), 0);
}

// A method that explains logits only refuses the probability by name before any work; any other
// explains both.
TEST_P(EveryExplainer, ALogitOnlyMethodRefusesTheProbabilityBeforeAnyWork) {
  if (!explainer_registry().create(GetParam())->capabilities().logit_only) return;
  const EchoFactorization f(4);
  const PolynomialToy toy({1, 2, 3, 4}, {});
  Evaluator evaluator(toy, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = models::Output::probabilities;
  EXPECT_THROW_WITH(quick_explainer(GetParam())->explain(request), ConfigError, GetParam(),
                    "explains the target's logit only", "--output logit");
  EXPECT_EQ(evaluator.forward_passes(), 0);
}

TEST_P(EveryExplainer, ExplainsTheOtherClassWhenAsked) {
  const EchoFactorization f(8);
  const PolynomialToy toy = additive();
  Evaluator evaluator(toy, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 1;
  request.output = testing::suite_output(GetParam());
  const Explanation e = quick_explainer(GetParam())->explain(request);
  EXPECT_EQ(e.target_name, "no");
  ASSERT_EQ(e.scores.size(), 8u);
  ExplainRequest by_name;  // the same class by name: the same explanation
  by_name.evaluator = &evaluator;
  by_name.target_name = "no";
  by_name.output = request.output;
  const Explanation named = quick_explainer(GetParam())->explain(by_name);
  EXPECT_EQ(named.target, 1);
  EXPECT_EQ(named.scores, e.scores);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryExplainer, ::testing::ValuesIn(explainer_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

// The registry is the list of methods: an unknown name is refused with every registered one.
TEST(Registry, AnUnknownMethodIsRefusedWithEveryRegisteredName) {
  const std::vector<std::string> names = explainer_registry().names();
  ASSERT_FALSE(names.empty());
  std::string listed;
  for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
  EXPECT_THROW_WITH(explainer_registry().create("shap"), ConfigError, "unknown explainer 'shap'",
                    "valid names: " + listed);
}

TEST(Registry, WhiteBoxMethodsRefuseBlackBoxModels) {
  const EchoFactorization f(4);
  const PolynomialToy toy({1, 2, 3, 4}, {});
  const testing::BlackBox box(toy);
  Evaluator evaluator(box, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  for (const auto& name : explainer_registry().names()) {
    auto method = explainer_registry().create(name);
    if (!method->capabilities().needs_gradients) continue;
    EXPECT_THROW_WITH(method->explain(request), UnsupportedModelError, name, "black box");
    EXPECT_EQ(evaluator.forward_passes(), 0);
  }
}

}  // namespace
}  // namespace hearsay::methods
