// model.json: parsing, defaults, refusals by name, and the round trip through to_json.
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "models/model_config.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

nlohmann::json minimal() {
  return {{"architecture", "torchscript"}, {"file", "genre.pt"}, {"classes", {"a", "b"}}, {"input_frames", 130}};
}

TEST(ModelConfig, MinimalTorchScriptDescriptionTakesDefaults) {
  const ModelConfig c = model_config_from_json(minimal(), "model.json");
  EXPECT_TRUE(c.is_torchscript());
  EXPECT_EQ(c.file, "genre.pt");
  EXPECT_EQ(c.input_rank, 4);
  EXPECT_EQ(c.front_end.n_mels, 96);
  EXPECT_EQ(c.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.input_frames, 130);
}

TEST(ModelConfig, InputSecondsGiveFramesAndMustAgreeWithThem) {
  auto j = minimal();
  j.erase("input_frames");
  j["input_seconds"] = 3.0;
  EXPECT_EQ(model_config_from_json(j, "m").input_frames, 130);  // 1 + 66150 / 512 with centred frames
  j["input_frames"] = 129;
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "130 frames", "129");
  FrontEndOptions o;
  EXPECT_EQ(frames_for_seconds(o, seconds_for_frames(o, 130)), 130);
  o.center = false;
  EXPECT_EQ(frames_for_seconds(o, seconds_for_frames(o, 57)), 57);
}

TEST(ModelConfig, RoundTripsThroughJson) {
  auto j = minimal();
  j["architecture"] = "vgg_small";
  j["network_options"] = {{"channels", {8, 8, 8, 8}}};
  j["front_end"] = {{"n_mels", 64}, {"top_db", 80.0}};
  j["training"] = {{"epochs_run", 3}};
  j["data"] = {{"hash", "fnv1a64:0123"}};
  const ModelConfig a = model_config_from_json(j, "m");
  const ModelConfig b = model_config_from_json(to_json(a), "m");
  EXPECT_EQ(to_json(a), to_json(b));
  EXPECT_EQ(b.front_end.n_mels, 64);
  EXPECT_EQ(*b.front_end.top_db, 80.0);
  EXPECT_EQ(b.network_options, j["network_options"]);
  EXPECT_EQ(b.training, j["training"]);
  EXPECT_EQ(b.data, j["data"]);
  EXPECT_EQ(to_json(a)["front_end"]["hop_length"], 512);  // every front-end option spelled out
}

TEST(ModelConfig, TheMeasuredBatchIsReadWrittenAndChecked) {
  EXPECT_EQ(model_config_from_json(minimal(), "m").batch, 0);  // unset: the default applies
  EXPECT_FALSE(to_json(model_config_from_json(minimal(), "m")).contains("batch"));
  auto j = minimal();
  j["batch"] = 8;
  const ModelConfig c = model_config_from_json(j, "m");
  EXPECT_EQ(c.batch, 8);
  EXPECT_EQ(model_config_from_json(to_json(c), "m").batch, 8);
  for (const nlohmann::json& bad :
       {nlohmann::json(0), nlohmann::json(5000), nlohmann::json("8"), nlohmann::json(1.5)}) {
    j["batch"] = bad;
    EXPECT_THROW_WITH(model_config_from_json(j, "dir/model.json"), ConfigError, "dir/model.json", "\"batch\"",
                      "1 to 4096", bad.dump(), "hearsay tune");
  }
}

