// Invariants every registered factorization must satisfy, and composition in the STFT domain against
// composition of the waveform.
#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "factorizations/factorization.h"
#include "factorizations/spectral_composer.h"
#include "factorizations/waveform_factorization.h"
#include "tests/support/reference_front_end.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::factorizations {
namespace {

FactorizationInput test_input(double seconds = 3.0) {
  auto clip = testing::stem_clip(seconds, 22050, 11);
  return {clip.mix, clip.stems};
}

// How far two log-mel inputs differ: the largest mel power difference relative to the clip's peak
// power, and the largest dB difference over cells within 60 and within 120 dB of the peak.
struct Difference {
  double power_re_peak = 0.0;
  double db_within_60 = 0.0;
  double db_within_120 = 0.0;
};
Difference difference(const Matrix<float>& a, const Matrix<float>& reference) {
  const float peak = *std::max_element(reference.values().begin(), reference.values().end());
  const double peak_power = std::pow(10.0, peak / 10.0);
  Difference d;
  for (int64_t c = 0; c < reference.size(); ++c) {
    const double x = a.data()[c];
    const double y = reference.data()[c];
    d.power_re_peak =
        std::max(d.power_re_peak, std::abs(std::pow(10.0, x / 10.0) - std::pow(10.0, y / 10.0)) / peak_power);
    if (y > peak - 60.0) d.db_within_60 = std::max(d.db_within_60, std::abs(x - y));
    if (y > peak - 120.0) d.db_within_120 = std::max(d.db_within_120, std::abs(x - y));
  }
  return d;
}

class EveryFactorization : public ::testing::TestWithParam<std::string> {
 protected:
  FrontEnd front_end_{FrontEndOptions{}};
};

TEST_P(EveryFactorization, ComposeAllOnesIsTheUnperturbedInput) {
  const auto input = test_input();
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end_);
  const auto reference = front_end_.features(input.audio);
  const auto composed = f->compose(std::vector<uint8_t>(static_cast<size_t>(f->size()), 1));
  ASSERT_EQ(composed.rows(), reference.rows());
  ASSERT_EQ(composed.cols(), reference.cols());
  const Difference d = difference(composed, reference);
  EXPECT_LT(d.power_re_peak, 1e-4);
  EXPECT_LT(d.db_within_60, 1e-3);
}

TEST_P(EveryFactorization, NamesAreUniqueAndStable) {
  const auto input = test_input();
  const auto factorizer = factorizer_registry().create(GetParam());
  const auto a = factorizer->factorize(input, front_end_);
  const auto b = factorizer->factorize(input, front_end_);
  EXPECT_EQ(a->names(), b->names());
  EXPECT_EQ(std::set<std::string>(a->names().begin(), a->names().end()).size(), a->names().size());
  EXPECT_GE(a->size(), 2);
}

TEST_P(EveryFactorization, PoolingAnIndicatorPutsTheMassOnItsComponent) {
  const auto input = test_input();
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end_);
  double total_indicator = 0.0;
  for (int64_t i = 0; i < f->size(); ++i) {
    const Matrix<float> ind = f->indicator(i);
    double mass = 0.0;
    for (float v : ind.values()) mass += v;
    total_indicator += mass;
    const auto scores = f->pool(ind);
    if (!f->overlapping()) {  // (a stem silent in a segment owns no share of any cell there)
      EXPECT_GT(mass, 0.0) << f->names()[static_cast<size_t>(i)] << " owns no cell";
      for (int64_t j = 0; j < f->size(); ++j)
        EXPECT_DOUBLE_EQ(scores[static_cast<size_t>(j)], j == i ? mass : 0.0) << f->names()[static_cast<size_t>(j)];
    }
  }
  // Every cell belongs to the components in full (shares sum to one): no cell left out.
  EXPECT_NEAR(total_indicator, static_cast<double>(f->n_mels() * f->frames()), 1e-3 * f->n_mels() * f->frames());
  // Pooling conserves the map's total.
  Matrix<float> ones(f->n_mels(), f->frames(), 1.0f);
  double pooled = 0.0;
  for (double s : f->pool(ones)) pooled += s;
  EXPECT_NEAR(pooled, static_cast<double>(ones.size()), 1e-3 * ones.size());
}

TEST_P(EveryFactorization, ComposeIsDeterministicAndThreadSafe) {
  const auto input = test_input();
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end_);
  Rng rng(3);
  std::vector<std::vector<uint8_t>> masks(16, std::vector<uint8_t>(static_cast<size_t>(f->size())));
  for (auto& m : masks)
    for (auto& v : m) v = rng.bernoulli(0.5);
  std::vector<Matrix<float>> serial, parallel(masks.size());
  for (const auto& m : masks) serial.push_back(f->compose(m));
