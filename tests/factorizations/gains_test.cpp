// Continuous component gains (compose_gains, gains_vjp), the ground of integrated gradients over
// components: gains of 0 and 1 compose what the keep-mask composes, and the vector-Jacobian product
// equals central finite differences of compose_gains for every registered factorization and every
// log stage of the front-end, clamps included.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "factorizations/factorization.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::factorizations {
namespace {

// Stems whose second half is digital silence: its cells sit on the dB floor (amin), where the
// composition is flat in every gain.
FactorizationInput half_silent_input() {
  auto clip = testing::stem_clip(2.0, 22050, 3);
  const int64_t n = clip.mix.frames();
  auto silence = [&](Audio& a) {
    std::vector<float> x(a.data(), a.data() + n);
    std::fill(x.begin() + n / 2, x.end(), 0.0f);
    a = Audio::mono(std::move(x), a.sample_rate());
  };
  silence(clip.mix);
  for (auto& [name, stem] : clip.stems) silence(stem);
  return {clip.mix, clip.stems};
}

// Front-ends whose log stage differs: each branch of the chain rule, and the clamps.
std::vector<std::pair<std::string, FrontEndOptions>> front_ends() {
  std::vector<std::pair<std::string, FrontEndOptions>> out;
  FrontEndOptions o;
  o.n_mels = 24;
  out.emplace_back("db", o);
  FrontEndOptions top = o;
  top.top_db = 30.0;
  out.emplace_back("db_top_db_30", top);
  FrontEndOptions magnitude = o;
  magnitude.power = 1.0;
  out.emplace_back("magnitude_db", magnitude);
  FrontEndOptions natural = o;
  natural.log = LogMode::natural;
  out.emplace_back("natural", natural);
  FrontEndOptions log10 = o;
  log10.log = LogMode::log10;
  out.emplace_back("log10", log10);
  FrontEndOptions none = o;
  none.log = LogMode::none;
  out.emplace_back("none", none);
  return out;
}

double dot(const Matrix<float>& a, const Matrix<float>& b) {
  double s = 0.0;
  for (int64_t c = 0; c < a.size(); ++c) s += static_cast<double>(a.data()[c]) * b.data()[c];
  return s;
}

class EveryFactorizationGains : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFactorizationGains, GainsOfZeroAndOneComposeTheKeepMask) {
  const auto input = half_silent_input();
  for (const auto& [label, options] : front_ends()) {
    const FrontEnd front_end(options);
    const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end);
    Rng rng(4);
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<uint8_t> keep(static_cast<size_t>(f->size()));
      for (auto& v : keep) v = trial == 0 ? 1 : trial == 1 ? 0 : rng.bernoulli(0.5);
      const std::vector<double> gains(keep.begin(), keep.end());
      // Bit for bit: the same parts summed in the same order, a gain of 1 adding a part as it is.
      EXPECT_EQ(f->compose_gains(gains).values(), f->compose(keep).values()) << label << ", trial " << trial;
    }
  }
}

TEST_P(EveryFactorizationGains, VectorJacobianProductEqualsFiniteDifferences) {
  const auto input = half_silent_input();
  for (const auto& [label, options] : front_ends()) {
    const FrontEnd front_end(options);
    const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end);
    Rng rng(8);
    std::vector<double> gains(static_cast<size_t>(f->size()));
    for (auto& g : gains) g = rng.uniform(0.25, 0.75);
    Matrix<float> upstream(f->n_mels(), f->frames());
    for (auto& u : upstream.values()) u = static_cast<float>(rng.uniform(-1.0, 1.0));
    const std::vector<double> vjp = f->gains_vjp(gains.data(), upstream);
    ASSERT_EQ(static_cast<int64_t>(vjp.size()), f->size());
    double scale = 0.0;
    for (double v : vjp) scale = std::max(scale, std::abs(v));
    ASSERT_GT(scale, 0.0) << label;
    // Central differences in double of float compositions: the step balances the O(h²) truncation
    // against the float rounding of each cell divided by 2h.
    const double h = 1e-4;
    for (int64_t i = 0; i < f->size(); ++i) {
      std::vector<double> up = gains;
      std::vector<double> down = gains;
      up[static_cast<size_t>(i)] += h;
      down[static_cast<size_t>(i)] -= h;
      const double fd = (dot(f->compose_gains(up), upstream) - dot(f->compose_gains(down), upstream)) / (2.0 * h);
      EXPECT_NEAR(vjp[static_cast<size_t>(i)], fd, 5e-3 * scale + 1e-9)
          << label << ", component " << f->names()[static_cast<size_t>(i)];
    }
  }
}

