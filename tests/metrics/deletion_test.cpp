// The `deletion` metric's known answers on an additive toy (issue 13): the true ordering's deletion
// curve is the lowest possible, a random explanation's AUC falls inside the random reference, and the
// ideal curve (exact Shapley's order) is the true order's. ROAD's noisy linear imputation reproduces a
// linear ramp and a constant, and the ROAD curves run on patch factorizations only (by default), the
// same for any thread count.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "core/parallel.h"
#include "core/random.h"
#include "factorizations/label_map_factorization.h"
#include "metrics/deletion.h"
#include "metrics/road_imputation.h"
#include "tests/metrics/three_stems.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

using hearsay::testing::EchoFactorization;
using hearsay::testing::PolynomialToy;

const std::vector<double> kWeights{0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1};

methods::Explanation explained(std::vector<double> scores, const EchoFactorization& f) {
  methods::Explanation e;
  e.method = "toy";
  e.names = f.names();
  e.scores = std::move(scores);
  e.target = 0;
  e.output = models::Output::logits;
  return e;
}

MetricResult deletion(const methods::Explanation& e, const EchoFactorization& f, const PolynomialToy& toy,
                      nlohmann::json options = nlohmann::json::object(),
                      const methods::Explanation* reference = nullptr) {
  methods::Evaluator evaluator(toy, f);
  MetricInput input;
  input.explanation = &e;
  input.factorization = &f;
  input.evaluator = &evaluator;
  input.reference = reference;
  // The toys' outputs are logits with known sums: the curves follow the output the explanation explained.
  if (!options.contains("output")) options["output"] = "explained";
  return metric_registry().create("deletion", options)->evaluate(input);
}

// Methods explain logits or probabilities; by default the curves track the probability either way, so
// that methods are compared in one unit; "logit" and "explained" follow the option.
TEST(Deletion, CurvesTrackTheProbabilityByDefaultWhateverTheExplanationExplained) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const methods::Explanation e = explained(kWeights, f);
  ASSERT_EQ(e.output, models::Output::logits);
  methods::Evaluator evaluator(toy, f);
  const std::vector<uint8_t> all(8, 1);
  const double probability = evaluator.output(all, e.target, models::Output::probabilities);
  const double logit = evaluator.output(all, e.target, models::Output::logits);
  ASSERT_NE(probability, logit);
  const MetricResult by_default = deletion(e, f, toy, {{"output", "probability"}});
  EXPECT_EQ(metric_registry().create("deletion")->options().at("output"), "probability");
  EXPECT_EQ(by_default.extra.at("output"), "probability");
  EXPECT_NEAR(by_default.curve.front(), probability, 1e-9);
  const MetricResult as_logit = deletion(e, f, toy, {{"output", "logit"}});
  EXPECT_EQ(as_logit.extra.at("output"), "logit");
  EXPECT_NEAR(as_logit.curve.front(), logit, 1e-9);
  EXPECT_NEAR(deletion(e, f, toy, {{"output", "explained"}}).curve.front(), logit, 1e-9);
  EXPECT_THROW_WITH(metric_registry().create("deletion", {{"output", "prob"}}), ConfigError, "output", "probability",
                    "logit", "explained");
}

TEST(Deletion, TrapezoidAreaByHand) {
  EXPECT_DOUBLE_EQ(normalized_auc({1.0, 0.0}), 0.5);
  EXPECT_DOUBLE_EQ(normalized_auc({2.0, 1.0, 1.0}), 1.25);  // (1.5 + 1) / 2
  EXPECT_THROW_WITH(normalized_auc({1.0}), ShapeError, "at least 2 points");
}