#pragma omp parallel for num_threads(2)
  for (size_t i = 0; i < masks.size(); ++i) parallel[i] = f->compose(masks[i]);
  for (size_t i = 0; i < masks.size(); ++i) EXPECT_TRUE(serial[i] == parallel[i]) << "mask " << i;
}

TEST_P(EveryFactorization, ResultsDoNotDependOnWhatWasComposedBefore) {
  // Composition caches per-frame results; a fresh factorization composing the masks in reverse order
  // (so with other cache contents) must give the same bits, and frame ranges must equal slices.
  const auto input = test_input();
  const auto factorizer = factorizer_registry().create(GetParam());
  const auto a = factorizer->factorize(input, front_end_);
  const auto b = factorizer->factorize(input, front_end_);
  Rng rng(5);
  std::vector<std::vector<uint8_t>> masks(24, std::vector<uint8_t>(static_cast<size_t>(a->size())));
  for (auto& m : masks)
    for (auto& v : m) v = rng.bernoulli(0.5);
  std::vector<Matrix<float>> forward, backward(masks.size());
  for (const auto& m : masks) forward.push_back(a->compose(m));
  for (size_t i = masks.size(); i-- > 0;) backward[i] = b->compose(masks[i]);
  for (size_t i = 0; i < masks.size(); ++i) ASSERT_TRUE(forward[i] == backward[i]) << "mask " << i;
  ASSERT_TRUE(a->frame_local());
  // Ranges starting and ending inside, at the edges of and across the runs a label map copies whole.
  const int64_t n = a->frames();
  const std::vector<std::pair<int64_t, int64_t>> ranges = {{n / 3, n / 4}, {0, 1}, {n - 1, 1}, {0, n}, {1, n - 2}};
  for (const auto& [first, count] : ranges) {
    std::vector<float> part(static_cast<size_t>(a->n_mels() * count));
    for (size_t i = 0; i < 4; ++i) {
      b->compose_frames(masks[i].data(), first, count, part.data());
      for (int64_t m = 0; m < a->n_mels(); ++m)
        for (int64_t t = 0; t < count; ++t)
          ASSERT_EQ(part[static_cast<size_t>(m * count + t)], forward[i](m, first + t))
              << "frames " << first << " + " << count << ", mask " << i;
    }
  }
}

TEST_P(EveryFactorization, RenderOfAllIsTheClipAndOfNoneIsQuiet) {
  const auto input = test_input();
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end_);
  const Audio all = f->render(std::vector<uint8_t>(static_cast<size_t>(f->size()), 1));
  ASSERT_EQ(all.frames(), input.audio.frames());
  double err = 0.0;
  for (int64_t i = 0; i < all.frames(); ++i)
    err = std::max(err, static_cast<double>(std::abs(all.samples()[static_cast<size_t>(i)] -
                                                     input.audio.samples()[static_cast<size_t>(i)])));
  EXPECT_LT(err, 1e-4);
  const Audio none = f->render(std::vector<uint8_t>(static_cast<size_t>(f->size()), 0));
  EXPECT_LT(none.rms(), 1e-3 * input.audio.rms() + 1e-7);
}

TEST_P(EveryFactorization, UnknownOptionsAreRefusedByName) {
  EXPECT_THROW_WITH(factorizer_registry().create(GetParam(), nlohmann::json{{"segmentz", 3}}), ConfigError, GetParam(),
                    "'segmentz'");
}

