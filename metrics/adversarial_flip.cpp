#include "metrics/adversarial_flip.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/random.h"
#include "factorizations/label_map_factorization.h"
#include "factorizations/spectral_composer.h"
#include "factorizations/waveform_factorization.h"

namespace hearsay::metrics {

namespace fz = factorizations;

namespace {

// x + Σ_{kept} δ_i with δ_i signals: the clean clip is the background, each part a component with
// silence as its baseline, composed in the STFT domain like every waveform factorization.
class WaveformFlips : public fz::Factorization {
 public:
  WaveformFlips(const FrontEnd& front_end, const Audio& clean, std::vector<fz::SignalPart> parts,
                std::vector<std::string> names)
      : Factorization(std::move(names), front_end.n_mels(), front_end.num_frames(clean.frames()),
                      nlohmann::json::object()),
        rate_(clean.sample_rate()),
        composer_(front_end, clean.frames(), std::move(parts), {}, {0, clean.samples()}) {}

  std::string domain() const override { return "waveform"; }
  std::string baseline() const override { return "the clean clip"; }
  void compose(const uint8_t* keep, float* features) const override { composer_.compose(keep, features); }
  using Factorization::compose;
  bool frame_local() const override { return composer_.front_end().frame_local(); }
  void compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const override {
    composer_.compose_frames(keep, first, count, out);
  }
  Audio render(const std::vector<uint8_t>& keep) const override {
    check_mask(keep);
    return Audio::mono(composer_.compose_waveform(keep), rate_);
  }
  std::vector<double> pool(const Matrix<float>&) const override {
    throw Error("the adversarial flip inputs are evaluated, not explained: they pool no map");
  }
  fz::FrameSpan span(int64_t i) const override { return composer_.span(i); }
  Matrix<float> indicator(int64_t) const override {
    throw Error("the adversarial flip inputs are evaluated, not explained: they have no indicator");
  }
  bool additive() const override { return true; }

 private:
  int rate_;
  fz::SpectralComposer composer_;
};

// x + δ on the cells of the kept components (spectrogram attacks): every cell belongs to one component.
class FeatureFlips : public fz::Factorization {
 public:
  FeatureFlips(Matrix<float> clean, Matrix<float> delta, Matrix<int32_t> labels, std::vector<std::string> names)
      : Factorization(std::move(names), clean.rows(), clean.cols(), nlohmann::json::object()),
        clean_(std::move(clean)),
        delta_(std::move(delta)),
        labels_(std::move(labels)),
        spans_(static_cast<size_t>(size()), fz::FrameSpan{clean_.cols(), 0}) {
    for (int64_t m = 0; m < labels_.rows(); ++m)
      for (int64_t t = 0; t < labels_.cols(); ++t) {
        auto& s = spans_[static_cast<size_t>(labels_(m, t))];
        s.first = std::min(s.first, t);
        s.last = std::max(s.last, t + 1);
      }
  }

  std::string domain() const override { return "features"; }
  std::string baseline() const override { return "the clean clip"; }
  void compose(const uint8_t* keep, float* features) const override {
    for (int64_t c = 0; c < clean_.size(); ++c)
      features[c] = clean_.data()[c] + (keep[labels_.data()[c]] ? delta_.data()[c] : 0.0f);
  }
  using Factorization::compose;
  Audio render(const std::vector<uint8_t>&) const override {
    throw Error("a spectrogram-domain adversarial perturbation has no audio");
  }
  std::vector<double> pool(const Matrix<float>&) const override {
    throw Error("the adversarial flip inputs are evaluated, not explained: they pool no map");
  }
  fz::FrameSpan span(int64_t i) const override { return spans_[static_cast<size_t>(i)]; }
  Matrix<float> indicator(int64_t) const override {
    throw Error("the adversarial flip inputs are evaluated, not explained: they have no indicator");
  }