// On f(S) = bias + Σ_{i∈S} w_i, removing in decreasing w leaves the least at every step: no order's
// deletion curve lies below it anywhere, so its AUC is the least of all 8! orders; insertion mirrors it.
TEST(Deletion, TheTrueOrderingIsTheLowestDeletionCurveOnAnAdditiveToy) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const MetricResult truth = deletion(explained(kWeights, f), f, toy);
  ASSERT_TRUE(truth.value);
  ASSERT_EQ(truth.curve.size(), 9u);
  EXPECT_NEAR(truth.curve.front(), 0.3 + 2.6, 1e-5);  // every component kept: bias + Σ w
  EXPECT_NEAR(truth.curve.back(), 0.3, 1e-6);         // none kept
  std::vector<int64_t> order(8);
  std::iota(order.begin(), order.end(), 0);
  double least = 1e9;
  do {
    std::vector<double> curve{0.3};
    for (const double w : kWeights) curve.front() += w;
    for (const int64_t i : order) curve.push_back(curve.back() - kWeights[static_cast<size_t>(i)]);
    least = std::min(least, normalized_auc(curve));
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_NEAR(*truth.value, least, 1e-5);
  // The reversed ranking is the worst: its deletion AUC is the highest, above the random interval.
  std::vector<double> reversed(kWeights);
  for (auto& w : reversed) w = -w;
  const MetricResult worst = deletion(explained(reversed, f), f, toy);
  const auto& random = truth.extra.at("random_deletion_auc");
  EXPECT_LT(*truth.value, random.at("low").get<double>());
  EXPECT_GT(*worst.value, random.at("high").get<double>());
  EXPECT_GT(truth.extra.at("insertion_auc").get<double>(),
            truth.extra.at("random_insertion_auc").at("high").get<double>());
  EXPECT_EQ(truth.extra.at("insertion_curve").size(), 9u);
  EXPECT_EQ(truth.extra.at("random_deletion_curve").size(), 9u);
  EXPECT_GT(truth.extra.at("evaluations").get<int64_t>(), 0);
}

// Random scores carry no information: their AUC lies inside the reference's 95 % interval (checked
// for 20 seeds of scores: at least 18 inside, as a 95 % interval allows).
TEST(Deletion, ARandomExplanationFallsInsideTheRandomReference) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  int inside = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    std::vector<double> scores(8);
    for (auto& s : scores) s = rng.uniform();
    const MetricResult r = deletion(explained(scores, f), f, toy, {{"random_orders", 200}});
    const auto& random = r.extra.at("random_deletion_auc");
    inside += *r.value >= random.at("low").get<double>() && *r.value <= random.at("high").get<double>();
  }
  EXPECT_GE(inside, 18);
}

TEST(Deletion, TheReferenceDependsOnTheSeedAloneAndOptionsAreChecked) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const MetricResult a = deletion(explained(kWeights, f), f, toy);
  const MetricResult b = deletion(explained({1, 2, 3, 4, 5, 6, 7, 8}, f), f, toy);
  EXPECT_EQ(a.extra.at("random_deletion_auc"), b.extra.at("random_deletion_auc"));
  const MetricResult c = deletion(explained(kWeights, f), f, toy, {{"seed", 2}});
  EXPECT_NE(a.extra.at("random_deletion_auc"), c.extra.at("random_deletion_auc"));
  EXPECT_THROW_WITH(metric_registry().create("deletion", {{"random_orders", 1}}), ConfigError, "random_orders");
  // Without a model the metric is refused by the base class, naming it.
  MetricInput input;
  const auto e = explained(kWeights, f);
  input.explanation = &e;
  input.factorization = &f;
  EXPECT_THROW(metric_registry().create("deletion")->evaluate(input), Error);
}

// Exact Shapley values of an additive model are its terms, so the ideal curve follows the true order:
// it equals the true ranking's curve, and a wrong explanation's deletion AUC lies above it.
TEST(Deletion, TheIdealCurveOfExactShapleyIsTheTrueOrdersOnAnAdditiveToy) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  methods::Evaluator evaluator(toy, f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  const methods::Explanation exact = methods::explainer_registry().create("exact_shapley")->explain(request);
  EXPECT_EQ(metric_registry().create("deletion")->reference_method(), "exact_shapley");

  const MetricResult truth = deletion(explained(kWeights, f), f, toy, {}, &exact);
  EXPECT_EQ(truth.extra.at("ideal_deletion_curve").get<std::vector<double>>(), truth.curve);
  EXPECT_EQ(truth.extra.at("ideal_insertion_curve"), truth.extra.at("insertion_curve"));
  EXPECT_DOUBLE_EQ(truth.extra.at("ideal_deletion_auc").get<double>(), *truth.value);
  EXPECT_DOUBLE_EQ(truth.extra.at("ideal_insertion_auc").get<double>(), truth.extra.at("insertion_auc").get<double>());
  EXPECT_FALSE(truth.extra.contains("ideal_reason"));

  // Swapping the two largest weights' places in the ranking is wrong, and costs area.
  std::vector<double> wrong(kWeights);
  std::swap(wrong[2], wrong[5]);
  const MetricResult w = deletion(explained(wrong, f), f, toy, {}, &exact);
  EXPECT_GT(*w.value, w.extra.at("ideal_deletion_auc").get<double>() + 1e-3);
  EXPECT_LT(w.extra.at("insertion_auc").get<double>(), w.extra.at("ideal_insertion_auc").get<double>() - 1e-3);
  EXPECT_EQ(w.extra.at("ideal_deletion_curve"), truth.extra.at("ideal_deletion_curve"));
}

