// Modified backward passes over a layer chain (models/modified_backward.h): the gradient rule against
// autograd of the whole network, guided backpropagation against an independent implementation (a
// custom autograd ReLU), DeepLIFT's summation-to-delta on built-in networks with real max-pools,
// closed forms on one-ReLU and one-max-pool chains, and unsupported layers refused by name. Then the
// same through NetworkModel's window rule and the methods (guided_backprop, guided_grad_cam, deeplift)
// on built-in and TorchScript networks.
#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "core/error.h"
#include "core/parallel.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "models/modified_backward.h"
#include "tests/models/torch_support.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

using testing::random_windows;
using testing::small_network;

const nlohmann::json kTinyVgg = {{"channels", {4, 8, 8, 8}}};
const nlohmann::json kTinyShortChunk = {{"width", 8}};
constexpr int64_t kMels = 32;
constexpr int64_t kFrames = 40;
constexpr int64_t kClasses = 3;

// The chain NetworkModel builds from a built-in network: each layer runs its own module.
LayerChain chain_of(const SequentialNetwork& network) {
  LayerChain chain;
  for (const NetworkLayer& layer : network->layers())
    chain.push_back({{layer.name, layer.type, {}, {}},
                     [module = layer.module](const torch::Tensor& x) mutable { return module.forward(x); },
                     layer.module,
                     std::nullopt});
  return chain;
}

LayerChain network_chain(const std::string& architecture, const nlohmann::json& options, uint64_t seed,
                         SequentialNetwork& network) {
  network = small_network(architecture, options, kFrames, seed).second;
  network->eval();
  return chain_of(network);
}

torch::Tensor windows_tensor(int64_t count, uint64_t seed) {
  return torch::from_blob(random_windows(count, kMels * kFrames, seed).data(), {count, 1, kMels, kFrames},
                          torch::kFloat)
      .clone();
}

torch::Tensor random_start(int64_t count, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({count, kClasses});
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

// Guided ReLU written as its own autograd function: forward relu, backward relu(g)·1[x > 0].
struct GuidedRelu : torch::autograd::Function<GuidedRelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    return x.clamp_min(0.0);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor x = ctx->get_saved_variables()[0];
    return {grads[0].clamp_min(0.0) * (x > 0).to(grads[0].scalar_type())};
  }
};

struct Architecture {
  std::string name;
  nlohmann::json options;
  double float_tolerance;  // summation-to-delta in float, relative to the change
  friend void PrintTo(const Architecture& a, std::ostream* os) { *os << a.name << " " << a.options.dump(); }
};

class ModifiedBackwardOnNetworks : public ::testing::TestWithParam<Architecture> {};

TEST_P(ModifiedBackwardOnNetworks, GradientRuleIsAutogradOfTheWholeNetwork) {
  SequentialNetwork network;
  const LayerChain chain = network_chain(GetParam().name, GetParam().options, 11, network);
  const torch::Tensor x = windows_tensor(3, 12).requires_grad_(true);
  const torch::Tensor start = random_start(3, 13);
  const torch::Tensor expected = torch::autograd::grad({network->forward(x)}, {x}, {start})[0];
  const torch::Tensor got = modified_backward(chain, x.detach(), {}, start, BackwardRule::gradient);
  ASSERT_EQ(got.sizes(), x.sizes());
  ASSERT_GT(max_abs(expected), 0.0);
  EXPECT_LE(max_abs(got - expected), 1e-5 * max_abs(expected));
}

TEST_P(ModifiedBackwardOnNetworks, GuidedEqualsACustomAutogradRelu) {
  SequentialNetwork network;
  const LayerChain chain = network_chain(GetParam().name, GetParam().options, 21, network);
  const torch::Tensor x = windows_tensor(3, 22).requires_grad_(true);
  const torch::Tensor start = random_start(3, 23);
  torch::Tensor y = x;
  for (NetworkLayer layer : network->layers())
    y = layer.type == "ReLU" ? GuidedRelu::apply(y) : layer.module.forward(y);
  const torch::Tensor expected = torch::autograd::grad({y}, {x}, {start})[0];
  const torch::Tensor got = modified_backward(chain, x.detach(), {}, start, BackwardRule::guided);
  ASSERT_GT(max_abs(expected), 0.0);
  EXPECT_LE(max_abs(got - expected), 1e-5 * max_abs(expected));
  // Not the plain gradient: the rule changes something on this network.
  const torch::Tensor plain = modified_backward(chain, x.detach(), {}, start, BackwardRule::gradient);
  EXPECT_GT(max_abs(got - plain), 1e-3 * max_abs(expected));
}