// Each component's geometry is where its indicator lives (a stem's share of a cell counts as living
// there), and the components of one source cover a region once: a region over the whole clip and
// every band, in the first component's source, is covered exactly in full.
TEST_P(EveryFactorization, GeometryIsWhereTheIndicatorLivesAndCoversARegionOnce) {
  const auto input = test_input();
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end_);
  ASSERT_TRUE(f->grid().known());
  for (int64_t i = 0; i < f->size(); ++i) {
    const std::string& name = f->names()[static_cast<size_t>(i)];
    const ComponentGeometry g = f->geometry(i);
    const Matrix<float> ind = f->indicator(i);
    for (int64_t m = 0; m < f->n_mels(); ++m)
      for (int64_t t = 0; t < f->frames(); ++t) {
        const bool declared = t >= g.frames.first && t < g.frames.last && m >= g.mel_low && m < g.mel_high &&
                              (!g.cells || (*g.cells)(m, t) != 0);
        if (f->overlapping()) {
          ASSERT_TRUE(declared || ind(m, t) == 0.0f) << name << " at (" << m << ", " << t << ")";
        } else {
          ASSERT_EQ(declared, ind(m, t) != 0.0f) << name << " at (" << m << ", " << t << ")";
        }
      }
  }
  const std::string source = f->geometry(0).source;
  const double seconds = input.audio.duration();
  double total = 0.0;
  for (double o : f->overlaps({source, 0.0, seconds})) total += o;
  EXPECT_NEAR(total, 1.0, 1e-9) << "source " << source;
  EXPECT_EQ(f->additive(), f->domain() == "waveform");
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryFactorization, ::testing::ValuesIn(factorizer_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

// The registry is the list: a new factorization is enrolled by its registration line, not by a name here.
TEST(Registry, AnUnknownFactorizationIsRefusedWithEveryRegisteredName) {
  const std::vector<std::string> names = factorizer_registry().names();
  ASSERT_FALSE(names.empty());
  std::string listed;
  for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
  EXPECT_THROW_WITH(factorizer_registry().create("pixels"), ConfigError, "pixels", "valid names: " + listed);
}

// The composition of waveform components in the STFT domain equals composing the waveform and running
// the front-end, for random masks and every baseline. The clip's stems lie on the 16-bit grid, so with
// silence as the baseline the composed waveform is exact in float and the two paths agree in every
// cell; a noise or constant baseline is off the grid, so the composed waveform's samples round to
// float, which shows in the quietest cells only (the test below measures both paths against float64).
TEST(SpectralComposition, EqualsWaveformCompositionThenFrontEnd) {
  const FrontEnd front_end{FrontEndOptions{}};
  const auto input = test_input(4.0);
  for (const char* baseline : {"zero", "noise", "shaped_noise"}) {
    for (const char* name : {"segments", "stems"}) {
      const auto f = factorizer_registry()
                         .create(name, nlohmann::json{{"segments", 7}, {"baseline", baseline}, {"seed", 5}})
                         ->factorize(input, front_end);
      const auto& wf = dynamic_cast<const WaveformFactorization&>(*f);
      Rng rng(9);
      Difference worst;
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<uint8_t> keep(static_cast<size_t>(f->size()));
        for (auto& v : keep) v = rng.bernoulli(0.5);
        const Difference d = difference(f->compose(keep), front_end.features(wf.render(keep)));
        worst.power_re_peak = std::max(worst.power_re_peak, d.power_re_peak);
        worst.db_within_60 = std::max(worst.db_within_60, d.db_within_60);
        worst.db_within_120 = std::max(worst.db_within_120, d.db_within_120);
      }
      std::printf(
          "%s/%s: max |mel power diff| / peak power %.3g, max |dB diff| within 60 dB of the peak %.3g, "
          "within 120 dB %.3g\n",
          name, baseline, worst.power_re_peak, worst.db_within_60, worst.db_within_120);
      EXPECT_LT(worst.power_re_peak, 1e-6) << name << " / " << baseline;
      EXPECT_LT(worst.db_within_60, 1e-4) << name << " / " << baseline;
      if (std::string(baseline) == "zero") {
        EXPECT_LT(worst.db_within_120, 1e-4) << name;
      }
    }
  }
}

// Composed frames reach the model input through a transpose (columns of mels into rows of frames)
// that moves blocks of 4 × 4 values: mel counts and frame ranges that are not multiples of 4 take its
// remainder paths, and every cell must still equal the front-end of the composed waveform.
TEST(SpectralComposition, FrameRangesOfAnyMelCountEqualTheFrontEndOfTheWaveform) {
  const auto input = test_input(2.0);
  for (int n_mels : {5, 13, 96}) {
    FrontEndOptions o;
    o.n_mels = n_mels;
    const FrontEnd front_end{o};
    const auto f = factorizer_registry().create("stems", nlohmann::json{{"segments", 6}})->factorize(input, front_end);
    const auto& wf = dynamic_cast<const WaveformFactorization&>(*f);
    const int64_t n = f->frames();
    Rng rng(21);
    for (const auto& [first, count] : std::vector<std::pair<int64_t, int64_t>>{{0, n}, {3, 17}, {n - 7, 7}, {5, 1}}) {
      for (int trial = 0; trial < 3; ++trial) {
        std::vector<uint8_t> keep(static_cast<size_t>(f->size()));
        for (auto& v : keep) v = rng.bernoulli(0.5);
        const Matrix<float> reference = front_end.features(wf.render(keep));
        Matrix<float> part(n_mels, count);
        f->compose_frames(keep.data(), first, count, part.data());
        Matrix<float> expected(n_mels, count);
        for (int64_t m = 0; m < n_mels; ++m)
          for (int64_t t = 0; t < count; ++t) expected(m, t) = reference(m, first + t);
        const Difference d = difference(part, expected);
        EXPECT_LT(d.power_re_peak, 1e-6) << n_mels << " mels, frames " << first << " + " << count;
        EXPECT_LT(d.db_within_120, 1e-4) << n_mels << " mels, frames " << first << " + " << count;
      }
    }
  }
}

