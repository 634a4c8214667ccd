// Built-in networks, the fast path, save/load and white-box access (LibTorch).
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/fast_path.h"
#include "models/load_model.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

using testing::max_difference;
using testing::path;
using testing::random_windows;
using testing::small_network;

const nlohmann::json kTinyVgg = {{"channels", {4, 8, 8, 8}}};

TEST(BuiltinNetworks, BuildForTheirInputAndNameTheirLayers) {
  const std::vector<std::pair<std::string, nlohmann::json>> cases = {
      {"vgg_small", kTinyVgg}, {"fcn", {{"channels", {4, 8, 8, 8, 8}}}}, {"short_chunk_cnn", {{"width", 4}}}};
  for (const auto& [name, options] : cases) {
    auto [config, network] = small_network(name, options, 40, 1);
    const NetworkModel model(config, network, path(InferencePath::eager));
    const auto layers = model.layers();
    ASSERT_FALSE(layers.empty()) << name;
    EXPECT_EQ(layers.front().name, "spec_bn") << name;
    EXPECT_EQ(layers[1].name, "block1.conv") << name;
    EXPECT_EQ(layers[1].type, "Conv2d") << name;
    ASSERT_GE(layers[1].tensors.size(), 1u) << name;  // the convolution's own weight [out, 1, kh, kw]
    EXPECT_EQ(layers[1].tensors[0].name, "weight") << name;
    EXPECT_EQ(layers[1].tensors[0].shape[0], layers[1].output_shape[0]) << name;
    EXPECT_EQ(layers[1].tensors[0].shape[1], 1) << name;
    EXPECT_EQ(layers[0].tensors[2].name, "running_mean") << name;  // spec_bn: weight, bias, statistics
    EXPECT_FALSE(layers[0].tensors[2].learnable) << name;
    EXPECT_EQ(layers.back().output_shape, (std::vector<int64_t>{3})) << name;
    if (name == "fcn") {  // the five pools shrink 32 mels x 40 frames to 1 x 1
      EXPECT_EQ(layers[layers.size() - 4].name, "block5.pool");
      EXPECT_EQ(layers[layers.size() - 4].output_shape, (std::vector<int64_t>{8, 1, 1}));
    }
    EXPECT_EQ(model.window_logits(random_windows(2, 32 * 40, 3).data(), 2).cols(), 3) << name;
  }
  EXPECT_THROW_WITH(network_registry().create("resnet"), ConfigError, "'resnet'", "fcn, short_chunk_cnn, vgg_small");
  EXPECT_THROW_WITH(network_registry().create("vgg_small", {{"chanels", {1}}}), ConfigError, "vgg_small",
                    "unknown option 'chanels'");
  EXPECT_THROW_WITH(network_registry().create("vgg_small", {{"channels", {1, 2}}}), ConfigError, "4 widths");
  EXPECT_THROW_WITH(small_network("vgg_small", {}, 8, 1), ConfigError, "at least 16 mels and 16 frames");
  // Every option a network reads is documented (what `hearsay list networks` prints), with the
  // default the builder records.
  for (const auto& name : network_registry().names()) {
    const nlohmann::json recorded = network_registry().create(name)->options();
    const auto& docs = network_registry().option_docs(name);
    ASSERT_EQ(docs.size(), recorded.size()) << name;
    for (const auto& doc : docs) EXPECT_EQ(doc.default_value, recorded.at(doc.name)) << name << "." << doc.name;
  }
}

