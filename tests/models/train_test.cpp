// Training (LibTorch): a tiny two-class task reaches 100 %, runs are reproducible, bad setups refused.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/error.h"
#include "datasets/in_memory_dataset.h"
#include "models/network_model.h"
#include "models/train.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

// Tones (random pitch) against white noise, 1 s each at 8 kHz.
datasets::InMemoryDataset tone_vs_noise(int per_class) {
  std::vector<datasets::Example> examples;
  Rng rng(5);
  for (int i = 0; i < 2 * per_class; ++i) {
    datasets::Example e;
    e.info.label = i % 2;
    e.info.id = (e.info.label == 0 ? "tone." : "noise.") + std::to_string(i / 2);
    e.audio = e.info.label == 0 ? hearsay::testing::sine(rng.uniform(200.0, 2000.0), 1.0, 8000,
                                                         static_cast<float>(rng.uniform(0.1, 0.5)))
                                : Audio::mono(hearsay::testing::noise(8000, static_cast<uint64_t>(i), 0.3f), 8000);
    examples.push_back(std::move(e));
  }
  return datasets::InMemoryDataset({"tone", "noise"}, std::move(examples));
}

TrainOptions quick() {
  TrainOptions o;
  o.seconds = 0.5;  // 32 frames
  o.epochs = 8;
  o.batch_size = 16;
  o.crops_per_track = 8;
  return o;
}

const nlohmann::json kTiny = {{"channels", {4, 8, 8, 8}}};

TEST(Train, ToneVsNoiseReaches100PercentInSeconds) {
  const auto data = tone_vs_noise(16);
  const auto split = datasets::stratified_split(data, 0.25, 0.25, 1);
  int epochs_seen = 0;
  const TrainResult result = train_model(data, split, testing::small_front_end(), kTiny, quick(),
                                         [&](const TrainProgress& p) { epochs_seen += p.epoch_done ? 1 : 0; });
  EXPECT_EQ(result.test.examples(), 8);
  EXPECT_EQ(result.test.accuracy(), 1.0) << result.test.to_text();
  EXPECT_EQ(epochs_seen, result.summary["epochs_run"].get<int>());
  EXPECT_EQ(result.summary["best_val_accuracy"], 1.0);
  EXPECT_EQ(result.summary["test"]["accuracy"], 1.0);
  const auto& config = dynamic_cast<const NetworkModel&>(*result.model).config();
  EXPECT_EQ(config.input_frames, 32);
  EXPECT_EQ(config.data["examples"], 32);
  EXPECT_EQ(config.training["tracks"]["train"], 16);
}

TEST(Train, SameSeedGivesIdenticalWeights) {
  const auto data = tone_vs_noise(6);
  const auto split = datasets::stratified_split(data, 0.0, 0.0, 1);
  TrainOptions o = quick();
  o.epochs = 2;
  auto weights = [&](int64_t seed) {
    o.seed = seed;
    const TrainResult r = train_model(data, split, testing::small_front_end(), kTiny, o);
    std::vector<torch::Tensor> out;
    for (const auto& p : dynamic_cast<const NetworkModel&>(*r.model).network()->parameters()) out.push_back(p.clone());
    return out;
  };
  const auto a = weights(3);
  const auto b = weights(3);
  const auto c = weights(4);
  ASSERT_EQ(a.size(), b.size());
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
    differs = differs || !torch::equal(a[i], c[i]);
  }
  EXPECT_TRUE(differs) << "another seed should give other weights";
}

TEST(Train, RefusesBadSetupsByName) {
  const auto data = tone_vs_noise(2);
  const auto split = datasets::stratified_split(data, 0.0, 0.0, 1);
  TrainOptions o = quick();
  o.model = "resnet";
  EXPECT_THROW_WITH(train_model(data, split, testing::small_front_end(), {}, o), ConfigError, "'resnet'", "vgg_small");
  o = quick();
  o.epochs = 0;
  EXPECT_THROW_WITH(train_model(data, split, testing::small_front_end(), {}, o), ConfigError, "train", "'epochs'");
  EXPECT_THROW_WITH(train_model(data, datasets::Split{}, testing::small_front_end(), {}, quick()), ConfigError,
                    "no training examples");
  const datasets::InMemoryDataset one_class({"tone"}, {});
  EXPECT_THROW_WITH(train_model(one_class, split, testing::small_front_end(), {}, quick()), ConfigError, "at least 2");
  // Values whose effect is an absurd allocation are refused by range, before any work.
  o = quick();
  o.seconds = 1e9;
  EXPECT_THROW_WITH(train_model(data, split, testing::small_front_end(), {}, o), ConfigError, "'seconds'", "60");
  o = quick();
  o.batch_size = 1000000000;
  EXPECT_THROW_WITH(train_model(data, split, testing::small_front_end(), {}, o), ConfigError, "'batch_size'", "4096");
  o = quick();
  o.crops_per_track = 1000000000;
  EXPECT_THROW_WITH(train_model(data, split, testing::small_front_end(), {}, o), ConfigError, "'crops_per_track'");
}

TEST(Train, SaveModelWritesCompleteFilesAtomicallyAndNamesWhatFails) {
  const auto model =
      create_model("vgg_small", testing::small_front_end(), {"a", "b"}, 16, 3, {{"channels", {4, 4, 4, 4}}});
  hearsay::testing::TempDir dir;
  save_model(*model, dir.file("m"));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "m"))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"model.json", "weights.pt"}));  // no temporaries left
  const auto json = nlohmann::json::parse(hearsay::testing::read_bytes(dir.file("m/model.json")));
  EXPECT_TRUE(json.contains("config_hash"));
  EXPECT_EQ(load_model(dir.file("m"))->num_classes(), 2);

  hearsay::testing::write_bytes(dir.file("a_file"), "x");
  EXPECT_THROW_WITH(save_model(*model, dir.file("a_file")), IoError, "a_file");
  EXPECT_THROW_WITH(save_model(*model, "/proc/hearsay-model"), IoError, "/proc/hearsay-model");
}

}  // namespace
}  // namespace hearsay::models