// No reference explanation (M > 20, or exact Shapley did not run) leaves the metric whole: only the
// ideal extras are missing, and the reason says why.
TEST(Deletion, WithoutTheIdealReferenceTheMetricStillAppliesAndSaysWhy) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const MetricResult r = deletion(explained(kWeights, f), f, toy);
  ASSERT_TRUE(r.value);
  EXPECT_FALSE(r.extra.contains("ideal_deletion_auc"));
  EXPECT_NE(r.extra.at("ideal_reason").get<std::string>().find("'exact_shapley' has no explanation"),
            std::string::npos);

  std::vector<double> weights(21, 0.1);
  weights[3] = 2.0;
  const PolynomialToy wide(weights, {}, 0.0);
  const EchoFactorization f21(21);
  const MetricResult many = deletion(explained(weights, f21), f21, wide, {{"random_orders", 2}});
  ASSERT_TRUE(many.value);
  EXPECT_NE(many.extra.at("ideal_reason").get<std::string>().find("at most 20 components, this factorization has 21"),
            std::string::npos);

  // "" turns the ideal curve off: no reference is asked for.
  const auto off = metric_registry().create("deletion", {{"ideal_reference", ""}});
  EXPECT_EQ(off->reference_method(), "");
  EXPECT_NE(deletion(explained(kWeights, f), f, toy, {{"ideal_reference", ""}})
                .extra.at("ideal_reason")
                .get<std::string>()
                .find("empty"),
            std::string::npos);
  // A reference by another method than the one named, or a name that is no method, is refused.
  auto lime = explained(kWeights, f);
  lime.method = "lime";
  EXPECT_THROW_WITH(deletion(explained(kWeights, f), f, toy, {}, &lime), ConfigError, "'lime'", "'exact_shapley'");
  EXPECT_THROW_WITH(metric_registry().create("deletion", {{"ideal_reference", "shapley"}}), ConfigError,
                    "ideal_reference", "'shapley'", "exact_shapley", "kernel_shap");
}

Matrix<float> ramp(int64_t rows, int64_t cols) {
  Matrix<float> x(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) x(r, c) = static_cast<float>(2.0 * r - 0.5 * c + 3.0);
  return x;
}

std::vector<uint8_t> holes(const Matrix<float>& x, const std::vector<std::pair<int64_t, int64_t>>& cells) {
  std::vector<uint8_t> removed(static_cast<size_t>(x.size()), 0);
  for (const auto& [r, c] : cells) removed[static_cast<size_t>(r * x.cols() + c)] = 1;
  return removed;
}

// The weighted mean of the 8 neighbours of a linear function is its centre value (the weights are
// symmetric), so the joint solution over an interior hole is the ramp itself.
TEST(RoadImputation, ALinearRampWithHolesIsReproduced) {
  const Matrix<float> x = ramp(12, 15);
  std::vector<std::pair<int64_t, int64_t>> cells{{8, 11}};
  for (int64_t r = 2; r < 6; ++r)
    for (int64_t c = 3; c < 9; ++c) cells.emplace_back(r, c);
  const Matrix<float> filled = impute_from_neighbours(x, holes(x, cells), 0.0, 1);
  for (int64_t c = 0; c < x.size(); ++c) EXPECT_NEAR(filled.data()[c], x.data()[c], 1e-4) << "cell " << c;
  // The fill is not a copy of what was there: a hole in a map whose hole holds other values is filled
  // from the border alone.
  Matrix<float> spoiled = x;
  for (const auto& [r, c] : cells) spoiled(r, c) = 100.0f;
  EXPECT_EQ(impute_from_neighbours(spoiled, holes(x, cells), 0.0, 1), filled);
}