// The composer itself, on parts whose values are off the 16-bit grid (so a float sum of them rounds),
// against the exact answer: the float64 front-end of the float64 sum of the parts. Summing spectra in
// double keeps every cell exact to the rounding of its own value, down to cells 120 dB below the
// peak; the waveform path (float sum, then the float-output front-end) rounds each sample instead,
// which shows in the quietest cells.
TEST(SpectralComposer, IsExactToFloatRoundingInEveryCell) {
  const FrontEnd front_end{FrontEndOptions{}};
  const auto clip = testing::stem_clip(3.0, 22050, 4);
  const auto n = clip.mix.frames();
  const int64_t segments = 5;
  std::vector<SignalPart> contents, baselines;
  Rng rng(12);
  for (const auto& [name, stem] : clip.stems) {
    for (int64_t s = 0; s < segments; ++s) {
      const int64_t lo = n * s / segments, hi = n * (s + 1) / segments;
      SignalPart content{lo, {}}, baseline{lo, {}};
      for (int64_t i = lo; i < hi; ++i) content.samples.push_back(0.7f * stem.samples()[static_cast<size_t>(i)]);
      if (s % 3 == 1)  // some parts are replaced by quiet noise, some by a constant, some by silence
        for (int64_t i = lo; i < hi; ++i) baseline.samples.push_back(static_cast<float>(1e-3 * rng.uniform(-1, 1)));
      else if (s % 3 == 2)
        baseline.samples.assign(static_cast<size_t>(hi - lo), 3.1e-4f);
      contents.push_back(std::move(content));
      baselines.push_back(std::move(baseline));
    }
  }
  const SpectralComposer composer(front_end, n, contents, baselines, {});
  double composed_worst = 0.0, waveform_worst = 0.0, power_worst = 0.0;
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<uint8_t> keep(contents.size());
    for (auto& v : keep) v = rng.bernoulli(0.5);
    std::vector<double> exact_signal(static_cast<size_t>(n), 0.0);
    std::vector<float> float_signal(static_cast<size_t>(n), 0.0f);
    for (size_t c = 0; c < contents.size(); ++c) {
      const SignalPart& p = keep[c] ? contents[c] : baselines[c];
      for (size_t k = 0; k < p.samples.size(); ++k) {
        exact_signal[static_cast<size_t>(p.offset) + k] += p.samples[k];
        float_signal[static_cast<size_t>(p.offset) + k] += p.samples[k];
      }
    }
    const std::vector<double> truth = testing::reference_log_mel(front_end, exact_signal);
    Matrix<float> composed(front_end.n_mels(), composer.frames());
    composer.compose(keep.data(), composed.data());
    const Matrix<float> waveform = front_end.features(float_signal.data(), n);
    ASSERT_EQ(static_cast<size_t>(composed.size()), truth.size());
    const double peak = *std::max_element(truth.begin(), truth.end());
    for (size_t c = 0; c < truth.size(); ++c) {
      const double y = truth[c];
      if (y < peak - 120.0) continue;  // (below that, float32 itself cannot hold the difference)
      composed_worst = std::max(composed_worst, std::abs(composed.data()[c] - y));
      waveform_worst = std::max(waveform_worst, std::abs(waveform.data()[c] - y));
      power_worst =
          std::max(power_worst, std::abs(std::pow(10.0, composed.data()[c] / 10.0) - std::pow(10.0, y / 10.0)) /
                                    std::pow(10.0, peak / 10.0));
    }
  }
  std::printf(
      "within 120 dB of the peak: max |dB error| STFT-domain %.3g, waveform + front-end %.3g; "
      "max |power error| / peak power %.3g\n",
      composed_worst, waveform_worst, power_worst);
  EXPECT_LT(composed_worst, 1e-4);
  EXPECT_LT(power_worst, 1e-6);
}

}  // namespace
}  // namespace hearsay::factorizations