 private:
  Matrix<float> clean_;
  Matrix<float> delta_;
  Matrix<int32_t> labels_;
  std::vector<fz::FrameSpan> spans_;
};

// A signal as the part of the clip where it is not zero.
fz::SignalPart trimmed(const std::vector<float>& x) {
  size_t first = 0;
  size_t last = x.size();
  while (first < last && x[first] == 0.0f) ++first;
  while (last > first && x[last - 1] == 0.0f) --last;
  return {static_cast<int64_t>(first), std::vector<float>(x.begin() + static_cast<std::ptrdiff_t>(first),
                                                          x.begin() + static_cast<std::ptrdiff_t>(last))};
}

double energy_of(const std::vector<float>& x) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return sum;
}

std::vector<uint8_t> unit_mask(int64_t m, int64_t i) {
  std::vector<uint8_t> keep(static_cast<size_t>(m), 0);
  keep[static_cast<size_t>(i)] = 1;
  return keep;
}

}  // namespace

std::unique_ptr<fz::Factorization> flip_factorization(const fz::Factorization& explained, const std::string& factorizer,
                                                      const fz::FactorizationInput& clean, const AttackResult& attack,
                                                      const FrontEnd& front_end, std::vector<double>& energy) {
  const int64_t m = explained.size();
  energy.assign(static_cast<size_t>(m), 0.0);
  const auto* cells = dynamic_cast<const fz::LabelMapFactorization*>(&explained);
  if (attack.domain == AttackDomain::spectrogram) {
    HEARSAY_CHECK_AS(ConfigError, cells != nullptr, "adversarial_flip: a spectrogram attack's perturbation lives on ",
                     "log-mel cells, and the '", factorizer,
                     "' factorization's components are not cells; use tf_grid or superpixels");
    const Matrix<int32_t>& labels = cells->labels();
    HEARSAY_CHECK_AS(ShapeError,
                     labels.rows() == attack.delta_features.rows() && labels.cols() == attack.delta_features.cols(),
                     "adversarial_flip: the perturbation is ", attack.delta_features.rows(), " × ",
                     attack.delta_features.cols(), ", the factorization ", labels.rows(), " × ", labels.cols());
    for (int64_t c = 0; c < labels.size(); ++c) {
      const double d = attack.delta_features.data()[c];
      energy[static_cast<size_t>(labels.data()[c])] += d * d;
    }
    return std::make_unique<FeatureFlips>(attack.clean_features, attack.delta_features, labels, explained.names());
  }
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(attack.delta.size()) == clean.audio.frames(),
                   "adversarial_flip: the perturbation has ", attack.delta.size(), " samples, the clip ",
                   clean.audio.frames());
  const Audio delta = Audio::mono(attack.delta, clean.audio.sample_rate());
  std::unique_ptr<fz::Factorization> split;
  if (cells) {
    // δ's STFT bins under each component's cells (what rendering that component of δ keeps).
    split = std::make_unique<fz::LabelMapFactorization>(front_end, delta, front_end.features(delta), cells->labels(),
                                                        explained.names(), fz::FeatureBaselineOptions{},
                                                        explained.options());
  } else if (explained.domain() == "waveform") {
    nlohmann::json options = explained.options();
    // The same components as the clip's: a residual stem when the clip had one.
    if (options.contains("residual_is_component"))
      options["residual"] = options.at("residual_is_component").get<bool>() ? "component" : "keep";
    for (const char* key : {"residual_rms_db", "residual_is_component"}) options.erase(key);
    if (options.contains("source"))
      HEARSAY_CHECK_AS(ConfigError, options.at("source") == "hpss", "adversarial_flip: the '", factorizer,
                       "' factorization separates the clip into given stems, and the perturbation has no stems of "
                       "its own; use \"source\": \"hpss\", segments or tf_grid");
    options["baseline"] = "zero";  // δ_i alone: removed components are silent
    fz::FactorizationInput part;
    part.audio = delta;
    split = fz::factorizer_registry().create(factorizer, options)->factorize(part, front_end);
    HEARSAY_CHECK_AS(ShapeError, split->names() == explained.names(), "adversarial_flip: the perturbation's own '",
                     factorizer, "' factorization has other components (", split->size(), ") than the clip's (", m,
                     ")");
  } else {
    throw ConfigError(message("adversarial_flip: cannot split a waveform perturbation over the '", factorizer,
                              "' factorization (domain ", explained.domain(), ")"));
  }
  // Component i of δ alone: its rendering less what every rendering holds (a background, if any).
  const Audio none = split->render(std::vector<uint8_t>(static_cast<size_t>(m), 0));
  std::vector<fz::SignalPart> parts;
  for (int64_t i = 0; i < m; ++i) {
    std::vector<float> di = split->render(unit_mask(m, i)).samples();
    for (size_t k = 0; k < di.size(); ++k) di[k] -= none.samples()[k];
    energy[static_cast<size_t>(i)] = energy_of(di);
    parts.push_back(trimmed(di));
  }
  return std::make_unique<WaveformFlips>(front_end, clean.audio, std::move(parts), explained.names());
}