// One hole is the weighted mean of its neighbours, edge ones 1/6 and diagonal ones 1/12 (Rong et al.);
// at a corner only the three neighbours inside the map count, their weights renormalised (5/12 in all).
TEST(RoadImputation, OneHoleIsTheWeightedMeanOfItsNeighbours) {
  Matrix<float> x(5, 5, 0.0f);
  x(1, 1) = 12.0f;  // diagonal to (2, 2)
  x(2, 3) = 6.0f;   // beside (2, 2)
  EXPECT_NEAR(impute_from_neighbours(x, holes(x, {{2, 2}}), 0.0, 1)(2, 2), 12.0 / 12 + 6.0 / 6, 1e-6);
  Matrix<float> corner(4, 4, 0.0f);
  corner(0, 1) = 5.0f;
  corner(1, 1) = 10.0f;
  EXPECT_NEAR(impute_from_neighbours(corner, holes(corner, {{0, 0}}), 0.0, 1)(0, 0), (5.0 / 6 + 10.0 / 12) / (5.0 / 12),
              1e-5);
}

// Every equation holds for a constant, at the map's border and corners too (the weights of the
// neighbours inside the map are renormalised).
TEST(RoadImputation, AConstantMapStaysConstantUpToItsBorder) {
  const Matrix<float> x(6, 9, -42.5f);
  std::vector<std::pair<int64_t, int64_t>> cells;
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 5; ++c) cells.emplace_back(r, c);
  cells.emplace_back(5, 8);
  const Matrix<float> filled = impute_from_neighbours(x, holes(x, cells), 0.0, 1);
  for (const float v : filled.values()) EXPECT_NEAR(v, -42.5f, 1e-4);
}

TEST(RoadImputation, NoiseIsSeededOnRemovedCellsOnlyAndOfTheAskedDeviation) {
  const Matrix<float> x(40, 50, 1.0f);
  std::vector<std::pair<int64_t, int64_t>> cells;
  for (int64_t r = 5; r < 35; ++r)
    for (int64_t c = 5; c < 45; ++c) cells.emplace_back(r, c);
  const auto removed = holes(x, cells);
  const Matrix<float> a = impute_from_neighbours(x, removed, 0.5, 7);
  EXPECT_EQ(impute_from_neighbours(x, removed, 0.5, 7), a);
  EXPECT_FALSE(impute_from_neighbours(x, removed, 0.5, 8) == a);
  double sum2 = 0.0;
  for (int64_t c = 0; c < x.size(); ++c) {
    if (!removed[static_cast<size_t>(c)]) {
      EXPECT_EQ(a.data()[c], 1.0f);
      continue;
    }
    sum2 += (a.data()[c] - 1.0) * (a.data()[c] - 1.0);
  }
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(cells.size())), 0.5, 0.03);  // 1200 draws: ±2 %
  // The same cell meets the same noise whichever other cells are removed.
  std::vector<uint8_t> fewer = removed;
  fewer[static_cast<size_t>(5 * 50 + 5)] = 0;
  const Matrix<float> b = impute_from_neighbours(x, fewer, 0.5, 7);
  EXPECT_NEAR(b(20, 25) - 1.0, a(20, 25) - 1.0, 1e-3);

  EXPECT_THROW_WITH(impute_from_neighbours(x, std::vector<uint8_t>(x.size(), 1), 0.0, 1), ShapeError, "every cell",
                    "nothing to impute");
  EXPECT_THROW_WITH(impute_from_neighbours(x, std::vector<uint8_t>(3, 1), 0.0, 1), ShapeError, "3 cells", "40 x 50");
}

// ROAD on the three-stems clip: tf_grid patches get it, the stems factorization (waveform) does not.
class Road : public testing::ThreeStems {
 protected:
  void SetUp() override {
    ThreeStems::SetUp();
    const auto clip = hearsay::testing::stem_clip(3.0, 22050, 7);
    grid_ = factorizations::factorizer_registry()
                .create("tf_grid", {{"time_segments", 6}, {"frequency_bands", 4}})
                ->factorize({clip.mix, clip.stems}, front_end_);
    // Class 0 reads the upper half of the mel bands of each 1 s window.
    Matrix<float> region(front_end_.n_mels(), kWindow, 0.0f);
    for (int64_t m = front_end_.n_mels() / 2; m < front_end_.n_mels(); ++m)
      for (int64_t t = 0; t < kWindow; ++t) region(m, t) = 1.0f;
    model_ = std::make_unique<hearsay::testing::RegionToy>(FrontEndOptions{}, kWindow, region);
  }