TEST(FastPath, FoldedBatchNormEqualsUnfoldedWithin1e5) {
  // One convolution followed by a batch-norm, by hand.
  torch::manual_seed(4);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 5, 3).padding(1));
  torch::nn::BatchNorm2d bn(5);
  testing::randomize_batch_norms(*bn, 5);
  bn->eval();
  const torch::Tensor x = torch::randn({2, 3, 7, 9});
  const AffineWeights folded =
      fold_batch_norm(conv->weight, conv->bias, bn->weight, bn->bias, bn->running_mean, bn->running_var, 1e-5);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = bn->forward(conv->forward(x));
  const torch::Tensor actual = torch::conv2d(x, folded.weight, folded.bias, 1, 1);
  EXPECT_LT((actual - expected).abs().max().item<float>(), 1e-5f);

  // Whole networks: the folded TorchScript copy and the frozen one against the structured network.
  const std::vector<std::pair<std::string, nlohmann::json>> cases = {
      {"vgg_small", kTinyVgg}, {"fcn", {{"channels", {4, 8, 8, 8, 8}}}}, {"short_chunk_cnn", {{"width", 4}}}};
  const auto windows = random_windows(5, 32 * 40, 6);
  for (const auto& [name, options] : cases) {
    auto [config, network] = small_network(name, options, 40, 7);
    const NetworkModel eager(config, network, path(InferencePath::eager));
    const NetworkModel folded_model(config, network, path(InferencePath::folded));
    const NetworkModel frozen(config, network, path(InferencePath::frozen));
    const Matrix<float> reference = eager.window_logits(windows.data(), 5);
    EXPECT_LT(max_difference(folded_model.window_logits(windows.data(), 5), reference), 1e-5f) << name;
    EXPECT_LT(max_difference(frozen.window_logits(windows.data(), 5), reference), 1e-5f) << name;
  }
}

TEST(ModelDirectory, SaveThenLoadGivesIdenticalLogits) {
  auto model = create_model("vgg_small", testing::small_front_end(), {"a", "b", "c"}, 40, 11, kTinyVgg);
  auto& network_model = dynamic_cast<NetworkModel&>(*model);
  testing::randomize_batch_norms(*network_model.network(), 12);
  network_model.set_provenance({{"epochs_run", 2}}, {{"hash", "fnv1a64:00"}});
  hearsay::testing::TempDir dir;
  save_model(*model, dir.file("m"));
  const auto windows = random_windows(20, 32 * 40, 13);
  for (InferencePath p : {InferencePath::frozen, InferencePath::eager}) {
    const auto loaded = load_model(dir.file("m"), path(p));
    const NetworkModel original(network_model.config(), network_model.network(), path(p));
    EXPECT_EQ(loaded->window_logits(windows.data(), 20), original.window_logits(windows.data(), 20));
    EXPECT_EQ(loaded->name(), "vgg_small (built-in)");
    EXPECT_EQ(loaded->class_names(), model->class_names());
  }
  const ModelConfig saved = read_model_config(dir.file("m/model.json"));
  EXPECT_EQ(saved.training["epochs_run"], 2);
  EXPECT_EQ(saved.data["hash"], "fnv1a64:00");
  EXPECT_EQ(saved.network_options["channels"], kTinyVgg["channels"]);
  EXPECT_EQ(saved.network_options["dropout"], 0.3);
}