TEST(ModelConfig, RefusesBadDescriptionsByName) {
  auto j = minimal();
  j["clases"] = {"a"};
  EXPECT_THROW_WITH(model_config_from_json(j, "dir/model.json"), ConfigError, "dir/model.json", "unknown key 'clases'",
                    "classes");
  j = minimal();
  j.erase("classes");
  EXPECT_THROW_WITH(model_config_from_json(j, "m.json"), ConfigError, "m.json", "no \"classes\" list");
  j["classes"] = nlohmann::json::array();
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "non-empty array");
  j["classes"] = {"a", "a"};
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "class 'a' is listed twice");
  j = minimal();
  j.erase("input_frames");
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "input_frames", "input_seconds");
  j = minimal();
  j.erase("file");
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "\"file\"", "torch.jit.save");
  j = minimal();
  j["network_options"] = {{"channels", {1}}};
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "network_options", "TorchScript");
  j = minimal();
  j["input_rank"] = 5;
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "input_rank", "5");
  j = minimal();
  j["front_end"] = {{"n_mel", 64}};
  EXPECT_THROW_WITH(model_config_from_json(j, "m.json"), ConfigError, "m.json: front_end", "unknown option 'n_mel'");
  j = minimal();
  j.erase("architecture");
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "architecture");
  j = minimal();
  j["format_version"] = 2;
  EXPECT_THROW_WITH(model_config_from_json(j, "m"), ConfigError, "format_version 2");
}

TEST(ModelConfig, FilesThatCannotBeReadAreIoErrorsNamingThem) {
  hearsay::testing::TempDir dir;
  EXPECT_THROW_WITH(read_model_config(dir.file("missing.json")), IoError, "missing.json");
  hearsay::testing::write_bytes(dir.file("broken.json"), "{\"architecture\": ");
  EXPECT_THROW_WITH(read_model_config(dir.file("broken.json")), IoError, "broken.json", "not valid JSON");
  hearsay::testing::write_bytes(dir.file("model.json"), minimal().dump());
  EXPECT_EQ(read_model_config(dir.file("model.json")).input_frames, 130);
  ModelConfig c = read_model_config(dir.file("model.json"));
  write_model_config(c, dir.file("again.json"));
  EXPECT_EQ(to_json(read_model_config(dir.file("again.json"))), to_json(c));
  // A 0-byte model.json (an interrupted write before writes were atomic) is named as such.
  hearsay::testing::write_bytes(dir.file("empty.json"), "");
  EXPECT_THROW_WITH(read_model_config(dir.file("empty.json")), IoError, "empty.json", "empty");
}

TEST(ModelConfig, HandEditedFrontEndOrNetworkIsRefusedByTheRecordedHash) {
  auto j = minimal();
  j["architecture"] = "vgg_small";
  j["network_options"] = {{"channels", {8, 8, 8, 8}}};
  const nlohmann::json saved = to_json(model_config_from_json(j, "m"));
  ASSERT_TRUE(saved.contains("config_hash"));
  // What hearsay wrote loads, also after a dump and parse (the hash is of the file's own values).
  EXPECT_NO_THROW(model_config_from_json(nlohmann::json::parse(saved.dump(1)), "dir/model.json"));

  auto edited = saved;
  edited["front_end"]["n_mels"] = 64;
  EXPECT_THROW_WITH(model_config_from_json(edited, "dir/model.json"), ConfigError, "dir/model.json", "front_end",
                    "trained with another front-end");
  edited = saved;
  edited["front_end"]["hop_length"] = 256;
  EXPECT_THROW_WITH(model_config_from_json(edited, "m"), ConfigError, "front_end", "another front-end");
  edited = saved;
  edited["network_options"]["channels"] = {16, 8, 8, 8};
  EXPECT_THROW_WITH(model_config_from_json(edited, "dir/model.json"), ConfigError, "dir/model.json", "network_options",
                    "another network");
  edited = saved;
  edited["config_hash"]["colour"] = "x";
  EXPECT_THROW_WITH(model_config_from_json(edited, "m"), ConfigError, "config_hash.colour");

  // Hand-written descriptions (and the committed fixtures) have no hash and load as before.
  edited = saved;
  edited.erase("config_hash");
  edited["front_end"]["n_mels"] = 64;
  EXPECT_EQ(model_config_from_json(edited, "m").front_end.n_mels, 64);
}

}  // namespace
}  // namespace hearsay::models