// The silent half is clamped at amin: no gain moves it, so an upstream there alone gives zeros.
TEST_P(EveryFactorizationGains, CellsOnTheDbFloorPassNoGradient) {
  const auto input = half_silent_input();
  FrontEndOptions options;
  options.n_mels = 24;
  const FrontEnd front_end(options);
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end);
  const Matrix<float> all = f->compose(std::vector<uint8_t>(static_cast<size_t>(f->size()), 1));
  const float floor = front_end.compress_value(0.0f);
  Matrix<float> upstream(f->n_mels(), f->frames(), 0.0f);
  int64_t floored = 0;
  for (int64_t c = 0; c < all.size(); ++c)
    if (all.data()[c] == floor) {
      upstream.data()[c] = 1.0f;
      ++floored;
    }
  ASSERT_GT(floored, 0);
  const std::vector<double> gains(static_cast<size_t>(f->size()), 0.5);
  const std::vector<double> baseline_zero = f->gains_vjp(gains.data(), upstream);
  if (f->domain() == "waveform") {
    // Silence under silence: neither content nor the (silent) baseline reaches these cells.
    for (double v : baseline_zero) EXPECT_EQ(v, 0.0);
  } else {
    // Cells replace cells: a floored cell still moves toward its baseline's value (x − b).
    double total = 0.0;
    for (double v : baseline_zero) total += v;
    const Matrix<float> none = f->compose(std::vector<uint8_t>(static_cast<size_t>(f->size()), 0));
    double expected = 0.0;
    for (int64_t c = 0; c < all.size(); ++c)
      if (upstream.data()[c] != 0.0f) expected += static_cast<double>(all.data()[c]) - none.data()[c];
    EXPECT_NEAR(total, expected, 1e-6 * std::max(1.0, std::abs(expected)));
  }
}

TEST_P(EveryFactorizationGains, AWrongUpstreamShapeIsRefused) {
  const auto input = half_silent_input();
  const FrontEnd front_end{FrontEndOptions{}};
  const auto f = factorizer_registry().create(GetParam())->factorize(input, front_end);
  const std::vector<double> gains(static_cast<size_t>(f->size()), 0.5);
  EXPECT_THROW_WITH(f->gains_vjp(gains.data(), Matrix<float>(3, 4)), ShapeError, "upstream is 3 x 4");
  EXPECT_THROW_WITH(f->compose_gains(std::vector<double>(1, 0.5)), ShapeError, "gains have 1 entries");
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryFactorizationGains, ::testing::ValuesIn(factorizer_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

// A factorization that composes keep-masks only is refused by name, with the ones that can.
class MaskOnly : public Factorization {
 public:
  MaskOnly() : Factorization({"a", "b"}, 1, 2, nlohmann::json::object()) {}
  std::string domain() const override { return "mask-only"; }
  std::string baseline() const override { return "0"; }
  void compose(const uint8_t*, float*) const override {}
  using Factorization::compose;
  Audio render(const std::vector<uint8_t>&) const override { return {}; }
  std::vector<double> pool(const Matrix<float>&) const override { return {0.0, 0.0}; }
  FrameSpan span(int64_t) const override { return {0, 2}; }
  Matrix<float> indicator(int64_t) const override { return Matrix<float>(1, 2, 1.0f); }
};

TEST(Gains, AFactorizationWithoutThemIsRefusedByName) {
  const MaskOnly f;
  std::string valid;
  for (const auto& name : factorizer_registry().names()) valid += (valid.empty() ? "" : ", ") + name;
  EXPECT_THROW_WITH(f.compose_gains(std::vector<double>{0.5, 0.5}), ConfigError, "'mask-only' factorization",
                    "component_ig", valid);
  const std::vector<double> gains{0.5, 0.5};
  EXPECT_THROW_WITH(f.gains_vjp(gains.data(), Matrix<float>(1, 2)), ConfigError, "'mask-only' factorization");
}

}  // namespace
}  // namespace hearsay::factorizations