TEST(ModelDirectory, BadDirectoriesAndWeightsAreClearErrors) {
  const auto model = create_model("vgg_small", testing::small_front_end(), {"a", "b", "c"}, 40, 1, kTinyVgg);
  hearsay::testing::TempDir dir;
  const std::string m = dir.file("m");
  save_model(*model, m);
  const std::string weights = m + "/weights.pt";
  const std::string bytes = hearsay::testing::read_bytes(weights);
  EXPECT_THROW_WITH(load_model(m, path(InferencePath::frozen, -1)), ConfigError, "inference", "'batch'");
  EXPECT_THROW_WITH(load_model(m, path(InferencePath::frozen, 5000)), ConfigError, "inference", "'batch'");
  EXPECT_EQ(load_model(m, path(InferencePath::frozen, 0))->preferred_batch(), kDefaultBatch);  // 0: the model's

  // One flipped bit anywhere (LibTorch's reader would load corrupt tensor bytes silently), a cut.
  for (size_t at : {size_t{100}, bytes.size() / 3, bytes.size() - 100}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 1);
    hearsay::testing::write_bytes(weights, flipped);
    EXPECT_THROW_WITH(load_model(m), IoError, weights, "does not match the file_hash");
  }
  hearsay::testing::write_bytes(weights, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW_WITH(load_model(m), IoError, weights, "does not match the file_hash");
  // Without a hash (a hand-written model.json) LibTorch's own checks still catch a cut or garbage.
  auto unhashed = to_json(read_model_config(m + "/model.json"));
  unhashed.erase("file_hash");
  hearsay::testing::write_bytes(m + "/model.json", unhashed.dump());
  EXPECT_THROW_WITH(load_model(m), IoError, weights, "corrupt or truncated");
  hearsay::testing::write_bytes(weights, std::string(bytes.size(), 'x'));
  EXPECT_THROW_WITH(load_model(m), IoError, weights, "corrupt or truncated");

  // Weights of other network options: named tensor, both shapes.
  const auto wider =
      create_model("vgg_small", testing::small_front_end(), {"a", "b", "c"}, 40, 1, {{"channels", {4, 8, 8, 16}}});
  save_model(*wider, dir.file("wider"));
  hearsay::testing::write_bytes(weights, hearsay::testing::read_bytes(dir.file("wider/weights.pt")));
  EXPECT_THROW_WITH(load_model(m), IoError, weights, "block4.conv", "[16, 8, 3, 3]", "[8, 8, 3, 3]");
  std::filesystem::remove(weights);
  EXPECT_THROW_WITH(load_model(m), IoError, weights, "does not exist");

  EXPECT_THROW_WITH(load_model(dir.file("nowhere")), IoError, "nowhere", "does not exist");
  std::filesystem::create_directories(dir.file("empty"));
  EXPECT_THROW_WITH(load_model(dir.file("empty")), IoError, "empty", "no model.json");
  auto json = to_json(read_model_config(m + "/model.json"));
  json.erase("config_hash");  // as a hand-written description, which nothing checks against a hash
  json["architecture"] = "resnet";
  hearsay::testing::write_bytes(m + "/model.json", json.dump());
  EXPECT_THROW_WITH(load_model(m), ConfigError, "model.json", "'resnet'", "vgg_small");
  json["architecture"] = "vgg_small";
  json["weigths"] = "w.pt";
  hearsay::testing::write_bytes(m + "/model.json", json.dump());
  EXPECT_THROW_WITH(load_model(m), ConfigError, "model.json", "unknown key 'weigths'");
  json.erase("weigths");
  json.erase("classes");
  hearsay::testing::write_bytes(m + "/model.json", json.dump());
  EXPECT_THROW_WITH(load_model(m), ConfigError, "model.json", "no \"classes\" list");
}

TEST(WhiteBox, RunToLayerThenFromLayerEqualsTheFullForward) {
  for (const auto& [name, options] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"vgg_small", kTinyVgg}, {"short_chunk_cnn", {{"width", 4}}}}) {
    auto [config, network] = small_network(name, options, 40, 21);
    const NetworkModel model(config, network, path(InferencePath::frozen));
    const auto windows = random_windows(3, 32 * 40, 22);
    torch::Tensor full;
    {
      torch::NoGradGuard no_grad;
      full = model.forward_eager(torch::from_blob(const_cast<float*>(windows.data()), {3, 1, 32, 40}).clone());
    }
    std::vector<std::string> names = {"input"};
    for (const auto& layer : model.layers()) names.push_back(layer.name);
    for (const auto& layer : names) {
      const Matrix<float> a = model.run_to_layer(windows.data(), 3, layer);
      const Matrix<float> logits = model.run_from_layer(a.data(), 3, layer);
      ASSERT_EQ(logits.cols(), 3);
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t c = 0; c < 3; ++c)
          EXPECT_NEAR(logits(i, c), full[i][c].item<float>(), 1e-5f) << name << " split at " << layer;
    }
    EXPECT_THROW_WITH(model.run_to_layer(windows.data(), 3, "block9.conv"), ConfigError, "no layer 'block9.conv'",
                      "input, spec_bn, block1.conv");
  }
}