  // Scores that rank the patches of the upper half first (by `sign` = 1) or last (-1).
  methods::Explanation upper_first(const factorizations::Factorization& f, double sign) const {
    methods::Explanation e;
    e.method = "toy";
    e.names = f.names();
    e.target = 0;
    e.output = models::Output::logits;
    for (int64_t i = 0; i < f.size(); ++i) {
      const Matrix<float> cells = f.indicator(i);
      double upper = 0.0;
      for (int64_t m = front_end_.n_mels() / 2; m < front_end_.n_mels(); ++m)
        for (int64_t t = 0; t < cells.cols(); ++t) upper += cells(m, t);
      e.scores.push_back(sign * (upper + 0.01 * static_cast<double>(i)));
    }
    return e;
  }

  MetricResult evaluate(const factorizations::Factorization& f, const methods::Explanation& e,
                        nlohmann::json options = {{"random_orders", 2}}) const {
    methods::Evaluator evaluator(*model_, f);
    MetricInput input;
    input.explanation = &e;
    input.factorization = &f;
    input.evaluator = &evaluator;
    if (!options.contains("output")) options["output"] = "explained";
    return metric_registry().create("deletion", options)->evaluate(input);
  }

  static constexpr int64_t kWindow = 43;
  std::unique_ptr<factorizations::Factorization> grid_;
  std::unique_ptr<hearsay::testing::RegionToy> model_;
};

TEST_F(Road, PatchesGetRoadCurvesAndWaveformsDoNotUnderAuto) {
  ASSERT_EQ(grid_->domain(), "features");
  const MetricResult r = evaluate(*grid_, upper_first(*grid_, 1.0));
  ASSERT_TRUE(r.extra.contains("road_deletion_auc")) << r.extra.dump();
  // 24 patches at k / 10, rounded to whole patches: 0, 2, 5, 7, 10, 12, 14, 17, 19, 22 removed.
  const auto fractions = r.extra.at("road_fractions").get<std::vector<double>>();
  ASSERT_EQ(fractions.size(), 10u);
  EXPECT_EQ(fractions.front(), 0.0);
  EXPECT_DOUBLE_EQ(fractions[1], 2.0 / 24);
  EXPECT_DOUBLE_EQ(fractions.back(), 22.0 / 24);
  const auto morf = r.extra.at("road_deletion_curve").get<std::vector<double>>();
  const auto lerf = r.extra.at("road_lerf_curve").get<std::vector<double>>();
  ASSERT_EQ(morf.size(), 10u);
  ASSERT_EQ(lerf.size(), 10u);
  EXPECT_EQ(morf.front(), r.curve.front());  // nothing removed: the clip's own output
  EXPECT_DOUBLE_EQ(r.extra.at("road_deletion_auc").get<double>(), mean_height(fractions, morf));
  EXPECT_EQ(r.extra.at("road_evaluations").get<int64_t>(), 18);
  EXPECT_GE(r.extra.at("evaluations").get<int64_t>(), 18 + 2 * 25);
  EXPECT_FALSE(r.extra.contains("road_reason"));

  // A point by hand: the 2 most relevant patches removed and imputed with step 0's noise.
  const auto order = upper_first(*grid_, 1.0).ranking();
  const Matrix<float> x = grid_->compose(std::vector<uint8_t>(static_cast<size_t>(grid_->size()), 1));
  std::vector<uint8_t> removed(static_cast<size_t>(x.size()), 0);
  for (const int64_t i : {order[0], order[1]}) {
    const Matrix<float> cells = grid_->indicator(i);
    for (int64_t c = 0; c < x.size(); ++c) removed[static_cast<size_t>(c)] |= cells.data()[c] > 0.5f;
  }
  double mean = 0.0, sum2 = 0.0;
  for (const float v : x.values()) mean += v / static_cast<double>(x.size());
  for (const float v : x.values()) sum2 += (v - mean) * (v - mean);
  const double sd = 0.01 * std::sqrt(sum2 / static_cast<double>(x.size()));
  const Matrix<float> imputed = impute_from_neighbours(x, removed, sd, derive_seed(1, 0));
  EXPECT_NEAR(morf[1], model_->logits_from_features(imputed.data(), 1, imputed.cols())(0, 0), 1e-6);

  const MetricResult stems = evaluate(*factorization_, upper_first(*factorization_, 1.0));
  EXPECT_FALSE(stems.extra.contains("road_deletion_auc"));
  EXPECT_NE(stems.extra.at("road_reason").get<std::string>().find("domain is 'waveform'"), std::string::npos);
  // Asked for, ROAD still refuses components that share cells (stems), and "off" turns it off.
  const MetricResult forced = evaluate(*factorization_, upper_first(*factorization_, 1.0), {{"road", "on"}});
  EXPECT_NE(forced.extra.at("road_reason").get<std::string>().find("share cells"), std::string::npos);
  const MetricResult off = evaluate(*grid_, upper_first(*grid_, 1.0), {{"road", "off"}, {"random_orders", 2}});
  EXPECT_FALSE(off.extra.contains("road_deletion_auc"));
  EXPECT_EQ(off.extra.at("evaluations").get<int64_t>() + 18, r.extra.at("evaluations").get<int64_t>());
  EXPECT_THROW_WITH(metric_registry().create("deletion", {{"road", "yes"}}), ConfigError, "road", "auto", "on", "off");
}

