// The differentiable front-end twin (models/torch_front_end.h) against core/'s FFTW front-end, and
// NetworkModel::waveform_gradients against central finite differences and Model::logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"
#include "core/random.h"
#include "models/load_model.h"
#include "models/torch_front_end.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

using testing::path;
using testing::small_network;

// Music-like: notes of five harmonics (amplitudes 1/h) that enter one after another, over seeded noise
// 40 dB down.
std::vector<float> music_like(int64_t n, int rate, uint64_t seed) {
  Rng rng(seed);
  const double notes[] = {110.0, 277.2, 329.6, 523.3};
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    double v = 0.01 * rng.normal();
    for (int k = 0; k < 4; ++k) {
      if (i < k * n / 5) continue;
      for (int h = 1; h <= 5; ++h) v += 0.05 / h * std::sin(2.0 * M_PI * notes[k] * h * t + k + h);
    }
    x[static_cast<size_t>(i)] = static_cast<float>(v);
  }
  return x;
}

// A feature value in the front-end's own dB scale (10·log10 of what the log stage compresses), so
// every log mode is compared in one unit: 1e-4 dB is 2.3e-5 natural-log units.
double in_db(double v, LogMode mode) {
  switch (mode) {
    case LogMode::db:
      return v;
    case LogMode::natural:
      return v * 10.0 / std::log(10.0);
    case LogMode::log10:
      return 10.0 * v;
    case LogMode::none:
      break;
  }
  return 10.0 * std::log10(std::max(v, 1e-30));
}

// Largest difference (dB) between the twin's and core/'s features over the cells within 60 dB of the
// clip's peak (core/'s values decide which); `cells` receives how many were compared.
double twin_difference(const FrontEndOptions& options, const std::vector<float>& clip, int64_t& cells) {
  const FrontEnd front_end(options);
  const TorchFrontEnd twin(front_end);
  const Matrix<float> expected = front_end.features(clip.data(), static_cast<int64_t>(clip.size()));
  const torch::Tensor x =
      torch::from_blob(const_cast<float*>(clip.data()), {1, static_cast<int64_t>(clip.size())}, torch::kFloat);
  const torch::Tensor got = twin.features(x).contiguous();
  EXPECT_EQ(got.scalar_type(), torch::kFloat);
  EXPECT_EQ(got.sizes(), (std::vector<int64_t>{1, expected.rows(), expected.cols()}));
  if (got.size(2) != expected.cols()) return INFINITY;
  double peak = -INFINITY;
  for (const float v : expected.values()) peak = std::max(peak, in_db(v, options.log));
  double worst = 0.0;
  cells = 0;
  const float* g = got.data_ptr<float>();
  for (int64_t i = 0; i < expected.size(); ++i) {
    const double want = in_db(expected.data()[i], options.log);
    if (want < peak - 60.0) continue;
    ++cells;
    worst = std::max(worst, std::fabs(in_db(g[i], options.log) - want));
  }
  return worst;
}