TEST(WhiteBox, LayerGradientFollowsTheWindowRule) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 31);
  const NetworkModel model(config, network, path(InferencePath::eager));
  // 100 frames: windows at 0, 40 and 60.
  const auto values = random_windows(1, 32 * 100, 32);
  const Matrix<float> features(32, 100, values);
  const Matrix<float> clip = model.logits_from_features(features.data(), 1, 100);

  // At the last layer the gradient is closed-form: d mean_w(z_w)[c] / d z_w[k] = δ_ck / 3.
  const LayerGradient g = model.layer_gradient(features, "fc", 1, Output::logits);
  EXPECT_EQ(g.window_starts, (std::vector<int64_t>{0, 40, 60}));
  EXPECT_EQ(g.shape, (std::vector<int64_t>{3}));
  ASSERT_EQ(g.gradients.size(), 9u);
  for (int w = 0; w < 3; ++w)
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(g.gradients[static_cast<size_t>(w * 3 + k)], k == 1 ? 1.0f / 3 : 0.0f, 1e-7f);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(g.output[static_cast<size_t>(c)], clip(0, c), 1e-5f);

  // Probabilities: d p_c / d z_w[k] = p_c (δ_ck − p_k) / 3.
  const LayerGradient p = model.layer_gradient(features, "fc", 2, Output::probabilities);
  for (int w = 0; w < 3; ++w)
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(p.gradients[static_cast<size_t>(w * 3 + k)],
                  p.output[2] * ((k == 2 ? 1.0f : 0.0f) - p.output[static_cast<size_t>(k)]) / 3.0f, 1e-6f);

  // Inner layers: the activations are run_to_layer's, the gradient matches a finite difference.
  const LayerGradient inner = model.layer_gradient(features, "block2.relu", 0, Output::logits);
  std::vector<float> windows(3 * 32 * 40);
  for (int w = 0; w < 3; ++w)
    copy_window(features.data(), 32, 100, g.window_starts[static_cast<size_t>(w)], 40, model.silence_value(),
                windows.data() + w * 32 * 40);
  EXPECT_EQ(inner.activations, model.run_to_layer(windows.data(), 3, "block2.relu").values());
  const LayerGradient input = model.layer_gradient(features, "input", 0, Output::logits);
  EXPECT_EQ(input.shape, (std::vector<int64_t>{1, 32, 40}));
  EXPECT_EQ(input.activations, windows);
  // Directional derivative along the gradient itself, by central differences on the clip's logit.
  double norm = 0.0;
  for (float v : input.gradients) norm += static_cast<double>(v) * v;
  const double h = 0.5 / std::sqrt(norm);
  auto clip_logit = [&](double step) {
    std::vector<float> moved = windows;
    for (size_t i = 0; i < moved.size(); ++i) moved[i] += static_cast<float>(step * input.gradients[i]);
    const Matrix<float> z = model.run_from_layer(moved.data(), 3, "input");
    return (static_cast<double>(z(0, 0)) + z(1, 0) + z(2, 0)) / 3.0;
  };
  EXPECT_NEAR((clip_logit(h) - clip_logit(-h)) / (2 * h), norm, 0.02 * norm);

  EXPECT_THROW_WITH(model.layer_gradient(features, "block2.rleu", 0, Output::logits), ConfigError, "'block2.rleu'",
                    "block2.relu");
  EXPECT_THROW_WITH(model.layer_gradient(features, "fc", 3, Output::logits), ConfigError, "target class 3");
}

TEST(FastPath, WindowLogitsDoNotDependOnBatchCompositionOrThreads) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 41);
  const int64_t per = 32 * 40;
  const auto windows = random_windows(37, per, 42);
  for (InferencePath p : {InferencePath::frozen, InferencePath::eager}) {
    const NetworkModel model(config, network, path(p, 16));
    set_torch_threads(2);
    const Matrix<float> all = model.window_logits(windows.data(), 37);
    std::vector<float> reversed;
    for (int64_t i = 36; i >= 0; --i)
      reversed.insert(reversed.end(), windows.begin() + i * per, windows.begin() + (i + 1) * per);
    const Matrix<float> backwards = model.window_logits(reversed.data(), 37);
    for (int64_t i = 0; i < 37; ++i) {
      const Matrix<float> alone = model.window_logits(windows.data() + i * per, 1);
      const Matrix<float> in_five =
          model.window_logits(windows.data() + (i / 5) * 5 * per, std::min<int64_t>(5, 37 - i / 5 * 5));
      for (int64_t c = 0; c < 3; ++c) {
        ASSERT_EQ(alone(0, c), all(i, c)) << "window " << i << " alone vs in 37";
        ASSERT_EQ(backwards(36 - i, c), all(i, c)) << "window " << i << " at another position";
        ASSERT_EQ(in_five(i % 5, c), all(i, c)) << "window " << i << " in a call of 5";
      }
    }
    set_torch_threads(1);
    EXPECT_EQ(model.window_logits(windows.data(), 37), all) << "1 vs 2 threads";
    set_torch_threads(2);
  }
}

}  // namespace
}  // namespace hearsay::models
