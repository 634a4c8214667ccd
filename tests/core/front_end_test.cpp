#include <algorithm>
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/front_end.h"
#include "core/mel.h"
#include "tests/support/reference_front_end.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

nlohmann::json manifest() {
  std::ifstream in(testing::data_dir() / "front_end" / "manifest.json");
  return nlohmann::json::parse(in);
}

FrontEndOptions options_for(const nlohmann::json& config) {
  FrontEndOptions o;
  o.sample_rate = 22050;
  o.n_fft = config["n_fft"];
  o.hop_length = config["hop_length"];
  o.n_mels = config["n_mels"];
  o.f_min = config["f_min"];
  o.f_max = config["f_max"];
  o.mel_scale = config["mel_scale"] == "htk" ? MelScale::htk : MelScale::slaney;
  o.mel_norm = config["mel_norm"] == "slaney" ? MelNorm::slaney : MelNorm::none;
  o.log = config["log"] == "db" ? LogMode::db : LogMode::natural;
  if (!config["top_db"].is_null()) o.top_db = config["top_db"].get<double>();
  return o;
}

TEST(MelScale, RoundTripsAndKnownPoints) {
  for (MelScale scale : {MelScale::htk, MelScale::slaney})
    for (double hz : {0.0, 100.0, 999.0, 1000.0, 4321.0, 11025.0})
      EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, scale), scale), hz, 1e-9 * std::max(1.0, hz));
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::slaney), 15.0, 1e-12);  // linear part ends at 15 mels
  EXPECT_NEAR(hz_to_mel(700.0, MelScale::htk), 2595.0 * std::log10(2.0), 1e-9);
}

TEST(FrontEnd, FilterbanksMatchTorchaudio) {
  const nlohmann::json all = manifest();  // (a temporary would not outlive the loop)
  ASSERT_EQ(all["configs"].size(), 3u);
  for (const auto& config : all["configs"]) {
    const auto o = options_for(config);
    MelFilterbank fb(o.sample_rate, o.n_fft, o.n_mels, o.f_min, o.effective_f_max(), o.mel_scale, o.mel_norm);
    const auto reference =
        testing::read_f32(testing::data_dir() / "front_end" / config["filterbank"]["file"].get<std::string>());
    const auto dense = fb.dense();
    ASSERT_EQ(static_cast<size_t>(dense.size()), reference.size()) << config["name"];
    float peak = 0.0f;
    for (float r : reference) peak = std::max(peak, std::abs(r));
    // Within 1e-4 of each weight's own value; weights below 1e-6 of the peak (the feet of the
    // triangles, where float32 rounding of the reference dominates) within 1e-10 of the peak.
    double worst = 0.0;
    for (size_t i = 0; i < reference.size(); ++i) {
      const double r = reference[i];
      const double err = std::abs(dense.values()[i] - r);
      if (std::abs(r) < 1e-6 * peak) {
        EXPECT_LT(err, 1e-10 * peak) << config["name"] << " at " << i;
      } else {
        worst = std::max(worst, err / std::abs(r));
      }
    }
    std::printf("%s: filterbank worst relative error %.3g\n", config["name"].get<std::string>().c_str(), worst);
    EXPECT_LT(worst, 1e-4) << config["name"];
  }
}

TEST(FrontEnd, LogMelMatchesTorchaudioWithinRelative1e4) {
  const auto x = testing::read_f32(testing::data_dir() / "front_end" / "signal.f32");
  const nlohmann::json all = manifest();  // (a temporary would not outlive the loop)
  ASSERT_EQ(all["configs"].size(), 3u);
  for (const auto& config : all["configs"]) {
    FrontEnd front_end(options_for(config));
    const auto features = front_end.features(x.data(), static_cast<int64_t>(x.size()));
    const auto reference =
        testing::read_f32(testing::data_dir() / "front_end" / config["logmel"]["file"].get<std::string>());
    ASSERT_EQ(static_cast<size_t>(features.size()), reference.size()) << config["name"];
    ASSERT_EQ(features.rows(), config["n_mels"].get<int>());
    double worst = 0.0;
    for (size_t i = 0; i < reference.size(); ++i) {
      const double err =
          std::abs(features.values()[i] - reference[i]) / std::max(1.0, std::abs(static_cast<double>(reference[i])));
      worst = std::max(worst, err);
    }
    std::printf("%s: log-mel worst relative error %.3g\n", config["name"].get<std::string>().c_str(), worst);
    EXPECT_LT(worst, 1e-4) << config["name"];
  }
}

TEST(FrontEnd, TopDbClampsRelativeToTheMaximumAndIsNotFrameLocal) {
  FrontEndOptions o;
  o.top_db = 20.0;
  FrontEnd front_end(o);
  EXPECT_FALSE(front_end.frame_local());
  EXPECT_TRUE(FrontEnd(FrontEndOptions{}).frame_local());
  const auto x = testing::noise(22050, 5);
  std::vector<float> y(x);
  for (size_t i = 0; i < y.size() / 2; ++i) y[i] *= 1e-4f;  // a very quiet first half
  const auto f = front_end.features(y.data(), static_cast<int64_t>(y.size()));
  const float top = *std::max_element(f.values().begin(), f.values().end());
  const float low = *std::min_element(f.values().begin(), f.values().end());
  EXPECT_NEAR(top - low, 20.0f, 1e-3f);
}

