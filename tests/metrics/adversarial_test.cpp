// Adversarial attacks in the feature domain and the flip-detection metric, on a toy whose only cue is
// one tf_grid component (of 4 time segments × 3 bands): class "cue" wins when the mean log-mel value of that
// component's cells rises above a threshold. So the one component that matters is known, and so are the answers: the
// norm oracle and exact Shapley flip at k = 1, a random explanation flips at k as often as the random reference (k /
// M), and a partial attack touches only its segments.
#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "factorizations/factorization.h"
#include "factorizations/label_map_factorization.h"
#include "methods/evaluator.h"
#include "methods/explainer.h"
#include "metrics/adversarial_attack.h"
#include "metrics/adversarial_flip.h"
#include "models/white_box.h"
#include "tests/support/signals.h"

namespace hearsay::metrics {
namespace {

constexpr int kRate = 22050;

// logits = [mean over `cells` of x − threshold, 0]; one window of the whole clip.
class CueToy : public models::Model, public models::WhiteBox {
 public:
  CueToy(int64_t frames, Matrix<uint8_t> cells, double threshold)
      : WhiteBox(static_cast<const models::Model&>(*this)),
        front_end_(FrontEndOptions{}),
        frames_(frames),
        cells_(std::move(cells)),
        threshold_(threshold) {
    for (int64_t c = 0; c < cells_.size(); ++c) count_ += cells_.data()[c];
  }
  std::string name() const override { return "cue toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return frames_; }
  const models::WhiteBox* white_box() const override { return this; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    Matrix<float> out(count, 2, 0.0f);
    for (int64_t w = 0; w < count; ++w) out(w, 0) = static_cast<float>(cue(windows + w * cells_.size()));
    return out;
  }
  std::vector<models::LayerInfo> layers() const override { return {{"input", "Identity", {1, 96, frames_}, {}}}; }
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string&, int target,
                                       models::Output output) const override {
    models::LayerGradient g;
    g.layer = "input";
    g.shape = {1, features.rows(), features.cols()};
    g.window_starts = {0};
    g.window_frames = frames_;
    g.activations = features.values();
    const double l0 = cue(features.data());
    const double p0 = 1.0 / (1.0 + std::exp(-l0));
    double slope = target == 0 ? 1.0 : 0.0;
    if (output == models::Output::probabilities) slope = target == 0 ? p0 * (1.0 - p0) : -p0 * (1.0 - p0);
    g.gradients.assign(features.values().size(), 0.0f);
    for (int64_t c = 0; c < cells_.size(); ++c)
      if (cells_.data()[c]) g.gradients[static_cast<size_t>(c)] = static_cast<float>(slope / count_);
    g.output = output == models::Output::logits
                   ? std::vector<float>{static_cast<float>(l0), 0.0f}
                   : std::vector<float>{static_cast<float>(p0), static_cast<float>(1 - p0)};
    return g;
  }

 private:
  double cue(const float* x) const {
    double sum = 0.0;
    for (int64_t c = 0; c < cells_.size(); ++c)
      if (cells_.data()[c]) sum += x[c];
    return sum / count_ - threshold_;
  }
  FrontEnd front_end_;
  int64_t frames_;
  Matrix<uint8_t> cells_;
  double threshold_;
  double count_ = 0.0;
  std::vector<std::string> classes_{"cue", "other"};
};

class AdversarialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clip_ = hearsay::testing::stem_clip(3.0, kRate, 11).mix;
    source_.audio = clip_;
    grid_ = factorizations::factorizer_registry().create("tf_grid", {{"time_segments", 4}, {"frequency_bands", 3}});
    const auto clean = grid_->factorize(source_, FrontEnd(FrontEndOptions{}));
    cue_component_ = 6;
    const Matrix<float> cells = clean->indicator(cue_component_);
    Matrix<uint8_t> mask(cells.rows(), cells.cols(), 0);
    double mean = 0.0, count = 0.0;
    const Matrix<float> x = FrontEnd(FrontEndOptions{}).features(clip_);
    for (int64_t c = 0; c < cells.size(); ++c)
      if (cells.data()[c] > 0) {
        mask.data()[c] = 1;
        mean += x.data()[c];
        count += 1;
      }
    mean /= count;
    // The clean clip is "other" by 2 units of mean log-mel (dB) on the cue's cells.
    model_ = std::make_unique<CueToy>(x.cols(), std::move(mask), mean + 2.0);
  }