TEST(TorchFrontEnd, EqualsCoreFrontEndWithin1e4DbForEveryLogMode) {
  struct Case {
    std::string name;
    FrontEndOptions options;
  };
  std::vector<Case> cases;
  cases.push_back({"default (slaney, power 2, db)", FrontEndOptions{}});
  FrontEndOptions htk;
  htk.mel_scale = MelScale::htk;
  htk.mel_norm = MelNorm::none;
  htk.log = LogMode::natural;
  htk.power = 1.0;
  cases.push_back({"htk, mel_norm none, power 1, natural", htk});
  FrontEndOptions log10;
  log10.log = LogMode::log10;
  log10.win_length = 800;
  log10.pad_mode = PadMode::constant;
  log10.n_mels = 64;
  log10.f_min = 50.0;
  log10.f_max = 8000.0;
  cases.push_back({"log10, win_length 800, constant pad, 50..8000 Hz", log10});
  FrontEndOptions top_db;
  top_db.top_db = 50.0;
  top_db.center = false;
  top_db.hop_length = 300;
  top_db.ref = 1e-3;
  cases.push_back({"db, top_db 50, ref 1e-3, not centred, hop 300", top_db});
  FrontEndOptions none;
  none.log = LogMode::none;
  none.n_fft = 512;
  none.hop_length = 160;
  cases.push_back({"none, n_fft 512, hop 160", none});

  // Three seconds, and a length that is not a multiple of any hop here.
  for (const int64_t n : {int64_t{3 * 22050}, int64_t{3 * 22050 + 77}}) {
    const std::vector<float> clip = music_like(n, 22050, 7);
    for (const Case& c : cases) {
      int64_t cells = 0;
      const double worst = twin_difference(c.options, clip, cells);
      std::printf("[ twin ] %-50s %6lld samples: max %.3g dB over %lld cells within 60 dB of the peak\n",
                  c.name.c_str(), static_cast<long long>(n), worst, static_cast<long long>(cells));
      EXPECT_GT(cells, 1000) << c.name;
      EXPECT_LT(worst, 1e-4) << c.name << ", " << n << " samples";
    }
  }
  // With top_db the clamp is each clip's own: a quiet clip beside a loud one keeps its own floor.
  {
    const FrontEnd front_end(cases[3].options);
    const TorchFrontEnd twin(front_end);
    const std::vector<float> loud = music_like(8000, 22050, 8);
    std::vector<float> both = loud;
    for (const float v : loud) both.push_back(v * 1e-3f);
    const torch::Tensor got = twin.features(torch::from_blob(both.data(), {2, 8000}, torch::kFloat)).contiguous();
    const Matrix<float> quiet = front_end.features(both.data() + 8000, 8000);
    for (int64_t i = 0; i < quiet.size(); ++i)
      ASSERT_NEAR(got[1].data_ptr<float>()[i], quiet.data()[i], 1e-3) << "cell " << i;
  }
  const FrontEnd front_end{FrontEndOptions{}};
  const TorchFrontEnd twin(front_end);
  EXPECT_THROW_WITH(twin.features(torch::zeros({1, 300})), ShapeError, "300 samples", "reflect padding");
  EXPECT_THROW_WITH(twin.features(torch::zeros({300})), ShapeError, "[batch x samples]");
}

TEST(TorchFrontEnd, GradientsAreFiniteAtSilenceAndBelowTheFloor) {
  // Half a clip of digital silence: |X| = 0 for power 1, the amin floor for power 2 and the dB stage.
  std::vector<float> clip(4000, 0.0f);
  const std::vector<float> sound = music_like(4000, 8000, 9);
  clip.insert(clip.end(), sound.begin(), sound.end());
  for (const double power : {1.0, 2.0}) {
    for (const bool clamp : {false, true}) {
      FrontEndOptions o = testing::small_front_end();
      o.power = power;
      if (clamp) o.top_db = 60.0;
      const TorchFrontEnd twin{FrontEnd(o)};
      const torch::Tensor x = torch::from_blob(clip.data(), {1, 8000}, torch::kFloat).clone().requires_grad_(true);
      twin.features(x).sum().backward();
      const torch::Tensor g = x.grad();
      EXPECT_TRUE(torch::isfinite(g).all().item<bool>()) << "power " << power << " top_db " << clamp;
      EXPECT_GT(g.abs().max().item<float>(), 0.0f) << "power " << power << " top_db " << clamp;
    }
  }
}

// Finite differences of output[target] at the four samples of largest gradient (steps of
// `sample_step`) and along the gradient itself (a step of `gradient_step` in norm, where the change of
// the output is largest against float rounding), all in one batched call: rows 2k and 2k + 1 are the
// clip moved by +step and −step along direction k. The network is piecewise linear in its features
// (ReLU, max-pooling): where a kink lies within the step, the central difference averages two slopes
// and the gradient is one of them, so each direction's error is the smallest relative error of the
// central, forward and backward differences (each against the displacement float stored).
struct FiniteDifference {
  double worst_sample = 0.0;  // largest relative error over the chosen samples
  double along_gradient = 0.0;
};