// A flat map with one raised patch, read by a model that sums the energy above silence: only the raised
// patch carries evidence, and imputing it from its flat neighbours removes it. Ranked first, the ROAD
// deletion curve falls at once; ranked last, it never falls (the patch is never removed before 100 %);
// least-relevant-first removal mirrors it.
TEST_F(Road, TheRoadCurveFallsWhenThePatchCarryingTheEvidenceIsRemoved) {
  const auto& patches = dynamic_cast<const factorizations::LabelMapFactorization&>(*grid_);
  const int32_t raised = 9;
  const float flat = front_end_.compress_value(0.0f) + 10.0f;
  Matrix<float> x(patches.n_mels(), patches.frames(), flat);
  for (int64_t c = 0; c < x.size(); ++c)
    if (patches.labels().data()[c] == raised) x.data()[c] = flat + 20.0f;
  const auto clip = hearsay::testing::stem_clip(3.0, 22050, 7);
  const factorizations::LabelMapFactorization f(front_end_, clip.mix, x, patches.labels(), patches.names(), {},
                                                nlohmann::json::object());
  model_ = std::make_unique<hearsay::testing::RegionToy>(FrontEndOptions{}, kWindow,
                                                         Matrix<float>(front_end_.n_mels(), kWindow, 1.0f));
  auto ranked = [&](double raised_score) {
    auto e = upper_first(f, 0.0);
    for (int64_t i = 0; i < f.size(); ++i) e.scores[static_cast<size_t>(i)] = 0.01 * static_cast<double>(i);
    e.scores[raised] = raised_score;
    return evaluate(f, e);
  };
  const MetricResult good = ranked(1.0);
  const MetricResult bad = ranked(-1.0);
  const auto good_morf = good.extra.at("road_deletion_curve").get<std::vector<double>>();
  const auto bad_morf = bad.extra.at("road_deletion_curve").get<std::vector<double>>();
  EXPECT_LT(good_morf[1], 0.99 * good_morf[0]);  // the raised patch is gone with the first point
  for (const double y : bad_morf) EXPECT_GE(y, 0.999 * bad_morf[0]);
  EXPECT_LT(good.extra.at("road_deletion_auc").get<double>(), bad.extra.at("road_deletion_auc").get<double>());
  EXPECT_GT(good.extra.at("road_lerf_auc").get<double>(), bad.extra.at("road_lerf_auc").get<double>());
}

TEST_F(Road, TheSameForOneAndTwoThreadsAndTheNoiseFollowsTheSeed) {
  const auto e = upper_first(*grid_, 1.0);
  set_num_threads(1);
  const MetricResult one = evaluate(*grid_, e);
  set_num_threads(2);
  const MetricResult two = evaluate(*grid_, e);
  set_num_threads(0);
  EXPECT_EQ(one.extra, two.extra);
  const MetricResult other = evaluate(*grid_, e, {{"random_orders", 2}, {"seed", 2}});
  EXPECT_NE(other.extra.at("road_deletion_curve"), one.extra.at("road_deletion_curve"));
  const MetricResult quiet = evaluate(*grid_, e, {{"random_orders", 2}, {"road_noise", 0.0}, {"seed", 2}});
  const MetricResult quiet_too = evaluate(*grid_, e, {{"random_orders", 2}, {"road_noise", 0.0}, {"seed", 3}});
  EXPECT_EQ(quiet.extra.at("road_deletion_curve"), quiet_too.extra.at("road_deletion_curve"));
}

}  // namespace
}  // namespace hearsay::metrics