  // A hand-made spectrogram perturbation: +3 dB on the cue's cells (enough to flip), ±1 dB noise on
  // every other cell (more cells, but less energy per component).
  AttackResult hand_made() const {
    AttackResult a;
    a.domain = AttackDomain::spectrogram;
    a.clean_features = model_->features(clip_);
    a.delta_features = Matrix<float>(a.clean_features.rows(), a.clean_features.cols(), 0.0f);
    Rng rng(3);
    const auto clean = grid_->factorize(source_, model_->front_end());
    const Matrix<float> cue = clean->indicator(cue_component_);
    for (int64_t c = 0; c < cue.size(); ++c)
      a.delta_features.data()[c] = cue.data()[c] > 0 ? 3.0f : static_cast<float>(rng.uniform(-1.0, 1.0));
    a.clean_class = 1;
    a.adversarial_class = 0;
    a.target = 0;
    a.success = true;
    a.perturbed_seconds = {{0.0, clip_.duration()}};
    return a;
  }

  struct Setup {
    factorizations::FactorizationInput input;
    std::unique_ptr<factorizations::Factorization> explained;
    std::unique_ptr<factorizations::Factorization> flips;
    std::unique_ptr<methods::Evaluator> evaluator;
    AdversarialContext context;
  };
  std::unique_ptr<Setup> setup(const AttackResult& a) const {
    auto s = std::make_unique<Setup>();
    s->input = source_;
    s->input.features = a.adversarial_features(*model_, clip_);
    s->explained = grid_->factorize(s->input, model_->front_end());
    s->flips = flip_factorization(*s->explained, "tf_grid", source_, a, model_->front_end(), s->context.delta_energy);
    s->evaluator = std::make_unique<methods::Evaluator>(*model_, *s->flips);
    s->context.clean_class = a.clean_class;
    s->context.adversarial_class = a.adversarial_class;
    s->context.attack_succeeded = a.success;
    s->context.flips = s->flips.get();
    s->context.evaluator = s->evaluator.get();
    s->context.perturbed = perturbed_components(*s->explained, a, clip_.duration());
    return s;
  }

  MetricResult flip(const Setup& s, const methods::Explanation& e, int k_max = 10) const {
    MetricInput in;
    in.explanation = &e;
    in.factorization = s.explained.get();
    in.adversarial = &s.context;
    return metric_registry().create("adversarial_flip", {{"k_max", k_max}})->evaluate(in);
  }

  methods::Explanation explain(const Setup& s, const std::string& method) const {
    methods::Evaluator ev(*model_, *s.explained);
    methods::ExplainRequest r;
    r.evaluator = &ev;
    r.target = 0;
    r.output = models::Output::logits;
    return methods::explainer_registry().create(method, nlohmann::json::object())->explain(r);
  }

  Audio clip_;
  factorizations::FactorizationInput source_;
  std::unique_ptr<factorizations::Factorizer> grid_;
  int64_t cue_component_ = 0;
  std::unique_ptr<CueToy> model_;
};

TEST_F(AdversarialTest, OracleAndExactShapleyFlipAtOneComponent) {
  const auto s = setup(hand_made());
  // Every part of δ put back flips; the cue's part carries the most energy.
  EXPECT_EQ(model_->class_index("cue"), 0);
  const auto e = explain(*s, "exact_shapley");
  EXPECT_EQ(e.ranking()[0], cue_component_);
  const MetricResult r = flip(*s, e);
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_EQ(*r.value, 1.0);
  EXPECT_EQ(r.curve.at(0), 1.0);
  EXPECT_EQ(r.extra.at("oracle_curve").at(0).get<double>(), 1.0);
  EXPECT_EQ(r.extra.at("first_flip"), 1);
  EXPECT_EQ(r.extra.at("oracle_first_flip"), 1);
  // Exact Shapley scores only the cue positive: adding it alone flips, as does the same count by norm.
  EXPECT_EQ(r.extra.at("positive_count"), 1);
  EXPECT_EQ(r.extra.at("flip_positive"), 1);
  EXPECT_EQ(r.extra.at("oracle_flip_positive"), 1);
  // The random reference: P(the cue among k of 12) = k / 12, estimated from 512 draws (standard
  // error at most 0.022).
  MetricInput in;
  in.explanation = &e;
  in.factorization = s->explained.get();
  in.adversarial = &s->context;
  const MetricResult many =
      metric_registry().create("adversarial_flip", {{"k_max", 10}, {"random_draws", 512}})->evaluate(in);
  const auto random = many.extra.at("random_curve").get<std::vector<double>>();
  for (size_t k = 1; k <= random.size(); ++k) EXPECT_NEAR(random[k - 1], k / 12.0, 0.08) << "k = " << k;
}