FiniteDifference finite_difference(const NetworkModel& model, const std::vector<float>& clip, int target, Output output,
                                   double sample_step, double gradient_step) {
  const auto n = static_cast<int64_t>(clip.size());
  const WaveformGradients g = model.waveform_gradients(clip.data(), 1, n, target, output);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::partial_sort(order.begin(), order.begin() + 4, order.end(),
                    [&](int64_t a, int64_t b) { return std::fabs(g.gradients(0, a)) > std::fabs(g.gradients(0, b)); });
  std::vector<std::vector<double>> steps;
  for (int k = 0; k < 4; ++k) {
    std::vector<double> d(static_cast<size_t>(n), 0.0);
    d[static_cast<size_t>(order[static_cast<size_t>(k)])] = sample_step;
    steps.push_back(d);
  }
  double norm = 0.0;
  for (int64_t i = 0; i < n; ++i) norm += double{g.gradients(0, i)} * g.gradients(0, i);
  std::vector<double> along(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) along[static_cast<size_t>(i)] = gradient_step * g.gradients(0, i) / std::sqrt(norm);
  steps.push_back(along);

  const auto m = static_cast<int64_t>(steps.size());
  std::vector<float> moved;
  for (const auto& d : steps)
    for (const double sign : {1.0, -1.0})
      for (int64_t i = 0; i < n; ++i)
        moved.push_back(static_cast<float>(clip[static_cast<size_t>(i)] + sign * d[static_cast<size_t>(i)]));
  const WaveformGradients at = model.waveform_gradients(moved.data(), 2 * m, n, target, output);
  const auto base = static_cast<double>(g.outputs(0, target));
  FiniteDifference out;
  for (int64_t k = 0; k < m; ++k) {
    const float* plus = moved.data() + 2 * k * n;
    const float* minus = plus + n;
    double forward = 0.0;
    double backward = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      forward += g.gradients(0, i) * (double{plus[i]} - clip[static_cast<size_t>(i)]);
      backward += g.gradients(0, i) * (double{clip[static_cast<size_t>(i)]} - minus[i]);
    }
    const double up = at.outputs(2 * k, target) - base;
    const double down = base - at.outputs(2 * k + 1, target);
    const double error =
        std::min({std::fabs(up + down - forward - backward) / std::fabs(forward + backward),
                  std::fabs(up - forward) / std::fabs(forward), std::fabs(down - backward) / std::fabs(backward)});
    if (k < 4)
      out.worst_sample = std::max(out.worst_sample, error);
    else
      out.along_gradient = error;
  }
  return out;
}

