#include <cmath>
#include <complex>

#include <gtest/gtest.h>

#include "core/audio.h"
#include "core/error.h"
#include "core/stft.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

// Level near `frequency`: root of the power summed over the bins around it (the window's main lobe),
// from one long windowed FFT frame in the middle. Summing the lobe makes the figure independent of
// where the tone falls between bins, so two sample rates can be compared.
double level_at(const Audio& a, double frequency) {
  StftOptions o;
  o.n_fft = 8192;
  o.hop_length = 4096;
  Stft stft(o);
  const auto spectrum = stft.forward(a.data(), a.frames());
  const int64_t t = spectrum.rows() / 2;
  const int bin = static_cast<int>(std::lround(frequency * o.n_fft / a.sample_rate()));
  double power = 0.0;
  for (int k = std::max(0, bin - 4); k <= std::min(stft.n_bins() - 1, bin + 4); ++k)
    power += std::norm(std::complex<double>(spectrum(t, k)));
  return std::sqrt(power);
}

TEST(Audio, ConstructorChecksShape) {
  EXPECT_THROW_WITH(Audio(std::vector<float>(5), 2, 44100), ShapeError, "5 samples", "2-channel");
  EXPECT_THROW_WITH(Audio(std::vector<float>(4), 0, 44100), ShapeError, "channel count");
  EXPECT_THROW_WITH(Audio(std::vector<float>(4), 1, 0), ShapeError, "sample rate");
}

TEST(Audio, MonoMixdownAveragesChannels) {
  Audio stereo({1.0f, 3.0f, -2.0f, 0.0f}, 2, 8000);
  const Audio mono = stereo.to_mono();
  ASSERT_EQ(mono.channels(), 1);
  EXPECT_EQ(mono.samples(), (std::vector<float>{2.0f, -1.0f}));
  std::vector<float> eight(8 * 3);
  for (size_t i = 0; i < eight.size(); ++i) eight[i] = static_cast<float>(i % 8);
  EXPECT_FLOAT_EQ(Audio(eight, 8, 8000).to_mono().samples()[1], 3.5f);
}

TEST(Audio, ResamplingKeepsOneKilohertzAndRemovesFifteen) {
  const Audio one_k = testing::sine(1000.0, 2.0, 44100);
  const Audio fifteen_k = testing::sine(15000.0, 2.0, 44100);
  const Audio a = one_k.resampled(22050);
  const Audio b = fifteen_k.resampled(22050);
  EXPECT_EQ(a.sample_rate(), 22050);
  EXPECT_NEAR(static_cast<double>(a.frames()), 44100.0, 2.0);
  // The 1 kHz tone keeps its level at 1 kHz; the 15 kHz tone (above the new Nyquist) is gone.
  EXPECT_NEAR(level_at(a, 1000.0) / level_at(one_k, 1000.0), 1.0, 0.01);
  EXPECT_NEAR(a.rms(), one_k.rms(), 0.01 * one_k.rms());
  // The 15 kHz tone would alias to 22050 - 15000 = 7050 Hz: nothing may appear there.
  EXPECT_LT(b.rms(), 1e-2 * fifteen_k.rms());
  EXPECT_LT(level_at(b, 7050.0), 1e-3 * level_at(fifteen_k, 15000.0));
  for (auto q : {ResampleQuality::sinc_medium, ResampleQuality::sinc_fastest, ResampleQuality::linear})
    EXPECT_NEAR(level_at(one_k.resampled(22050, q), 1000.0) / level_at(one_k, 1000.0), 1.0, 0.02)
        << resample_quality_name(q);
  EXPECT_EQ(resample_quality_from_name("sinc_medium"), ResampleQuality::sinc_medium);
  EXPECT_THROW_WITH(resample_quality_from_name("best"), ConfigError, "best", "sinc_best");
}

TEST(Audio, ResamplingRefusesRatiosLibsamplerateCannotDo) {
  // A header claiming 1 Hz once asked for 22050 output frames per input frame; the converter's
  // limits are now checked by name instead of failing inside src_simple (or in the allocation).
  const Audio a = Audio::mono(std::vector<float>(1000, 0.1f), 10);
  EXPECT_THROW_WITH(a.resampled(22050), ConfigError, "10 -> 22050 Hz", "1/256 to 256");
  EXPECT_THROW_WITH(Audio::mono({0.1f}, 768000).resampled(1000), ConfigError, "768000 -> 1000 Hz");
  EXPECT_NEAR(static_cast<double>(a.resampled(2560).frames()), 256000.0, 300.0);  // the limit itself is fine
}

TEST(Audio, ResamplingOneFrameHoldsIt) {
  // libsamplerate's linear converter read before its input for a one-frame signal (a 512-channel AU
  // file crashed hearsay; found by fuzzing, tests/data/bad/one_frame_512_channels.au).
  std::vector<float> frame(64);
  for (size_t c = 0; c < frame.size(); ++c) frame[c] = 0.01f * static_cast<float>(c);
  const Audio one(frame, 64, 8000);
  for (auto quality : {ResampleQuality::linear, ResampleQuality::sinc_fastest, ResampleQuality::zero_order_hold}) {
    const Audio out = one.resampled(24000, quality);
    ASSERT_EQ(out.frames(), 3) << resample_quality_name(quality);
    for (int64_t f = 0; f < out.frames(); ++f)
      for (int c = 0; c < 64; ++c) ASSERT_EQ(out.at(f, c), frame[static_cast<size_t>(c)]);
  }
  EXPECT_THROW_WITH(Audio(std::vector<float>(200 * 2), 200, 8000).resampled(22050), ShapeError, "200 channels",
                    "at most 128");
  EXPECT_EQ(Audio(std::vector<float>(200 * 2), 200, 8000).resampled(22050, ResampleQuality::linear).channels(), 200);
}

TEST(Audio, ExcerptsAndFitting) {
  Audio a = Audio::mono({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10);
  EXPECT_EQ(a.excerpt(0.2, 0.3).samples(), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(a.excerpt(0.8, -1).samples(), (std::vector<float>{8, 9}));
  EXPECT_EQ(a.excerpt(0.8, 5.0).frames(), 2);  // clipped at the end
  EXPECT_THROW_WITH(a.excerpt(2.0, 1.0), ShapeError, "outside");
  EXPECT_EQ(a.fitted(3).samples(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(a.fitted(12).frames(), 12);
  EXPECT_EQ(a.fitted(12).samples()[11], 0.0f);
}

TEST(Audio, NormalisationLeavesSilenceSilent) {
  Audio a = Audio::mono({0.5f, -0.25f}, 8000);
  a.normalize_peak(1.0f);
  EXPECT_FLOAT_EQ(a.peak(), 1.0f);
  a.normalize_rms(0.1);
  EXPECT_NEAR(a.rms(), 0.1, 1e-7);
  Audio silent = Audio::silence(100, 1, 8000);
  silent.normalize_peak().normalize_rms(0.5);
  EXPECT_EQ(silent.peak(), 0.0f);
}

TEST(Audio, AddingRequiresSameShape) {
  Audio a = Audio::mono({1, 2}, 8000);
  a += Audio::mono({1, 1}, 8000);
  EXPECT_EQ(a.samples(), (std::vector<float>{2, 3}));
  EXPECT_THROW_WITH(a += Audio::mono({1, 1}, 16000), ShapeError, "16000");
}

}  // namespace
}  // namespace hearsay