TEST_F(AdversarialTest, ExplanationMissingTheCueDoesNotFlip) {
  const auto s = setup(hand_made());
  methods::Explanation e;
  e.method = "wrong";
  e.names = s->explained->names();
  e.scores.assign(12, 0.0);
  for (int64_t i = 0; i < 12; ++i) e.scores[static_cast<size_t>(i)] = i == cue_component_ ? -1.0 : 12.0 - i;
  const MetricResult r = flip(*s, e, 5);
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_EQ(*r.value, 0.0);
  for (double v : r.curve) EXPECT_EQ(v, 0.0);
  EXPECT_TRUE(r.extra.at("first_flip").is_null());
  EXPECT_EQ(r.extra.at("flip_positive"), 0);  // 11 positive components, none of them the cue
  EXPECT_EQ(r.extra.at("oracle_flip_positive"), 1);
}

TEST_F(AdversarialTest, RandomExplanationsFlipAsOftenAsTheRandomReference) {
  const auto s = setup(hand_made());
  const int k_max = 6;
  std::vector<double> mean(k_max, 0.0);
  std::vector<double> reference;
  const int explanations = 400;
  Rng rng(17);
  for (int n = 0; n < explanations; ++n) {
    methods::Explanation e;
    e.method = "random";
    e.names = s->explained->names();
    for (int i = 0; i < 12; ++i) e.scores.push_back(rng.uniform());
    const MetricResult r = flip(*s, e, k_max);
    ASSERT_TRUE(r.value) << r.reason;
    for (int k = 0; k < k_max; ++k) mean[static_cast<size_t>(k)] += r.curve[static_cast<size_t>(k)] / explanations;
    reference = r.extra.at("random_curve").get<std::vector<double>>();
  }
  for (int k = 1; k <= k_max; ++k) {
    // 400 explanations: the standard error of a rate near 0.3 is 0.023; the reference's (32 draws) 0.08.
    EXPECT_NEAR(mean[static_cast<size_t>(k - 1)], k / 12.0, 0.07) << "k = " << k;
    EXPECT_NEAR(mean[static_cast<size_t>(k - 1)], reference[static_cast<size_t>(k - 1)], 0.25) << "k = " << k;
  }
}

TEST_F(AdversarialTest, NotApplicableWithoutAnAdversarialInput) {
  const auto s = setup(hand_made());
  const auto e = explain(*s, "occlusion");
  MetricInput in;
  in.explanation = &e;
  in.factorization = s->explained.get();
  const MetricResult r = metric_registry().create("adversarial_flip", nlohmann::json::object())->evaluate(in);
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.reason.find("not an adversarial example"), std::string::npos) << r.reason;
  AdversarialContext failed = s->context;
  failed.attack_succeeded = false;
  in.adversarial = &failed;
  EXPECT_FALSE(metric_registry().create("adversarial_flip", nlohmann::json::object())->evaluate(in).value);
}

