// Users' TorchScript networks: the committed fixtures exported by PyTorch
// (scripts/make_torchscript_fixture.py), layers of sequential ones, and bad files.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "models/batch_tuning.h"
#include "models/load_model.h"
#include "models/white_box.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

namespace fs = std::filesystem;
using testing::path;

std::string fixture(const std::string& name) { return (hearsay::testing::data_dir() / "models" / name).string(); }

// The fixture input: float32(((i * 7919) % 1000) / 10 - 80) at flat index i.
std::vector<float> fixture_input(int64_t count) {
  std::vector<float> x(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) x[static_cast<size_t>(i)] = static_cast<float>(((i * 7919) % 1000) / 10.0 - 80.0);
  return x;
}

Matrix<float> expected_logits(const std::string& name) {
  std::ifstream in(fixture(name) + "/expected_logits.json");
  const auto j = nlohmann::json::parse(in);
  const auto& rows = j["logits"];
  Matrix<float> out(static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size()));
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < rows[r].size(); ++c) out(static_cast<int64_t>(r), static_cast<int64_t>(c)) = rows[r][c];
  return out;
}

// A copy of a fixture directory with its model.json changed by `edit`.
std::string edited_copy(const hearsay::testing::TempDir& dir, const std::string& name,
                        const std::function<void(nlohmann::json&)>& edit) {
  const std::string target = dir.file(name);
  fs::create_directories(target);
  fs::copy(fixture(name), target, fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  std::ifstream in(target + "/model.json");
  auto json = nlohmann::json::parse(in);
  edit(json);
  hearsay::testing::write_bytes(target + "/model.json", json.dump());
  return target;
}

TEST(TorchScript, ScriptedSequentialFixtureReproducesPyTorchAndExposesItsLayers) {
  const Matrix<float> expected = expected_logits("vgg4");
  const auto x = fixture_input(3 * 96 * 130);
  for (InferencePath p : {InferencePath::frozen, InferencePath::folded, InferencePath::eager}) {
    const auto model = load_model(fixture("vgg4"), path(p));
    EXPECT_EQ(model->name(), "torchscript: vgg4.pt");
    EXPECT_EQ(model->num_classes(), 10);
    EXPECT_EQ(model->input_frames(), 130);
    EXPECT_LT(testing::max_difference(model->window_logits(x.data(), 3), expected), 1e-5f)
        << "path " << static_cast<int>(p);
  }
  const auto model = load_model(fixture("vgg4"));
  ASSERT_NE(model->white_box(), nullptr);
  const WhiteBox& box = *model->white_box();
  const auto layers = box.layers();
  ASSERT_EQ(layers.size(), 21u);  // spec_bn, 4 x (conv, bn, relu, pool), pool, flatten, dropout, fc
  EXPECT_EQ(layers[0].name, "spec_bn");
  EXPECT_EQ(layers[9].name, "block3.conv");
  EXPECT_EQ(layers[9].type, "Conv2d");
  EXPECT_EQ(layers[11].name, "block3.relu");
  EXPECT_EQ(layers[11].output_shape, (std::vector<int64_t>{64, 24, 32}));
  EXPECT_EQ(layers.back().type, "Linear");
  // Each layer's own tensors are read from the TorchScript submodule.
  ASSERT_EQ(layers[9].tensors.size(), 2u);
  EXPECT_EQ(layers[9].tensors[0].name, "weight");
  EXPECT_EQ(layers[9].tensors[0].shape.size(), 4u);
  EXPECT_EQ(layers[9].tensors[0].shape[0], 64);
  EXPECT_EQ(layers[9].tensors[1].name, "bias");
  EXPECT_TRUE(layers[9].tensors[1].learnable);
  ASSERT_GE(layers[10].tensors.size(), 4u);  // batch-norm: weight, bias, then running statistics
  EXPECT_EQ(layers[10].tensors[2].name, "running_mean");
  EXPECT_FALSE(layers[10].tensors[2].learnable);
  EXPECT_TRUE(layers[11].tensors.empty());  // ReLU
  EXPECT_EQ(layers.back().tensors[0].shape, (std::vector<int64_t>{10, 64}));
  // White-box access works as on built-ins.
  const Matrix<float> a = box.run_to_layer(x.data(), 3, "block3.relu");
  EXPECT_LT(testing::max_difference(box.run_from_layer(a.data(), 3, "block3.relu"), expected), 1e-5f);
  const LayerGradient g =
      box.layer_gradient(Matrix<float>(96, 130, {x.begin(), x.begin() + 96 * 130}), "block4.relu", 0, Output::logits);
  EXPECT_EQ(g.shape, (std::vector<int64_t>{64, 12, 16}));
  EXPECT_NEAR(g.output[0], expected(0, 0), 1e-5f);
}

TEST(TorchScript, TracedNonSequentialFixtureWorksAsABlackBox) {
  const Matrix<float> expected = expected_logits("skip");
  const auto x = fixture_input(2 * 16 * 20);
  const auto model = load_model(fixture("skip"));
  EXPECT_LT(testing::max_difference(model->window_logits(x.data(), 2), expected), 1e-5f);
  EXPECT_EQ(model->white_box(), nullptr);
  EXPECT_THROW_WITH(require_white_box(*model, "lrp"), UnsupportedModelError, "lrp", "torchscript: skip.pt",
                    "not a chain of submodules", "perturbation methods");
}

// A TorchScript network that raises on batches of more than 2 windows, made here with LibTorch's
// TorchScript compiler (no Python needed): it passes the 2-window check at loading and fails later.
std::string small_batch_model(const hearsay::testing::TempDir& dir) {
  torch::jit::Module module("SmallBatch");
  module.define(R"(
def forward(self, x):
    assert x.size(0) <= 2, "this network takes at most 2 windows"
    return x.flatten(1)[:, 0:2]
)");
  const std::string folder = dir.file("small");
  fs::create_directories(folder);
  module.save(folder + "/small.pt");
  const nlohmann::json config = {{"architecture", "torchscript"},
                                 {"file", "small.pt"},
                                 {"front_end", {{"n_mels", 8}}},
                                 {"classes", {"a", "b"}},
                                 {"input_frames", 4}};
  hearsay::testing::write_bytes(folder + "/model.json", config.dump());
  return folder;
}

TEST(TorchScript, AModelThatThrowsOnLargeBatchesIsNamedWithTheBatchAndAHint) {
  hearsay::testing::TempDir dir;
  const std::string folder = small_batch_model(dir);
  const auto model = load_model(folder);
  const std::vector<float> windows(static_cast<size_t>(3 * 8 * 4), -80.0f);
  EXPECT_THROW_WITH(model->window_logits(windows.data(), 1), UnsupportedModelError, "torchscript: small.pt",
                    "16 windows", "at most 2 windows", "--batch");
  InferenceOptions two;
  two.batch = 2;
  EXPECT_EQ(load_model(folder, two)->window_logits(windows.data(), 3).rows(), 3);
}

TEST(TorchScript, TheBatchInModelJsonIsUsedAndTheOptionsOverrideIt) {
  hearsay::testing::TempDir dir;
  const std::string folder = small_batch_model(dir);
  auto config = nlohmann::json::parse(std::ifstream(folder + "/model.json"));
  config["batch"] = 2;
  hearsay::testing::write_bytes(folder + "/model.json", config.dump());
  const std::vector<float> windows(static_cast<size_t>(3 * 8 * 4), -80.0f);
  const auto model = load_model(folder);
  EXPECT_EQ(model->preferred_batch(), 2);
  EXPECT_EQ(model->window_logits(windows.data(), 3).rows(), 3);  // two calls of 2 windows: accepted
  InferenceOptions one;
  one.batch = 1;
  EXPECT_EQ(load_model(folder, one)->preferred_batch(), 1);
  EXPECT_EQ(load_model(fixture("vgg4"))->preferred_batch(), kDefaultBatch);  // no "batch": the default
}

TEST(TorchScript, TuningSkipsTheBatchesANetworkRefusesAndKeepsTheFastestModel) {
  hearsay::testing::TempDir dir;
  const std::string folder = small_batch_model(dir);
  const auto make = [&](int64_t batch) {
    InferenceOptions o;
    o.batch = batch;
    return load_model(folder, o);
  };
  const BatchTuning t = tune_batch(make, {1, 2, 4}, 2, 0.01);
  ASSERT_EQ(t.times.size(), 3u);
  EXPECT_TRUE(t.times[0].error.empty());
  EXPECT_TRUE(t.times[1].error.empty());
  EXPECT_GT(t.times[0].seconds_per_window, 0.0);
  EXPECT_GT(t.times[1].seconds_per_window, 0.0);
  EXPECT_NE(t.times[2].error.find("at most 2 windows"), std::string::npos) << t.times[2].error;
  EXPECT_EQ(t.times[2].seconds_per_window, 0.0);
  const size_t fastest = t.times[0].seconds_per_window <= t.times[1].seconds_per_window ? 0 : 1;
  EXPECT_EQ(t.best, t.times[fastest].batch);
  ASSERT_NE(t.best_model, nullptr);
  EXPECT_EQ(t.best_model->preferred_batch(), t.best);
  // Every batch refused: the network's own error, not a made-up choice.
  EXPECT_THROW_WITH(tune_batch(make, {4, 8}, 1, 0.01), UnsupportedModelError, "at most 2 windows", "4 windows");
}

TEST(TorchScript, BadFilesAndDescriptionsAreClearErrors) {
  hearsay::testing::TempDir dir;
  const std::string fewer = edited_copy(dir, "vgg4", [](nlohmann::json& j) { j["classes"].erase(9); });
  EXPECT_THROW_WITH(load_model(fewer), ConfigError, "vgg4.pt", "10 outputs", "lists 9 classes");

  hearsay::testing::TempDir dir2;
  const std::string narrow = edited_copy(dir2, "vgg4", [](nlohmann::json& j) { j["input_rank"] = 3; });
  EXPECT_THROW_WITH(load_model(narrow), ShapeError, "vgg4.pt", "[2, 96, 130]", "input_rank 3");

  hearsay::testing::TempDir dir3;
  const std::string cut = edited_copy(dir3, "vgg4", [](nlohmann::json&) {});
  const std::string bytes = hearsay::testing::read_bytes(cut + "/vgg4.pt");
  hearsay::testing::write_bytes(cut + "/vgg4.pt", bytes.substr(0, bytes.size() - 1000));
  EXPECT_THROW_WITH(load_model(cut), IoError, "vgg4.pt", "cannot be loaded");
  hearsay::testing::write_bytes(cut + "/vgg4.pt", "not a zip file");
  EXPECT_THROW_WITH(load_model(cut), IoError, "vgg4.pt", "cannot be loaded");
  fs::remove(cut + "/vgg4.pt");
  EXPECT_THROW_WITH(load_model(cut), IoError, "vgg4.pt", "does not exist");
}

}  // namespace
}  // namespace hearsay::models
