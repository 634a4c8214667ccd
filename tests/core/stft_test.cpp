#include <cmath>
#include <cstdio>
#include <complex>

#include <gtest/gtest.h>

#include "core/front_end.h"
#include "core/parallel.h"
#include "core/stft.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

using testing::noise;

StftOptions options(int n_fft, int hop, bool center = true, PadMode pad = PadMode::reflect, int win = 0) {
  StftOptions o;
  o.n_fft = n_fft;
  o.hop_length = hop;
  o.center = center;
  o.pad_mode = pad;
  o.win_length = win;
  return o;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

TEST(Stft, InverseReconstructsRandomSignalsForManySeedsAndSettings) {
  struct Case {
    int n_fft, hop, win;
    bool center;
    PadMode pad;
  };
  const Case cases[] = {{1024, 512, 0, true, PadMode::reflect},  {1024, 256, 0, true, PadMode::reflect},
                        {512, 128, 400, true, PadMode::reflect}, {2048, 512, 0, true, PadMode::constant},
                        {256, 64, 0, true, PadMode::reflect},    {512, 128, 0, false, PadMode::reflect}};
  for (const Case& c : cases) {
    Stft stft(options(c.n_fft, c.hop, c.center, c.pad, c.win));
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      const int64_t n = 5000 + static_cast<int64_t>(seed) * 777;
      const auto x = noise(n, seed);
      const auto spectrum = stft.forward(x.data(), n);
      auto y = stft.inverse(spectrum, n);
      if (!c.center) {
        // Without centring the first and last n_fft - hop samples lack full overlap; compare the middle.
        std::vector<float> xm(x.begin() + c.n_fft, x.end() - c.n_fft), ym(y.begin() + c.n_fft, y.end() - c.n_fft);
        EXPECT_LT(max_abs_diff(xm, ym), 1e-5f) << "n_fft " << c.n_fft << " seed " << seed;
      } else {
        EXPECT_LT(max_abs_diff(x, y), 1e-5f) << "n_fft " << c.n_fft << " hop " << c.hop << " seed " << seed;
      }
    }
  }
}

TEST(Stft, SinePeaksAtItsBin) {
  const int rate = 22050;
  const int n_fft = 1024;
  Stft stft(options(n_fft, 512));
  for (int bin : {5, 23, 100, 300, 511}) {
    const double f = static_cast<double>(bin) * rate / n_fft;
    const Audio a = testing::sine(f, 1.0, rate);
    const auto spectrum = stft.forward(a.data(), a.frames());
    const int64_t t = spectrum.rows() / 2;
    int best = 0;
    for (int k = 0; k < stft.n_bins(); ++k)
      if (std::abs(spectrum(t, k)) > std::abs(spectrum(t, best))) best = k;
    EXPECT_EQ(best, bin) << "sine at " << f << " Hz";
    // A bin-centred sine of amplitude A under a periodic Hann window peaks at A · n_fft / 4.
    EXPECT_NEAR(std::abs(spectrum(t, bin)), 0.5 * n_fft / 4, 0.5 * n_fft / 4 * 1e-3);
  }
}

TEST(Stft, ParsevalHoldsForEveryFrame) {
  const int n_fft = 1024;
  Stft stft(options(n_fft, 256));
  const auto x = noise(20000, 7);
  const auto spectrum = stft.forward(x.data(), static_cast<int64_t>(x.size()));
  double time_energy = 0.0;
  double freq_energy = 0.0;
  for (int64_t t = 0; t < spectrum.rows(); ++t) {
    // Energy of the windowed frame in time, rebuilt by reflect padding as the STFT does.
    for (int i = 0; i < n_fft; ++i) {
      int64_t j = t * 256 - n_fft / 2 + i;
      if (j < 0) j = -j;
      if (j >= static_cast<int64_t>(x.size())) j = 2 * (static_cast<int64_t>(x.size()) - 1) - j;
      const double v = static_cast<double>(x[static_cast<size_t>(j)]) * stft.window()[static_cast<size_t>(i)];
      time_energy += v * v;
    }
    // One-sided spectrum: DC and Nyquist once, every other bin twice.
    for (int k = 0; k < stft.n_bins(); ++k) {
      const double w = (k == 0 || k == n_fft / 2) ? 1.0 : 2.0;
      freq_energy += w * std::norm(std::complex<double>(spectrum(t, k))) / n_fft;
    }
  }
  EXPECT_NEAR(freq_energy / time_energy, 1.0, 1e-4);
}