// DeepLIFT: Σ m ⊙ (x − x′) = Σ start ⊙ (f(x) − f(x′)) through real max-pools (vgg_small's MaxPool2d,
// short_chunk_cnn's AdaptiveMaxPool2d) and batch-norms, against another clip and against silence: in
// double precision to rounding (1e-9 of the change), and in float as models run: within 1e-4 on
// vgg_small. short_chunk_cnn's random logits move by ~1e-4 of their size between these clips, so there the
// float forward's own rounding is ~3e-4 of the change (the map's sum is nearer the double-precision change
// than the float forward is) and the float bar is 1e-3.
TEST_P(ModifiedBackwardOnNetworks, RescaleSumsToTheOutputsChange) {
  for (const auto dtype : {torch::kDouble, torch::kFloat}) {
    SequentialNetwork network;
    const LayerChain chain = network_chain(GetParam().name, GetParam().options, 31, network);
    network->to(dtype);
    const torch::Tensor x = windows_tensor(4, 32).to(dtype);
    const torch::Tensor start = random_start(4, 33).to(dtype);
    for (const torch::Tensor& baseline : {windows_tensor(4, 34).to(dtype), torch::full_like(x, -80.0)}) {
      const torch::Tensor m = modified_backward(chain, x, baseline, start, BackwardRule::rescale);
      ASSERT_EQ(m.sizes(), x.sizes());
      torch::NoGradGuard no_grad;
      const double delta = (start * (network->forward(x) - network->forward(baseline))).sum().item<double>();
      const double sum = (m * (x - baseline)).sum().item<double>();
      ASSERT_GT(std::abs(delta), 1e-4);
      EXPECT_LE(std::abs(sum - delta), (dtype == torch::kDouble ? 1e-9 : GetParam().float_tolerance) * std::abs(delta))
          << dtype << ": sum " << sum << ", delta " << delta;
      // The gradient is no substitute: gradient × Δx misses the change by far more.
      const torch::Tensor g = modified_backward(chain, x, {}, start, BackwardRule::gradient);
      EXPECT_GT(std::abs((g * (x - baseline)).sum().item<double>() - delta), 1e-2 * std::abs(delta));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltIn, ModifiedBackwardOnNetworks,
                         ::testing::Values(Architecture{"vgg_small", kTinyVgg, 1e-4},
                                           Architecture{"short_chunk_cnn", kTinyShortChunk, 1e-3}),
                         [](const auto& param_info) { return param_info.param.name; });

// y = relu(2 x₀ − x₁ + ½): one unit, multipliers by hand.
LayerChain one_relu_chain() {
  torch::nn::Linear linear(2, 1);
  {
    torch::NoGradGuard no_grad;
    linear->weight.copy_(torch::tensor({{2.0f, -1.0f}}));
    linear->bias.fill_(0.5f);
  }
  torch::nn::ReLU relu;
  return {{{"fc", "Linear", {}, {}},
           [linear](const torch::Tensor& x) mutable { return linear->forward(x); },
           torch::nn::AnyModule(linear),
           std::nullopt},
          {{"act", "ReLU", {}, {}},
           [relu](const torch::Tensor& x) mutable { return relu->forward(x); },
           torch::nn::AnyModule(relu),
           std::nullopt}};
}

TEST(ModifiedBackward, RescaleOnOneReluIsTheSecantSlope) {
  const LayerChain chain = one_relu_chain();
  // z = 1.5 at x, −1.5 at x′: Δy / Δz = (1.5 − 0) / 3 = ½, so m = ½ · (2, −1).
  const torch::Tensor x = torch::tensor({{1.0f, 1.0f}});
  const torch::Tensor baseline = torch::tensor({{-1.0f, 0.0f}});
  const torch::Tensor m = modified_backward(chain, x, baseline, torch::ones({1, 1}), BackwardRule::rescale);
  EXPECT_NEAR(m[0][0].item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(m[0][1].item<float>(), -0.5f, 1e-6);
  // Both on (x′ = (0, 0), z′ = ½): the secant is the gradient.
  const torch::Tensor on =
      modified_backward(chain, x, torch::zeros({1, 2}), torch::ones({1, 1}), BackwardRule::rescale);
  EXPECT_NEAR(on[0][0].item<float>(), 2.0f, 1e-6);
  EXPECT_NEAR(on[0][1].item<float>(), -1.0f, 1e-6);
}

TEST(ModifiedBackward, GuidedPassesOnlyPositiveGradientThroughOpenUnits) {
  const LayerChain chain = one_relu_chain();
  const torch::Tensor x = torch::tensor({{1.0f, 1.0f}});  // z = 1.5: the unit is on
  const torch::Tensor down = modified_backward(chain, x, {}, torch::full({1, 1}, -1.0f), BackwardRule::guided);
  EXPECT_EQ(max_abs(down), 0.0);
  const torch::Tensor plain = modified_backward(chain, x, {}, torch::full({1, 1}, -1.0f), BackwardRule::gradient);
  EXPECT_NEAR(plain[0][0].item<float>(), -2.0f, 1e-6);
  const torch::Tensor up = modified_backward(chain, x, {}, torch::full({1, 1}, 3.0f), BackwardRule::guided);
  EXPECT_NEAR(up[0][0].item<float>(), 6.0f, 1e-6);
  EXPECT_NEAR(up[0][1].item<float>(), -3.0f, 1e-6);
  // The unit off (z = −1.5): nothing passes, whatever the sign.
  const torch::Tensor off =
      modified_backward(chain, torch::tensor({{-1.0f, 0.0f}}), {}, torch::full({1, 1}, 3.0f), BackwardRule::guided);
  EXPECT_EQ(max_abs(off), 0.0);
}

// One 1×2 max-pool window: x = (5, 0), x′ = (5, 7). Δy = 5 − 7 = −2 lies between Δx at the winner at x
// (cell 0, Δx = 0) and at x′ (cell 1, Δx = −7): −2 = λ·0 + (1 − λ)·(−7) with λ = 5/7, so
// m = (5/7, 2/7). Half of Δy over cell 0's Δx = 0 (Captum's split) would have no finite value.
TEST(ModifiedBackward, RescaleSplitsAMaxPoolBetweenItsTwoWinners) {
  torch::nn::MaxPool2d pool(torch::nn::MaxPool2dOptions({1, 2}));
  const LayerChain chain = {{{"pool", "MaxPool2d", {}, {}},
                             [pool](const torch::Tensor& x) mutable { return pool->forward(x); },
                             torch::nn::AnyModule(pool),
                             std::nullopt}};
  const torch::Tensor x = torch::tensor({5.0f, 0.0f}).reshape({1, 1, 1, 2});
  const torch::Tensor baseline = torch::tensor({5.0f, 7.0f}).reshape({1, 1, 1, 2});
  const torch::Tensor m = modified_backward(chain, x, baseline, torch::ones({1, 1, 1, 1}), BackwardRule::rescale);
  EXPECT_NEAR(m.flatten()[0].item<float>(), 5.0f / 7.0f, 1e-6);
  EXPECT_NEAR(m.flatten()[1].item<float>(), 2.0f / 7.0f, 1e-6);
  // Same winner at both ends: the gradient.
  const torch::Tensor same = modified_backward(chain, x, torch::tensor({3.0f, 1.0f}).reshape({1, 1, 1, 2}),
                                               torch::ones({1, 1, 1, 1}), BackwardRule::rescale);
  EXPECT_NEAR(same.flatten()[0].item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(same.flatten()[1].item<float>(), 0.0f, 1e-6);
}

TEST(ModifiedBackward, RefusesAnUnsupportedLayerByNameBeforeAnyWork) {
  LayerChain chain = one_relu_chain();
  torch::nn::Sigmoid sigmoid;
  chain.push_back({{"head.act", "Sigmoid", {}, {}},
                   [](const torch::Tensor&) -> torch::Tensor { throw std::logic_error("ran a layer"); },
                   torch::nn::AnyModule(sigmoid),
                   std::nullopt});
  for (const BackwardRule rule : {BackwardRule::gradient, BackwardRule::guided, BackwardRule::rescale})
    EXPECT_THROW_WITH(modified_backward(chain, torch::ones({1, 2}), torch::zeros({1, 2}), torch::ones({1, 1}), rule),
                      UnsupportedModelError, "layer 'head.act' has type 'Sigmoid'",
                      "supported layer types: Conv2d, Linear");
  EXPECT_THROW_WITH(check_modified_backward(chain, BackwardRule::guided, "my.pt"), UnsupportedModelError,
                    "guided backpropagation: model 'my.pt': layer 'head.act'");
}

TEST(ModifiedBackward, RescaleNeedsABaselineShapedLikeTheWindows) {
  const LayerChain chain = one_relu_chain();
  const torch::Tensor x = torch::ones({2, 2});
  for (const torch::Tensor& baseline : {torch::Tensor(), torch::zeros({1, 2})})
    EXPECT_THROW_WITH(modified_backward(chain, x, baseline, torch::ones({2, 1}), BackwardRule::rescale), ShapeError,
                      "the baseline must be shaped like the windows [2, 2]");
}

// ---- Through NetworkModel (the window rule) and the methods ----

TEST(ModifiedGradientOfAClip, GuidedIsTheGuidedGradientOfEachWindowSummedOverTheWindows) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, kFrames, 41);
  const NetworkModel model(config, network, testing::path(InferencePath::eager));
  // 70 frames: windows at 0 and 30, overlapping over frames 30..39.
  const int64_t frames = 70;
  const std::vector<float> values = random_windows(1, kMels * frames, 42);
  const Matrix<float> features(kMels, frames, values);
  const int target = 1;
  const Matrix<float> got = model.modified_gradient(features, target, Output::logits, BackwardRule::guided, nullptr);

  const std::vector<int64_t> starts = window_starts(frames, kFrames);
  ASSERT_EQ(starts.size(), 2u);
  const auto count = static_cast<int64_t>(starts.size());
  std::vector<float> windows(static_cast<size_t>(count * kMels * kFrames));
  for (int64_t w = 0; w < count; ++w)
    copy_window(values.data(), kMels, frames, starts[static_cast<size_t>(w)], kFrames, model.silence_value(),
                windows.data() + w * kMels * kFrames);
  const torch::Tensor x =
      torch::from_blob(windows.data(), {count, 1, kMels, kFrames}, torch::kFloat).clone().requires_grad_(true);
  torch::Tensor y = x;
  for (NetworkLayer layer : network->layers())
    y = layer.type == "ReLU" ? GuidedRelu::apply(y) : layer.module.forward(y);
  // The clip's logit is the windows' mean: each window's logit carries 1/count.
  torch::Tensor start = torch::zeros({count, kClasses});
  start.index_put_({torch::indexing::Slice(), target}, 1.0 / static_cast<double>(count));
  const torch::Tensor g = torch::autograd::grad({y}, {x}, {start})[0].contiguous();
  const Matrix<float> expected = sum_windows(g.data_ptr<float>(), starts, kMels, kFrames, frames);
  double scale = 0.0;
  for (const float v : expected.values()) scale = std::max(scale, std::fabs(double{v}));
  ASSERT_GT(scale, 0.0);
  EXPECT_LE(testing::max_difference(got, expected), 1e-5 * scale);
}

methods::Explanation explain_clip(const Model& model, const Audio& clip, const std::string& method,
                                  const nlohmann::json& options = nlohmann::json::object()) {
  const auto f = factorizations::factorizer_registry()
                     .create("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}})
                     ->factorize({clip, {}}, model.front_end());
  methods::Evaluator evaluator(model, *f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = Output::logits;
  return methods::explainer_registry().create(method, options)->explain(request);
}

// The acceptance for DeepLIFT: on vgg_small (untrained with seeded weights, real max-pools; and
// the trained planted model) and on a TorchScript chain, the map sums to f(x) − f(x′) of the clip's
// logit within 1e-4, checked against the evaluator's f(all) and f(none), not the method's diagnostics.
void expect_summation_to_delta(const Model& model, const Audio& clip) {
  const methods::Explanation e = explain_clip(model, clip, "deeplift");
  ASSERT_TRUE(e.map.has_value());
  double sum = 0.0;
  for (const float v : e.map->values()) sum += v;
  const double change = e.full_output - e.empty_output;
  std::cout << model.name() << ": deeplift sums to " << sum << ", f(x) - f(x') = " << change << ", relative error "
            << std::abs(sum - change) / std::abs(change) << "\n";
  ASSERT_GT(std::abs(change), 1e-3) << "the reference does not move the logit: nothing to check";
  EXPECT_LE(std::abs(sum - change), 1e-4 * std::abs(change)) << model.name();
  EXPECT_LE(e.diagnostics["relative_delta_error"].get<double>(), 1e-4);
  // Other warnings (an untrained model's degenerate baseline) are not DeepLIFT's to judge.
  for (const std::string& w : e.warnings) EXPECT_EQ(w.find("summation-to-delta"), std::string::npos) << w;
}

TEST(DeepLiftOnNetworks, UntrainedVggSmallSumsToTheLogitsChange) {
  const FrontEndOptions front_end;
  const auto model = create_model("vgg_small", front_end, {"a", "b", "c"}, 130, 7);
  expect_summation_to_delta(*model, hearsay::testing::stem_clip(3.0, front_end.sample_rate, 5).mix);
}

TEST(DeepLiftOnNetworks, TrainedPlantedVggSmallSumsToTheLogitsChange) {
  const auto planted = hearsay::testing::data_dir() / "planted";
  const auto model = load_model((planted / "model").string());
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  load.duration_seconds = 3.0;
  expect_summation_to_delta(*model,
                            load_audio((planted / "clips" / "church_organ_chords.00008" / "mix.flac").string(), load));
}

TEST(DeepLiftOnNetworks, TorchScriptChainSumsToTheLogitsChange) {
  const auto model = load_model((hearsay::testing::data_dir() / "models" / "vgg4").string());
  expect_summation_to_delta(*model, hearsay::testing::stem_clip(3.0, model->front_end().sample_rate(), 6).mix);
}

TEST(GuidedGradCamOnNetworks, IsGradCamTimesGuidedBackpropOnVggSmall) {
  const FrontEndOptions front_end;
  const auto model = create_model("vgg_small", front_end, {"a", "b", "c"}, 130, 8);
  const Audio clip = hearsay::testing::stem_clip(4.0, front_end.sample_rate, 9).mix;
  const methods::Explanation cam = explain_clip(*model, clip, "grad_cam");
  const methods::Explanation guided = explain_clip(*model, clip, "guided_backprop");
  const methods::Explanation both = explain_clip(*model, clip, "guided_grad_cam");
  ASSERT_TRUE(cam.map && guided.map && both.map);
  ASSERT_EQ(both.map->size(), cam.map->size());
  double scale = 0.0;
  for (int64_t k = 0; k < cam.map->size(); ++k)
    scale = std::max(scale, std::fabs(double{cam.map->data()[k]} * guided.map->data()[k]));
  ASSERT_GT(scale, 0.0);
  for (int64_t k = 0; k < cam.map->size(); ++k)
    ASSERT_NEAR(both.map->data()[k], double{cam.map->data()[k]} * guided.map->data()[k], 1e-6 * scale) << "cell " << k;
  EXPECT_EQ(both.diagnostics["layer"], "block4.conv");
}

// Same clip, same map, whatever the thread count (LibTorch's and hearsay's own): the modified passes
// run one batch of all the clip's windows, so no sum changes order.
TEST(ModifiedGradientOfAClip, MethodsAreBitIdenticalForOneAndTwoThreads) {
  const auto planted = hearsay::testing::data_dir() / "planted";
  const auto model = load_model((planted / "model").string());
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  load.duration_seconds = 4.0;  // two overlapping windows
  const Audio clip = load_audio((planted / "clips" / "church_organ_chords.00008" / "mix.flac").string(), load);
  for (const char* method : {"guided_backprop", "guided_grad_cam", "deeplift"}) {
    std::vector<methods::Explanation> runs;
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      set_torch_threads(threads);
      runs.push_back(explain_clip(*model, clip, method));
    }
    set_num_threads(0);
    set_torch_threads(0);
    ASSERT_TRUE(runs[0].map && runs[1].map);
    EXPECT_EQ(runs[0].map->values(), runs[1].map->values()) << method;
    EXPECT_EQ(runs[0].scores, runs[1].scores) << method;
  }
}

}  // namespace
}  // namespace hearsay::models