TEST_F(AdversarialTest, SpectrogramAttackFlipsTheToyWithinItsBudget) {
  AttackOptions o;
  o.domain = AttackDomain::spectrogram;
  o.target = "cue";
  o.snr_db = 20.0;
  const AttackResult a = attack(*model_, clip_, o);
  ASSERT_TRUE(a.success) << a.iterations << " iterations";
  EXPECT_EQ(a.clean_class, 1);
  EXPECT_EQ(a.adversarial_class, 0);
  EXPECT_LE(a.linf, a.epsilon * (1 + 1e-6));
  EXPECT_GE(a.snr_db, 20.0 - 1e-9);
  // What the attack reports is what the model says of its adversarial features.
  const Matrix<float> x = a.adversarial_features(*model_, clip_);
  EXPECT_GT(model_->logits_from_features(x.data(), 1, x.cols())(0, 0), 0.0f);
  // Only the cue's cells are worth moving: the gradient is zero elsewhere, so pgd's random start is all
  // that is there, and the flip metric's oracle puts the attack on the cue.
  const auto s = setup(a);
  EXPECT_EQ(std::max_element(s->context.delta_energy.begin(), s->context.delta_energy.end()) -
                s->context.delta_energy.begin(),
            cue_component_);
}

TEST_F(AdversarialTest, PartialSpectrogramAttackLeavesOtherFramesBitIdentical) {
  AttackOptions o;
  o.domain = AttackDomain::spectrogram;
  o.target = "cue";
  o.snr_db = 10.0;
  o.segments = 4;
  o.perturb = {2};  // the cue lives in time segment 2 (component 6 = t02.f00)
  const AttackResult a = attack(*model_, clip_, o);
  ASSERT_TRUE(a.success);
  const Matrix<float> x = a.adversarial_features(*model_, clip_);
  const int64_t frames = x.cols();
  const int64_t first = 2 * (frames / 4), last = 3 * (frames / 4);
  int64_t changed_inside = 0;
  for (int64_t m = 0; m < x.rows(); ++m)
    for (int64_t t = 0; t < frames; ++t) {
      if (t >= first && t < last) {
        changed_inside += x(m, t) != a.clean_features(m, t);
        continue;
      }
      ASSERT_EQ(x(m, t), a.clean_features(m, t)) << "cell " << m << ", " << t;
    }
  EXPECT_GT(changed_inside, 0);
  // The perturbed components are the three bands of time segment 2, and the oracle finds them.
  const auto s = setup(a);
  ASSERT_EQ(s->context.perturbed.size(), 12u);
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(s->context.perturbed[static_cast<size_t>(i)], i / 3 == 2) << i;
  const auto e = explain(*s, "occlusion");
  const MetricResult r = flip(*s, e);
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_GE(r.extra.at("recall").get<double>(), 1.0 / 3);
  EXPECT_EQ(r.extra.at("oracle_recall").get<double>(), 1.0);
}

TEST_F(AdversarialTest, BadOptionsAreRefusedByName) {
  AttackOptions o;
  o.domain = AttackDomain::spectrogram;
  o.target = "nonsense";
  EXPECT_THROW(
      {
        try {
          attack(*model_, clip_, o);
        } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("cue"), std::string::npos) << e.what();
          throw;
        }
      },
      ConfigError);
  o.target = "other";  // the clean label already
  EXPECT_THROW(attack(*model_, clip_, o), ConfigError);
  o.target = "cue";
  o.perturb = {1};
  EXPECT_THROW(attack(*model_, clip_, o), ConfigError);  // perturb without segments
  o.segments = 2;
  o.perturb = {2};
  EXPECT_THROW(attack(*model_, clip_, o), ConfigError);  // no segment 2 of 2
  // A black box has no gradient to follow.
  class Opaque : public models::Model {
   public:
    explicit Opaque(const CueToy& inner) : inner_(inner) {}
    std::string name() const override { return "opaque"; }
    const FrontEnd& front_end() const override { return inner_.front_end(); }
    const std::vector<std::string>& class_names() const override { return inner_.class_names(); }
    int64_t input_frames() const override { return inner_.input_frames(); }
    Matrix<float> window_logits(const float* w, int64_t n) const override { return inner_.window_logits(w, n); }

   private:
    const CueToy& inner_;
  } opaque(*model_);
  o.segments = 0;
  o.perturb = {};
  EXPECT_THROW(attack(opaque, clip_, o), UnsupportedModelError);
  // The waveform domain needs the front-end twin, which this toy's white box does not offer. (No
  // random start: noise 40 dB below the clip already lifts the cue's quiet cells past the threshold.)
  o.domain = AttackDomain::waveform;
  o.random_start = false;
  EXPECT_THROW(attack(*model_, clip_, o), UnsupportedModelError);
}