TEST(Stft, MatchesTorchStft) {
  const auto dir = testing::data_dir() / "front_end";
  const auto x = testing::read_f32(dir / "signal.f32");
  const auto reference = testing::read_f32(dir / "slaney_db_stft.f32");  // [frames, bins, 2]
  Stft stft(options(1024, 512));
  const auto spectrum = stft.forward(x.data(), static_cast<int64_t>(x.size()));
  ASSERT_EQ(static_cast<size_t>(spectrum.size() * 2), reference.size());
  double max_err = 0.0;
  double max_mag = 0.0;
  for (int64_t i = 0; i < spectrum.size(); ++i) {
    const std::complex<float> r(reference[static_cast<size_t>(2 * i)], reference[static_cast<size_t>(2 * i + 1)]);
    max_err = std::max(max_err, static_cast<double>(std::abs(spectrum.data()[i] - r)));
    max_mag = std::max(max_mag, static_cast<double>(std::abs(r)));
  }
  std::printf("STFT vs torch.stft (float64, stored as float32): max error / max magnitude %.3g\n", max_err / max_mag);
  EXPECT_LT(max_err / max_mag, 1e-6);
}

TEST(Stft, ForwardFramesEqualsSliceOfFullTransform) {
  Stft stft(options(512, 128));
  const auto x = noise(9000, 3);
  const auto full = stft.forward(x.data(), 9000);
  std::vector<Complex> part(static_cast<size_t>(10 * stft.n_bins()));
  stft.forward_frames(x.data(), 9000, 30, 10, part.data());
  for (int64_t t = 0; t < 10; ++t)
    for (int k = 0; k < stft.n_bins(); ++k)
      EXPECT_EQ(part[static_cast<size_t>(t * stft.n_bins() + k)], full(30 + t, k));
  EXPECT_THROW(stft.forward_frames(x.data(), 9000, full.rows() - 2, 5, part.data()), ShapeError);
}

TEST(Stft, FrameCountFollowsTorch) {
  Stft centred(options(1024, 512));
  EXPECT_EQ(centred.num_frames(22050), 44);  // 1 + 22050 / 512
  EXPECT_EQ(centred.num_frames(661500), 1292);
  Stft plain(options(1024, 512, false));
  EXPECT_EQ(plain.num_frames(22050), 42);  // 1 + (22050 - 1024) / 512
}

TEST(Stft, RefusesSignalsTooShortForTheirPadding) {
  Stft stft(options(1024, 512));
  EXPECT_THROW_WITH(stft.num_frames(400), ShapeError, "too short", "constant");
  EXPECT_THROW_WITH(stft.num_frames(0), ShapeError, "empty");
  Stft constant(options(1024, 512, true, PadMode::constant));
  EXPECT_EQ(constant.num_frames(400), 1);
}

TEST(Stft, InvalidOptionsAreConfigErrors) {
  EXPECT_THROW_WITH(Stft(options(512, 128, true, PadMode::reflect, 1024)), ConfigError, "win_length");
  EXPECT_THROW_WITH(Stft(options(512, 0)), ConfigError, "hop_length");
}

TEST(Stft, ManyClipsInParallelAreBitIdenticalToSerial) {
  FrontEnd front_end(FrontEndOptions{});
  std::vector<std::vector<float>> clips;
  for (uint64_t i = 0; i < 24; ++i) clips.push_back(noise(22050 * 2 + static_cast<int64_t>(i) * 301, 100 + i));
  auto run = [&](int threads) {
    set_num_threads(threads);
    std::vector<Matrix<float>> out(clips.size());
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < clips.size(); ++i)
      out[i] = front_end.features(clips[i].data(), static_cast<int64_t>(clips[i].size()));
    return out;
  };
  const auto serial = run(1);
  const auto parallel = run(2);
  set_num_threads(0);
  for (size_t i = 0; i < clips.size(); ++i) EXPECT_TRUE(serial[i] == parallel[i]) << "clip " << i;
}

}  // namespace
}  // namespace hearsay

namespace hearsay {
namespace {
TEST(Stft, InverseRefusesHopsThatLeaveGaps) {
  Stft stft(options(256, 512, true, PadMode::reflect, 0));  // hop longer than the window
  const auto x = noise(5000, 1);
  EXPECT_THROW_WITH(stft.inverse(stft.forward(x.data(), 5000), 5000), ShapeError, "NOLA");
}
}  // namespace
}  // namespace hearsay