TEST(WaveformGradients, MatchFiniteDifferencesAndModelLogits) {
  const nlohmann::json tiny_vgg = {{"channels", {4, 8, 8, 8}}};
  auto [config, network] = small_network("vgg_small", tiny_vgg, 40, 71);
  const NetworkModel model(config, network, path(InferencePath::frozen, 4));
  // 6000 samples (47 frames: two overlapping windows of 40) and 5000 (not a multiple of the hop).
  for (const int64_t n : {int64_t{6000}, int64_t{5000}}) {
    const std::vector<float> a = music_like(n, 8000, 72);
    const std::vector<float> b = music_like(n, 8000, 73);
    std::vector<float> both = a;
    both.insert(both.end(), b.begin(), b.end());
    for (const Output output : {Output::logits, Output::probabilities}) {
      const WaveformGradients g = model.waveform_gradients(both.data(), 2, n, 1, output);
      ASSERT_EQ(g.gradients.rows(), 2);
      ASSERT_EQ(g.gradients.cols(), n);
      for (int c = 0; c < 2; ++c) {
        const Audio clip = Audio::mono(c == 0 ? a : b, 8000);
        const Matrix<float> expected = output == Output::logits ? model.logits(clip) : softmax_rows(model.logits(clip));
        for (int64_t k = 0; k < 3; ++k)
          EXPECT_NEAR(g.outputs(c, k), expected(0, k), 1e-4 * std::max(1.0f, std::fabs(expected(0, k))))
              << "clip " << c << " class " << k;
      }
      // A clip's gradient does not depend on the clips it came with.
      const WaveformGradients alone = model.waveform_gradients(b.data(), 1, n, 1, output);
      for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(alone.gradients(0, i), g.gradients(1, i)) << "sample " << i;

      const FiniteDifference fd = finite_difference(model, a, 1, output, 3e-3, 1e-3);
      std::printf(
          "[ twin ] waveform gradients, %lld samples, %s: finite differences off by %.3g (largest samples), "
          "%.3g (along the gradient)\n",
          static_cast<long long>(n), output == Output::logits ? "logits" : "probabilities", fd.worst_sample,
          fd.along_gradient);
      // One step of a sample moves the output by ~100 float steps of it (the untrained network barely
      // hears one sample), so those differences are good to a few percent; along the gradient to ~1 %.
      EXPECT_LT(fd.worst_sample, 0.1);
      EXPECT_LT(fd.along_gradient, 0.03);
    }
  }
  const std::vector<float> clip = music_like(6000, 8000, 74);
  EXPECT_THROW_WITH(model.waveform_gradients(clip.data(), 1, 6000, 3, Output::logits), ConfigError,
                    "vgg_small (built-in)", "target class 3");
  EXPECT_THROW_WITH(model.waveform_gradients(clip.data(), -1, 6000, 0, Output::logits), ShapeError,
                    "vgg_small (built-in)", "count >= 0");
  EXPECT_THROW_WITH(model.waveform_gradients(clip.data(), 1, 100, 0, Output::logits), ShapeError,
                    "vgg_small (built-in)", "100 samples", "reflect padding");
  EXPECT_EQ(model.waveform_gradients(clip.data(), 0, 6000, 0, Output::logits).gradients.rows(), 0);
}

// A white box without layers of its own: WhiteBox's defaults, waveform gradients included, refuse.
class LayerlessToy : public Model, public WhiteBox {
 public:
  LayerlessToy() : WhiteBox(static_cast<const Model&>(*this)), front_end_(testing::small_front_end()) {}
  std::string name() const override { return "layerless toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 4; }
  Matrix<float> window_logits(const float*, int64_t count) const override { return Matrix<float>(count, 2, 0.0f); }
  const WhiteBox* white_box() const override { return this; }
  std::vector<LayerInfo> layers() const override { return {}; }
  LayerGradient layer_gradient(const Matrix<float>&, const std::string& layer, int, Output) const override {
    refuse("layer gradient at '" + layer + "'");
  }

 private:
  FrontEnd front_end_;
  std::vector<std::string> classes_ = {"a", "b"};
};

TEST(WaveformGradients, ModelsWithoutATwinOrLayersAreRefusedByName) {
  const std::vector<float> clip = music_like(2000, 8000, 81);
  const LayerlessToy toy;
  EXPECT_THROW_WITH(toy.waveform_gradients(clip.data(), 1, 2000, 0, Output::logits), UnsupportedModelError,
                    "'layerless toy'", "waveform");
  // A TorchScript module that is not a chain of submodules is a black box: no layers to differentiate.
  const auto black = load_model((hearsay::testing::data_dir() / "models" / "skip").string());
  const auto* network = dynamic_cast<const NetworkModel*>(black.get());
  ASSERT_NE(network, nullptr);
  const std::vector<float> samples(static_cast<size_t>(black->front_end().sample_rate()), 0.1f);
  EXPECT_THROW_WITH(
      network->waveform_gradients(samples.data(), 1, static_cast<int64_t>(samples.size()), 0, Output::logits),
      UnsupportedModelError, "waveform_gradients", "torchscript: skip.pt", "black box");
}

}  // namespace
}  // namespace hearsay::models