TEST_F(AdversarialTest, WaveformSplitsAddUpToTheAdversarialInput) {
  // A waveform perturbation split over segments and over tf_grid cells: the flips with every part
  // kept equal the front-end of x + δ, and with none the clean features.
  AttackResult a;
  a.domain = AttackDomain::waveform;
  a.clean_features = model_->features(clip_);
  Rng rng(5);
  a.delta.resize(static_cast<size_t>(clip_.frames()));
  for (float& d : a.delta) d = static_cast<float>(rng.uniform(-0.01, 0.01));
  a.success = true;
  const Matrix<float> target = a.adversarial_features(*model_, clip_);
  for (const auto& [name, options] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"segments", {{"segments", 5}}},
                                                           {"tf_grid", {{"time_segments", 3}, {"frequency_bands", 2}}},
                                                           {"stems", {{"source", "hpss"}, {"segments", 2}}}}) {
    factorizations::FactorizationInput adv;
    adv.audio = a.adversarial_audio(clip_);
    const auto explained =
        factorizations::factorizer_registry().create(name, options)->factorize(adv, model_->front_end());
    std::vector<double> energy;
    const auto flips = flip_factorization(*explained, name, source_, a, model_->front_end(), energy);
    ASSERT_EQ(flips->size(), explained->size()) << name;
    double total = 0.0;
    for (double e : energy) total += e;
    double delta_energy = 0.0;
    for (float d : a.delta) delta_energy += static_cast<double>(d) * d;
    if (name != "stems") {
      // Disjoint parts; tf_grid's are cut in the STFT, whose overlapping frames make them nearly so.
      EXPECT_NEAR(total, delta_energy, 0.02 * delta_energy) << name;
    }
    const Matrix<float> all = flips->compose(std::vector<uint8_t>(static_cast<size_t>(flips->size()), 1));
    const Matrix<float> none = flips->compose(std::vector<uint8_t>(static_cast<size_t>(flips->size()), 0));
    double worst_all = 0.0, worst_none = 0.0;
    for (int64_t c = 0; c < all.size(); ++c) {
      worst_all = std::max(worst_all, static_cast<double>(std::abs(all.data()[c] - target.data()[c])));
      worst_none = std::max(worst_none, static_cast<double>(std::abs(none.data()[c] - a.clean_features.data()[c])));
    }
    EXPECT_LT(worst_all, name == "segments" ? 1e-3 : 0.05) << name;
    EXPECT_LT(worst_none, 1e-3) << name;
  }
  // Given stems: the perturbation has none of its own.
  const auto stems = hearsay::testing::stem_clip(3.0, kRate, 11);
  factorizations::FactorizationInput with_stems;
  with_stems.audio = a.adversarial_audio(clip_);
  with_stems.stems = stems.stems;
  nlohmann::json given = {{"segments", 2}, {"max_residual_db", 0}};
  const auto explained =
      factorizations::factorizer_registry().create("stems", given)->factorize(with_stems, model_->front_end());
  std::vector<double> energy;
  EXPECT_THROW(flip_factorization(*explained, "stems", source_, a, model_->front_end(), energy), ConfigError);
}

TEST_F(AdversarialTest, FeatureInputsAreCutByCellFactorizationsOnly) {
  factorizations::FactorizationInput in = source_;
  in.features = Matrix<float>(96, 3, 0.0f);
  EXPECT_THROW(grid_->factorize(in, model_->front_end()), ShapeError);  // wrong shape
  in.features = model_->features(clip_);
  in.features->data()[0] += 7.0f;
  const auto f = grid_->factorize(in, model_->front_end());
  EXPECT_EQ(f->compose(std::vector<uint8_t>(12, 1))(0, 0), in.features->data()[0]);
  EXPECT_THROW(
      factorizations::factorizer_registry().create("segments", {{"segments", 4}})->factorize(in, model_->front_end()),
      ConfigError);
}

}  // namespace
}  // namespace hearsay::metrics
