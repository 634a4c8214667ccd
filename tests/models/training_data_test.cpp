// The torch-free half of training: cached features, random windows, gain augmentation, fingerprints.
#include <cmath>

#include <gtest/gtest.h>

#include "core/random.h"
#include "datasets/in_memory_dataset.h"
#include "models/model.h"
#include "models/training_data.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

FrontEndOptions small(LogMode log, double power) {
  FrontEndOptions o;
  o.sample_rate = 8000;
  o.n_fft = 256;
  o.hop_length = 128;
  o.n_mels = 16;
  o.log = log;
  o.power = power;
  return o;
}

TEST(TrainingData, GainOnFeaturesEqualsGainOnAudio) {
  const Audio clip = Audio::mono(hearsay::testing::noise(4000, 7, 0.3f), 8000);
  for (LogMode log : {LogMode::db, LogMode::natural, LogMode::none}) {
    for (double power : {1.0, 2.0}) {
      const FrontEnd front_end(small(log, power));
      for (double gain_db : {-6.0, 4.5}) {
        Audio louder = clip;
        louder.scale(static_cast<float>(std::pow(10.0, gain_db / 20.0)));
        const Matrix<float> expected = front_end.features(louder);
        Matrix<float> actual = front_end.features(clip);
        apply_gain_db(front_end, gain_db, actual.data(), actual.size());
        for (int64_t i = 0; i < actual.size(); ++i) {
          const float e = expected.values()[static_cast<size_t>(i)];
          ASSERT_NEAR(actual.values()[static_cast<size_t>(i)], e, 1e-3f * std::max(1.0f, std::abs(e)))
              << "log " << static_cast<int>(log) << " power " << power << " gain " << gain_db << " at " << i;
        }
      }
    }
  }
}

TEST(TrainingData, GainLeavesTheDbFloorAtTheFloor) {
  const FrontEnd front_end(small(LogMode::db, 2.0));
  const float floor = front_end.compress_value(0.0f);
  std::vector<float> values = {floor, floor + 1.0f, 20.0f};
  apply_gain_db(front_end, 6.0, values.data(), 3);
  EXPECT_EQ(values[0], floor);
  EXPECT_FLOAT_EQ(values[1], floor + 7.0f);
  apply_gain_db(front_end, -30.0, values.data(), 3);
  EXPECT_EQ(values[1], floor);
  EXPECT_FLOAT_EQ(values[2], -4.0f);
}

TEST(TrainingData, RandomWindowsStayInsideTheTrackAndReachBothEnds) {
  Rng rng(3);
  int64_t low = 100;
  int64_t high = -1;
  for (int i = 0; i < 2000; ++i) {
    const int64_t s = random_window_start(10, 4, rng);
    low = std::min(low, s);
    high = std::max(high, s);
  }
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 6);
  EXPECT_EQ(random_window_start(3, 4, rng), 0);
  EXPECT_EQ(random_window_start(4, 4, rng), 0);
}

TEST(TrainingData, FeaturesOncePerLabelledTrackAndAFingerprintOfTheData) {
  std::vector<datasets::Example> examples(3);
  for (int i = 0; i < 3; ++i) {
    examples[static_cast<size_t>(i)].info.id = "clip" + std::to_string(i);
    examples[static_cast<size_t>(i)].info.label = i == 2 ? -1 : i;
    examples[static_cast<size_t>(i)].audio =
        Audio::mono(hearsay::testing::noise(3000, static_cast<uint64_t>(i), 0.5f), i == 1 ? 16000 : 8000);
  }
  const datasets::InMemoryDataset data({"a", "b"}, examples);
  const FrontEnd front_end(small(LogMode::db, 2.0));
  InputNotes notes;
  DataFingerprint fingerprint;
  const auto tracks = compute_track_features(data, {0, 1, 2}, front_end, 4000, notes, fingerprint);
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[1].id, "clip1");
  EXPECT_EQ(tracks[1].label, 1);
  EXPECT_EQ(tracks[1].features, clip_features(front_end, examples[1].audio));
  EXPECT_EQ(notes.lines().size(), 2u);  // one resampled, two shorter than 4000 samples

  DataFingerprint same;
  same.add(data.get(0));
  same.add(data.get(1));
  EXPECT_EQ(same.to_json(), fingerprint.to_json());
  EXPECT_EQ(fingerprint.to_json()["examples"], 2);
  examples[1].audio.samples()[10] += 1e-6f;
  DataFingerprint changed;
  changed.add(examples[0]);
  changed.add(examples[1]);
  EXPECT_NE(changed.to_json()["hash"], fingerprint.to_json()["hash"]);
}

}  // namespace
}  // namespace hearsay::models