std::vector<uint8_t> perturbed_components(const fz::Factorization& f, const AttackResult& attack, double clip_seconds) {
  const bool partial = !(attack.perturbed_seconds.size() == 1 && attack.perturbed_seconds[0].first <= 0.0 &&
                         attack.perturbed_seconds[0].second >= clip_seconds);
  if (!partial || attack.perturbed_seconds.empty()) return {};
  std::vector<uint8_t> out(static_cast<size_t>(f.size()), 0);
  const fz::InputGrid& grid = f.grid();
  HEARSAY_CHECK(grid.known(), "adversarial_flip: the factorization has no time axis to place the perturbed span on");
  for (int64_t i = 0; i < f.size(); ++i) {
    const fz::FrameSpan span = f.geometry(i).frames;
    if (span.last <= span.first) continue;
    const double a = grid.frame_seconds(span.first).first;
    const double b = grid.frame_seconds(span.last - 1).second;
    double inside = 0.0;
    for (const auto& [s, e] : attack.perturbed_seconds) inside += std::max(0.0, std::min(b, e) - std::max(a, s));
    out[static_cast<size_t>(i)] = inside >= 0.5 * (b - a) ? 1 : 0;
  }
  return out;
}

MetricResult AdversarialFlip::run(const MetricInput& input) const {
  const AdversarialContext* adv = input.adversarial;
  if (!adv || !adv->flips || !adv->evaluator)
    return MetricResult::not_applicable("the input is not an adversarial example (set the study's adversarial option)");
  if (!adv->attack_succeeded)
    return MetricResult::not_applicable("the attack did not change the label, so there is nothing to detect");
  const methods::Explanation& e = *input.explanation;
  const int64_t m = static_cast<int64_t>(e.scores.size());
  HEARSAY_CHECK_AS(ShapeError, adv->flips->size() == m && static_cast<int64_t>(adv->delta_energy.size()) == m,
                   "adversarial_flip: the perturbation is split over ", adv->flips->size(), " components, the ",
                   e.method, " explanation has ", m);
  const int k_max = static_cast<int>(std::min<int64_t>(settings().k_max, m));
  methods::Evaluator& ev = *adv->evaluator;
  const int classes = ev.model().num_classes();

  // Labels of a batch of keep-masks: 1 where the adversarial label comes back.
  auto flips = [&](const Matrix<uint8_t>& masks) {
    const Matrix<float> logits = ev.logits(masks);
    std::vector<int> out(static_cast<size_t>(masks.rows()));
    for (int64_t r = 0; r < masks.rows(); ++r) {
      const float* row = logits.row(r);
      out[static_cast<size_t>(r)] =
          static_cast<int>(std::max_element(row, row + classes) - row) == adv->adversarial_class;
    }
    return out;
  };
  auto first_of = [&](const std::vector<int64_t>& order, int64_t count, Matrix<uint8_t>& masks, int64_t row) {
    for (int64_t j = 0; j < count; ++j) masks(row, order[static_cast<size_t>(j)]) = 1;
  };
  // The prefixes 1..k_max of an order, then all positive (count n_pos), then every component.
  const std::vector<int64_t> ranking = e.ranking();
  std::vector<int64_t> by_norm(static_cast<size_t>(m));
  std::iota(by_norm.begin(), by_norm.end(), 0);
  std::stable_sort(by_norm.begin(), by_norm.end(), [&](int64_t a, int64_t b) {
    return adv->delta_energy[static_cast<size_t>(a)] > adv->delta_energy[static_cast<size_t>(b)];
  });
  const auto positive =
      static_cast<int64_t>(std::count_if(e.scores.begin(), e.scores.end(), [](double s) { return s > 0.0; }));
  Matrix<uint8_t> masks(2 * k_max + 3, m);
  for (int k = 1; k <= k_max; ++k) {
    first_of(ranking, k, masks, k - 1);
    first_of(by_norm, k, masks, k_max + k - 1);
  }
  first_of(ranking, positive, masks, 2 * k_max);
  first_of(by_norm, positive, masks, 2 * k_max + 1);
  first_of(by_norm, m, masks, 2 * k_max + 2);
  const std::vector<int> f = flips(masks);
  if (!f.back())
    return MetricResult::not_applicable(
        "the perturbation put back on every component does not give the adversarial label (its split over this "
        "factorization loses too much of it)");

  // Random k-subsets, the same draws for every method (the seed does not depend on the method).
  Rng rng(derive_seed(settings().seed, 0xf11b));
  const int draws = settings().random_draws;
  Matrix<uint8_t> random(static_cast<int64_t>(k_max) * draws, m);
  std::vector<int64_t> order(static_cast<size_t>(m));
  for (int k = 1; k <= k_max; ++k)
    for (int d = 0; d < draws; ++d) {
      std::iota(order.begin(), order.end(), 0);
      for (int64_t j = 0; j < k; ++j) {  // partial Fisher-Yates: the first k of a uniform permutation
        const auto pick = j + static_cast<int64_t>(rng.uniform() * static_cast<double>(m - j));
        std::swap(order[static_cast<size_t>(j)], order[static_cast<size_t>(std::min(pick, m - 1))]);
      }
      first_of(order, k, random, static_cast<int64_t>(k - 1) * draws + d);
    }
  const std::vector<int> fr = flips(random);

  MetricResult r;
  std::vector<double> oracle_curve, random_curve;
  nlohmann::json first = nullptr, oracle_first = nullptr;
  for (int k = 1; k <= k_max; ++k) {
    r.curve.push_back(f[static_cast<size_t>(k - 1)]);
    oracle_curve.push_back(f[static_cast<size_t>(k_max + k - 1)]);
    double hits = 0.0;
    for (int d = 0; d < draws; ++d) hits += fr[static_cast<size_t>((k - 1) * draws + d)];
    random_curve.push_back(hits / draws);
    if (first.is_null() && r.curve.back() > 0) first = k;
    if (oracle_first.is_null() && oracle_curve.back() > 0) oracle_first = k;
  }
  const int top_k = static_cast<int>(std::min<int64_t>(settings().top_k, m));
  r.value = top_k <= k_max ? r.curve[static_cast<size_t>(top_k - 1)] : 0.0;
  if (top_k > k_max) {
    Matrix<uint8_t> one(1, m);
    first_of(ranking, top_k, one, 0);
    r.value = flips(one)[0];
  }
  r.extra = {{"top_k", top_k},
             {"oracle_curve", oracle_curve},
             {"random_curve", random_curve},
             {"oracle_top_k", top_k <= k_max ? nlohmann::json(oracle_curve[static_cast<size_t>(top_k - 1)]) : nullptr},
             {"random_top_k", top_k <= k_max ? nlohmann::json(random_curve[static_cast<size_t>(top_k - 1)]) : nullptr},
             {"positive_count", positive},
             {"flip_positive", positive > 0 ? f[static_cast<size_t>(2 * k_max)] : 0},
             {"oracle_flip_positive", positive > 0 ? f[static_cast<size_t>(2 * k_max + 1)] : 0},
             {"first_flip", first},
             {"oracle_first_flip", oracle_first},
             {"adversarial_class", adv->adversarial_class},
             {"clean_class", adv->clean_class}};
  if (!adv->perturbed.empty()) {
    const auto truth = static_cast<int64_t>(std::count(adv->perturbed.begin(), adv->perturbed.end(), 1));
    auto recall = [&](const std::vector<int64_t>& o) {
      int64_t hit = 0;
      for (int64_t j = 0; j < truth; ++j) hit += adv->perturbed[static_cast<size_t>(o[static_cast<size_t>(j)])];
      return truth > 0 ? static_cast<double>(hit) / static_cast<double>(truth) : 0.0;
    };
    r.extra["perturbed_count"] = truth;
    r.extra["recall"] = recall(ranking);
    r.extra["oracle_recall"] = recall(by_norm);
  }
  return r;
}

}  // namespace hearsay::metrics