// Against a float64 front-end: the transforms run in double, so even cells 100 dB below the clip's
// loudest keep their value to the float rounding of the output (a float FFT's error is relative to
// the frame's loudest bin, and cost quiet cells about 2e-4 dB at 60 dB below it).
TEST(FrontEnd, QuietCellsAreAsAccurateAsLoudOnes) {
  FrontEnd front_end(FrontEndOptions{});
  std::vector<float> x(44100);
  std::vector<double> exact(x.size());
  const auto noise = testing::noise(static_cast<int64_t>(x.size()), 3);
  for (size_t i = 0; i < x.size(); ++i) {  // a loud tone over noise 90 dB down
    x[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 440.0 * static_cast<double>(i) / 22050.0) + 3e-5 * noise[i]);
    exact[i] = x[i];
  }
  const auto features = front_end.features(x.data(), static_cast<int64_t>(x.size()));
  const auto reference = testing::reference_log_mel(front_end, exact);
  const double peak = *std::max_element(reference.begin(), reference.end());
  double worst = 0.0, lowest = peak;
  for (size_t i = 0; i < reference.size(); ++i) {
    worst = std::max(worst, std::abs(features.values()[i] - reference[i]));
    lowest = std::min(lowest, reference[i]);
  }
  EXPECT_LT(peak - lowest, 120.0);  // (every cell above the amin floor)
  EXPECT_GT(peak - lowest, 80.0);
  EXPECT_LT(worst, 1e-4);
}

TEST(FrontEnd, SpectrumPathEqualsWaveformPath) {
  FrontEnd front_end(FrontEndOptions{});
  const auto x = testing::noise(30000, 9);
  const auto direct = front_end.features(x.data(), 30000);
  const auto via_spectrum = front_end.features_from_spectrum(front_end.stft().forward(x.data(), 30000));
  EXPECT_TRUE(direct == via_spectrum);
}

TEST(FrontEnd, RefusesAudioOfTheWrongShapeOrRate) {
  FrontEnd front_end(FrontEndOptions{});
  EXPECT_THROW_WITH(front_end.features(Audio(std::vector<float>(8000, 0.0f), 2, 22050)), ShapeError, "mono");
  EXPECT_THROW_WITH(front_end.features(Audio::mono(std::vector<float>(8000, 0.0f), 16000)), ConfigError, "22050",
                    "16000");
}

TEST(FrontEnd, Log10IsTheCommonLogOfMelPlusOffsetAsPyTorchFrontEndsWriteIt) {
  // torch.log10(mel + 1e-6): no factor 10, no ref, no floor; computed here from the uncompressed mel.
  std::vector<float> x(6000);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.3f * std::sin(0.05f * static_cast<float>(i)) * (i % 7 == 0 ? 1.0f : 0.2f);
  FrontEndOptions o;
  o.log = LogMode::none;
  const auto mel = FrontEnd(o).features(x.data(), static_cast<int64_t>(x.size()));
  for (double offset : {1e-6, 1e-2}) {
    o.log = LogMode::log10;
    o.log_offset = offset;
    const auto features = FrontEnd(o).features(x.data(), static_cast<int64_t>(x.size()));
    ASSERT_EQ(features.size(), mel.size());
    for (int64_t i = 0; i < features.size(); ++i) {
      const double expected = std::log10(static_cast<double>(mel.values()[static_cast<size_t>(i)]) + offset);
      ASSERT_NEAR(features.values()[static_cast<size_t>(i)], expected, 1e-5 * std::max(1.0, std::abs(expected)))
          << "offset " << offset << " at " << i;
    }
    EXPECT_NEAR(FrontEnd(o).compress_value(0.0f), std::log10(offset), 1e-6);
  }
  const auto read = read_options<FrontEndOptions>(nlohmann::json{{"log", "log10"}, {"log_offset", 1e-5}}, "front_end");
  EXPECT_EQ(read.log, LogMode::log10);
  EXPECT_EQ(write_options(read)["log"], "log10");
  EXPECT_THROW_WITH(read_options<FrontEndOptions>(nlohmann::json{{"log", "log_10"}}, "front_end"), ConfigError,
                    "log_10", "db, natural, log10, none");
  bool documented = false;
  for (const auto& doc : describe_options<FrontEndOptions>())
    if (doc.name == "log") documented = doc.allowed.find("log10") != std::string::npos;
  EXPECT_TRUE(documented) << "the log option's documented choices lack log10";
}

TEST(FrontEnd, OptionsReadFromJsonAndRejectUnknownKeys) {
  const auto o = read_options<FrontEndOptions>(
      nlohmann::json{{"n_mels", 128}, {"mel_scale", "htk"}, {"top_db", 80}, {"log", "natural"}}, "front_end");
  EXPECT_EQ(o.n_mels, 128);
  EXPECT_EQ(o.mel_scale, MelScale::htk);
  EXPECT_EQ(o.log, LogMode::natural);
  ASSERT_TRUE(o.top_db.has_value());
  EXPECT_EQ(*o.top_db, 80.0);
  EXPECT_THROW_WITH(read_options<FrontEndOptions>(nlohmann::json{{"n_mel", 96}}, "front_end"), ConfigError, "n_mel",
                    "n_mels");
  EXPECT_THROW_WITH(read_options<FrontEndOptions>(nlohmann::json{{"mel_scale", "bark"}}, "front_end"), ConfigError,
                    "bark", "slaney, htk");
  EXPECT_THROW_WITH(read_options<FrontEndOptions>(nlohmann::json{{"f_max", 20000}}, "front_end"), ConfigError,
                    "Nyquist");
  EXPECT_THROW_WITH(read_options<FrontEndOptions>(nlohmann::json{{"power", 1.5}}, "front_end"), ConfigError, "power");
  const auto round_trip = read_options<FrontEndOptions>(write_options(o), "front_end");
  EXPECT_EQ(write_options(round_trip), write_options(o));
}

}  // namespace
}  // namespace hearsay
