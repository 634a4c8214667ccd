// LRP over a layer chain (models/lrp.h): every rule, composite and max-pool variant against the
// fixtures of scripts/make_lrp_fixtures.py (an independent torch-autograd reference) on the built-in
// and the TorchScript path; conservation, non-negativity and the ε-LRP = gradient × input identity on
// a bias-free ReLU network; unsupported layers and bad specs refused by name before any work.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "factorizations/factorization.h"
#include "methods/evaluator.h"
#include "methods/lrp.h"
#include "models/load_model.h"
#include "models/lrp.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::models {
namespace {

using testing::path;
using testing::small_network;

std::string lrp_data(const std::string& name) { return (hearsay::testing::data_dir() / "lrp" / name).string(); }

// The chain of a built-in network, as NetworkModel builds it.
LayerChain builtin_chain(const SequentialNetworkImpl& network) {
  LayerChain chain;
  for (const NetworkLayer& layer : network.layers())
    chain.push_back({{layer.name, layer.type, {}, {}},
                     [module = layer.module](const torch::Tensor& x) mutable { return module.forward(x); },
                     layer.module,
                     std::nullopt});
  return chain;
}

torch::jit::Module submodule(torch::jit::Module m, const std::string& dotted) {
  std::stringstream parts(dotted);
  std::string part;
  while (std::getline(parts, part, '.')) m = m.attr(part).toModule();
  return m;
}

// The chain of a TorchScript model loaded by hearsay: its white box's layers, each run by its submodule.
LayerChain script_chain(const Model& model) {
  const auto& network = dynamic_cast<const NetworkModel&>(model);
  LayerChain chain;
  for (const LayerInfo& info : require_white_box(model, "lrp_test").layers()) {
    torch::jit::Module leaf = submodule(network.script(), info.name);
    chain.push_back({info, [leaf](const torch::Tensor& x) mutable { return leaf.forward({x}).toTensor(); }, {}, leaf});
  }
  return chain;
}

struct Fixture {
  nlohmann::json json = read_json_file(lrp_data("cases.json"));
  int64_t n_mels = json["n_mels"];
  int64_t frames = json["frames"];
  int target = json["target"];

  torch::Tensor windows() const {
    std::vector<float> values;
    for (const auto& row : json["windows"])
      for (const auto& v : row) values.push_back(v.get<float>());
    return torch::tensor(values).reshape({-1, 1, n_mels, frames});
  }
  // The target's logit on the output, nothing elsewhere (logits from the reference).
  torch::Tensor start() const {
    const int64_t count = static_cast<int64_t>(json["logits"].size());
    torch::Tensor s = torch::zeros({count, static_cast<int64_t>(json["logits"][0].size())}, torch::kDouble);
    for (int64_t w = 0; w < count; ++w) s[w][target] = json["logits"][w][target].get<double>();
    return s;
  }
};

LrpSpec spec_of(const nlohmann::json& c) {
  LrpSpec spec;
  spec.max_pool = c["max_pool"];
  for (const auto& r : c["rules"]) {
    LrpRule rule;
    rule.name = r["rule"];
    rule.epsilon = r.value("epsilon", rule.epsilon);
    rule.gamma = r.value("gamma", rule.gamma);
    rule.alpha = r.value("alpha", rule.alpha);
    rule.beta = r.value("beta", rule.beta);
    rule.low = r.value("low", rule.low);
    rule.high = r.value("high", rule.high);
    spec.rules.push_back(rule);
  }
  return spec;
}

// Largest |a − b| relative to the largest |b|.
double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.to(torch::kDouble), y = b.to(torch::kDouble);
  return (x - y).abs().max().item<double>() / y.abs().max().item<double>();
}

torch::Tensor expected_relevance(const nlohmann::json& c, const Fixture& f) {
  std::vector<double> values;
  for (const auto& row : c["relevance"])
    for (const auto& v : row) values.push_back(v.get<double>());
  return torch::tensor(values, torch::kDouble).reshape({-1, 1, f.n_mels, f.frames});
}

// Every case of the fixture through `chain`, in double (the reference's precision) and in float (the
// models' precision).
void expect_fixture_cases(const LayerChain& chain, const std::string& path_name) {
  const Fixture f;
  ASSERT_EQ(chain.size(), f.json["layers"].size());
  for (size_t i = 0; i < chain.size(); ++i) ASSERT_EQ(chain[i].info.name, f.json["layers"][i].get<std::string>());
  ASSERT_EQ(f.json["cases"].size(), 12u);
  for (const auto& c : f.json["cases"]) {
    const std::string name = c["name"];
    const LrpSpec spec = spec_of(c);
    check_lrp(chain, spec, path_name);
    const torch::Tensor expected = expected_relevance(c, f);
    std::vector<double> sums;
    const torch::Tensor in_double = lrp_backward(chain, f.windows().to(torch::kDouble), f.start(), spec, sums);
    EXPECT_LT(relative_error(in_double, expected), 1e-6) << path_name << " case " << name << " (double)";
    ASSERT_EQ(sums.size(), chain.size());
    for (size_t i = 0; i < sums.size(); ++i)
      EXPECT_NEAR(sums[i], c["layer_sums"][i].get<double>(), 1e-6 * (1.0 + std::fabs(sums[i])))
          << path_name << " case " << name << " layer " << chain[i].info.name;
    const torch::Tensor in_float = lrp_backward(chain, f.windows(), f.start().to(torch::kFloat), spec, sums);
    EXPECT_EQ(in_float.scalar_type(), torch::kFloat);
    EXPECT_LT(relative_error(in_float, expected), 1e-4) << path_name << " case " << name << " (float)";
  }
}

TEST(Lrp, EveryRuleAndCompositeEqualsTheReferenceOnTheTorchScriptPath) {
  const auto model = load_model(lrp_data("vgg"));
  expect_fixture_cases(script_chain(*model), "torchscript");
}

// The built-in vgg_small with the fixture's widths and every parameter and buffer of the TorchScript
// module copied by name.
VggSmall fixture_vgg() {
  const Fixture f;
  VggSmallOptions options;
  options.channels(f.json["channels"].get<std::vector<int64_t>>());
  VggSmall net(options, NetworkShape{f.n_mels, f.frames, 3});
  const torch::jit::Module script = torch::jit::load(lrp_data("vgg/lrp_vgg.pt"));
  torch::NoGradGuard no_grad;
  size_t copied = 0;
  for (const auto& p : script.named_parameters()) {
    net->named_parameters()[p.name].copy_(p.value);
    ++copied;
  }
  for (const auto& b : script.named_buffers()) {
    net->named_buffers()[b.name].copy_(b.value);
    ++copied;
  }
  EXPECT_EQ(copied, net->named_parameters().size() + net->named_buffers().size());
  net->eval();
  return net;
}

TEST(Lrp, EveryRuleAndCompositeEqualsTheReferenceOnTheBuiltInPath) {
  const VggSmall net = fixture_vgg();
  expect_fixture_cases(builtin_chain(*net), "built-in");
}

const nlohmann::json& fixture_case(const Fixture& f, const std::string& name) {
  for (const auto& c : f.json["cases"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no fixture case " + name);
}

TEST(Lrp, WinnerTakesAllSplitsTiesWhereTheGradientPicksOne) {
  // The fixture's second window has a flat patch: its equal activations tie in the max-pools.
  const Fixture f;
  const torch::Tensor winner = expected_relevance(fixture_case(f, "epsilon_plus_flat"), f);
  const torch::Tensor gradient = expected_relevance(fixture_case(f, "epsilon_plus_flat_gradient"), f);
  EXPECT_GT(relative_error(gradient, winner), 1e-4) << "the fixture must tell the two max-pool variants apart";
  const VggSmall net = fixture_vgg();
  const LayerChain chain = builtin_chain(*net);
  std::vector<double> sums;
  const torch::Tensor ours = lrp_backward(chain, f.windows().to(torch::kDouble), f.start(),
                                          spec_of(fixture_case(f, "epsilon_plus_flat_gradient")), sums);
  EXPECT_LT(relative_error(ours, gradient), 1e-6);
}

// A chain of one pooling module.
LayerChain pool_chain(torch::nn::AnyModule module, const std::string& type) {
  return {{{"pool", type, {}, {}},
           [module](const torch::Tensor& x) mutable { return module.forward(x); },
           module,
           std::nullopt}};
}

TEST(Lrp, WinnerTakesAllFollowsTheGradientWithoutTiesAndSplitsTiesEvenly) {
  namespace nn = torch::nn;
  const std::vector<std::pair<std::string, nn::AnyModule>> pools = {
      {"MaxPool2d", nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true)))},
      {"MaxPool2d", nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions({2, 3}).stride({1, 2}).dilation({2, 1})))},
      {"AdaptiveMaxPool2d", nn::AnyModule(nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions({3, 2})))}};
  torch::manual_seed(3);
  for (const auto& [type, module] : pools) {
    const LayerChain chain = pool_chain(module, type);
    LrpSpec winner{{LrpRule{}}, "winner_takes_all"};
    LrpSpec gradient{{LrpRule{}}, "gradient"};
    std::vector<double> sums;
    // Distinct values: one winner per window, where the gradient goes.
    const torch::Tensor x = torch::randn({2, 3, 7, 9}, torch::kDouble);
    const torch::Tensor start = torch::rand_like(chain[0].run(x));
    EXPECT_LT(
        relative_error(lrp_backward(chain, x, start, winner, sums), lrp_backward(chain, x, start, gradient, sums)),
        1e-12)
        << type;
    // A constant input: every cell of a window ties, so each gets an equal share of every window it is in.
    const torch::Tensor flat = torch::ones({1, 1, 7, 9}, torch::kDouble);
    const torch::Tensor ones = torch::ones_like(chain[0].run(flat));
    const torch::Tensor split = lrp_backward(chain, flat, ones, winner, sums);
    EXPECT_NEAR(split.sum().item<double>(), ones.sum().item<double>(), 1e-9) << type;
    EXPECT_LT(split.max().item<double>(), ones.sum().item<double>() / 2) << type << ": ties must share";
    const torch::Tensor picked = lrp_backward(chain, flat, ones, gradient, sums);
    EXPECT_GT(relative_error(picked, split), 0.1) << type << ": the gradient gives each window to one cell";
  }
  // One 2x2 window of a [1, 1, 2, 2] input with two maxima: each gets half.
  const LayerChain chain = pool_chain(nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions(2))), "MaxPool2d");
  std::vector<double> sums;
  const torch::Tensor r =
      lrp_backward(chain, torch::tensor({3.0, 1.0, 3.0, 2.0}, torch::kDouble).reshape({1, 1, 2, 2}),
                   torch::full({1, 1, 1, 1}, 4.0, torch::kDouble), LrpSpec{{LrpRule{}}, "winner_takes_all"}, sums);
  EXPECT_TRUE(torch::equal(r.reshape({-1}), torch::tensor({2.0, 0.0, 2.0, 0.0}, torch::kDouble)));
}

// Every rule `name` with settings, on each layer.
LrpSpec uniform_spec(size_t layers, const LrpRule& rule) {
  LrpSpec spec;
  spec.rules.assign(layers, rule);
  return spec;
}

// A built-in vgg_small with no bias anywhere: conv and linear biases zero, and every batch-norm's
// shift β − μ·s zero (β = μ = 0), so the network is a positively homogeneous ReLU network.
std::pair<ModelConfig, SequentialNetwork> bias_free_network(int64_t frames,
                                                            const std::string& architecture = "vgg_small",
                                                            const nlohmann::json& options = {
                                                                {"channels", {4, 8, 8, 8}}}) {
  auto [config, network] = small_network(architecture, options, frames, 71);
  torch::NoGradGuard no_grad;
  for (const auto& p : network->named_parameters())
    if (p.key().find("bias") != std::string::npos) p.value().zero_();
  for (const auto& b : network->named_buffers())
    if (b.key().find("running_mean") != std::string::npos) b.value().zero_();
  return {config, network};
}

TEST(Lrp, EpsilonLrpConservesTheLogitOnABiasFreeReluNetwork) {
  auto [config, network] = bias_free_network(40);
  network->eval();
  const LayerChain chain = builtin_chain(*network);
  const auto values = testing::random_windows(3, 32 * 40, 72);
  const torch::Tensor windows = torch::tensor(values, torch::kDouble).reshape({3, 1, 32, 40});
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = network->forward(windows.to(torch::kFloat)).to(torch::kDouble);
  }
  for (int target = 0; target < 3; ++target) {
    torch::Tensor start = torch::zeros_like(logits);
    start.select(1, target) = logits.select(1, target);
    LrpRule rule;
    rule.epsilon = 1e-12;
    std::vector<double> sums;
    const torch::Tensor r = lrp_backward(chain, windows, start, uniform_spec(chain.size(), rule), sums);
    for (int64_t w = 0; w < 3; ++w) {
      const double explained = logits[w][target].item<double>();
      EXPECT_NEAR(r[w].sum().item<double>(), explained, 1e-4 * std::fabs(explained)) << "window " << w;
    }
    for (size_t i = 0; i < sums.size(); ++i)
      EXPECT_NEAR(sums[i], start.sum().item<double>(), 1e-4 * std::fabs(start.sum().item<double>()))
          << "relevance entering " << chain[i].info.name;
  }
}

TEST(Lrp, EpsilonZeroLeavesNothingToDivideByZero) {
  // One channel of the last block silenced (its conv weights and bias 0, its batch-norm shift 0):
  // its ReLU output, its average and so its relevance are exactly 0, where ε = 0 would divide 0 by 0.
  auto [config, network] = bias_free_network(40);
  network->eval();
  {
    torch::NoGradGuard no_grad;
    network->named_parameters()["block4.conv.weight"][2].zero_();
    network->named_parameters()["block4.bn.bias"][2].fill_(0.0);
  }
  const LayerChain chain = builtin_chain(*network);
  const torch::Tensor windows =
      torch::tensor(testing::random_windows(2, 32 * 40, 75), torch::kDouble).reshape({2, 1, 32, 40});
  torch::Tensor start = torch::zeros({2, 3}, torch::kDouble);
  start.select(1, 0).fill_(1.0);
  LrpRule exact;
  exact.epsilon = 0.0;
  LrpRule tiny;
  tiny.epsilon = 1e-12;
  std::vector<double> sums;
  const torch::Tensor r = lrp_backward(chain, windows, start, uniform_spec(chain.size(), exact), sums);
  EXPECT_TRUE(torch::isfinite(r).all().item<bool>());
  EXPECT_LT(relative_error(r, lrp_backward(chain, windows, start, uniform_spec(chain.size(), tiny), sums)), 1e-6);
}

TEST(Lrp, ZPlusAndAlpha1Beta0RelevancesAreNonNegative) {
  auto [config, network] = bias_free_network(40);
  network->eval();
  const LayerChain chain = builtin_chain(*network);
  const auto values = testing::random_windows(2, 32 * 40, 73);
  const torch::Tensor windows = torch::tensor(values).reshape({2, 1, 32, 40});
  torch::Tensor start = torch::zeros({2, 3});
  start.select(1, 1).fill_(1.0);
  for (const char* name : {"zplus", "alpha_beta"}) {
    LrpRule rule;
    rule.name = name;  // alpha_beta at its defaults α = 1, β = 0
    std::vector<double> sums;
    const torch::Tensor r = lrp_backward(chain, windows, start, uniform_spec(chain.size(), rule), sums);
    EXPECT_GE(r.min().item<double>(), 0.0) << name;
    EXPECT_GT(r.max().item<double>(), 0.0) << name;
    for (size_t i = 0; i < sums.size(); ++i) EXPECT_GT(sums[i], 0.0) << name << " at " << chain[i].info.name;
  }
}

// Also on fcn (non-square pools sized for the input) and short_chunk_cnn (a batch-norm folded into a
// linear layer, global max pooling). Against the white box's float gradient the bar is 1e-5 (the
// issue's), except for short_chunk_cnn, whose float gradient through nine affine layers is itself off
// by 2.7e-5; against a float64 autograd gradient of the same network, LRP-0 (ε = 0) agrees within 1e-9
// for all three.
struct EquivalenceCase {
  std::string architecture;
  nlohmann::json options;
  double float_tolerance;
};

class LrpEquivalence : public ::testing::TestWithParam<EquivalenceCase> {};

TEST_P(LrpEquivalence, EpsilonLrpEqualsGradientTimesInputOnABiasFreeReluNetwork) {
  auto [config, network] = bias_free_network(40, GetParam().architecture, GetParam().options);
  const NetworkModel model(config, network, path(InferencePath::eager));
  const LayerChain chain = builtin_chain(*network);
  const auto values = testing::random_windows(1, 32 * 40, 74);
  const Matrix<float> clip(32, 40, values);
  const torch::Tensor x = torch::tensor(values, torch::kDouble).reshape({1, 1, 32, 40});
  LrpRule rule;
  rule.epsilon = 1e-12;
  const LrpSpec spec = uniform_spec(chain.size(), rule);
  std::vector<double> sums;
  std::vector<torch::Tensor> maps;
  for (int target = 0; target < 3; ++target) {
    // One window covers the clip, so the clip's output is that window's logits.
    const LayerGradient g = model.layer_gradient(clip, "input", target, Output::logits);
    ASSERT_EQ(g.window_starts.size(), 1u);
    torch::Tensor start = torch::zeros({1, 3}, torch::kDouble);
    start[0][target] = g.output[static_cast<size_t>(target)];
    maps.push_back(lrp_backward(chain, x, start, spec, sums).reshape({-1}));
    const torch::Tensor gradient_x_input = torch::tensor(g.gradients, torch::kDouble) * x.reshape({-1});
    EXPECT_LT(relative_error(maps.back(), gradient_x_input), GetParam().float_tolerance) << "target " << target;
  }
  network->to(torch::kDouble);
  LrpRule lrp0;  // ε = 0: LRP-0, exactly gradient × input where no z is 0
  lrp0.epsilon = 0.0;
  for (int target = 0; target < 3; ++target) {
    const torch::Tensor input = x.clone().requires_grad_(true);
    const torch::Tensor logit = network->forward(input).select(1, target).sum();
    const torch::Tensor gradient = torch::autograd::grad({logit}, {input})[0];
    torch::Tensor start = torch::zeros({1, 3}, torch::kDouble);
    start[0][target] = logit.item<double>();
    EXPECT_LT(relative_error(lrp_backward(chain, x, start, uniform_spec(chain.size(), lrp0), sums), gradient * x), 1e-9)
        << "target " << target;
  }
}

INSTANTIATE_TEST_SUITE_P(Networks, LrpEquivalence,
                         ::testing::Values(EquivalenceCase{"vgg_small", {{"channels", {4, 8, 8, 8}}}, 1e-5},
                                           EquivalenceCase{"fcn", {{"channels", {4, 4, 6, 6, 4}}}, 1e-5},
                                           EquivalenceCase{"short_chunk_cnn", {{"width", 4}}, 1e-4}),
                         [](const auto& p) { return p.param.architecture; });

TEST(Lrp, AnUnsupportedLayerIsRefusedByNameAndType) {
  const auto model = load_model(lrp_data("unsupported"));
  const LayerChain chain = script_chain(*model);
  LrpSpec spec = uniform_spec(chain.size(), LrpRule{});
  EXPECT_THROW_WITH(check_lrp(chain, spec, "unsupported.pt"), UnsupportedModelError, "unsupported.pt", "'squash'",
                    "Sigmoid", "supported layer types", "Conv2d", "MaxPool2d");
}

TEST(Lrp, BadSpecsAreRefusedNamingTheLayerAndTheValidChoices) {
  const VggSmall net = fixture_vgg();
  const LayerChain chain = builtin_chain(*net);
  EXPECT_THROW_WITH(check_lrp(chain, uniform_spec(3, LrpRule{}), "m"), ConfigError, "3 rules", "layers");
  LrpSpec spec = uniform_spec(chain.size(), LrpRule{});
  spec.rules[1].name = "z_plus";
  EXPECT_THROW_WITH(check_lrp(chain, spec, "m"), ConfigError, "'block1.conv'", "'z_plus'", "zplus", "wsquare");
  spec.rules[1] = LrpRule{};
  spec.rules[1].name = "alpha_beta";
  spec.rules[1].alpha = 2.0;
  EXPECT_THROW_WITH(check_lrp(chain, spec, "m"), ConfigError, "alpha - beta = 1");
  spec.rules[1] = LrpRule{};
  spec.rules[1].low = 1.0;
  spec.rules[1].high = -1.0;
  EXPECT_THROW_WITH(check_lrp(chain, spec, "m"), ConfigError, "low <= high");
  spec.rules[1] = LrpRule{};
  spec.max_pool = "argmax";
  EXPECT_THROW_WITH(check_lrp(chain, spec, "m"), ConfigError, "max_pool", "winner_takes_all", "gradient");
}

// ---- End to end: the white box's lrp() (NetworkModel: windows, start = the clip's logit) ----

// Window `w` of the fixture as a clip of exactly one window.
Matrix<float> fixture_clip(const Fixture& f, int64_t w) {
  std::vector<float> values;
  for (const auto& v : f.json["windows"][w]) values.push_back(v.get<float>());
  return Matrix<float>(f.n_mels, f.frames, values);
}

// The white box's relevance of each fixture clip equals the reference for every case, and the
// absorbed relevance closes the sum: start = Σ map + absorbed + padding.
void expect_white_box_equals_fixture(const Model& model) {
  const Fixture f;
  const WhiteBox& box = require_white_box(model, "lrp_test");
  for (const auto& c : f.json["cases"]) {
    const torch::Tensor expected = expected_relevance(c, f);
    for (int64_t w = 0; w < 2; ++w) {
      const Relevance r = box.lrp(fixture_clip(f, w), f.target, spec_of(c));
      const torch::Tensor map = torch::tensor(r.map.values(), torch::kDouble);
      EXPECT_LT(relative_error(map, expected[w].reshape({-1})), 1e-4) << model.name() << " " << c["name"] << " " << w;
      const double logit = f.json["logits"][w][f.target].get<double>();
      EXPECT_NEAR(r.start, logit, 1e-5 * std::fabs(logit));
      EXPECT_EQ(r.padding, 0.0);  // the clip is one whole window
      EXPECT_NEAR(r.start, map.sum().item<double>() + r.absorbed + r.padding, 1e-6 * (1.0 + std::fabs(r.start)));
    }
  }
}

TEST(Lrp, TheWhiteBoxOfATorchScriptModelEqualsTheReference) {
  const auto model = load_model(lrp_data("vgg"));
  expect_white_box_equals_fixture(*model);
}

ModelConfig fixture_config() {
  const Fixture f;
  ModelConfig config;
  config.architecture = "vgg_small";
  config.front_end = testing::small_front_end();
  config.front_end.n_mels = f.n_mels;
  config.classes = {"a", "b", "c"};
  config.input_frames = f.frames;
  config.network_options = {{"channels", f.json["channels"]}};
  return config;
}

TEST(Lrp, TheWhiteBoxOfABuiltInNetworkEqualsTheReference) {
  const NetworkModel model(fixture_config(), fixture_vgg().ptr(), path(InferencePath::frozen));
  expect_white_box_equals_fixture(model);
}

TEST(Lrp, WithBiasesTheAbsorbedRelevanceClosesTheSumOverOverlappingWindows) {
  auto [config, network] = small_network("vgg_small", {{"channels", {4, 8, 8, 8}}}, 40, 81);
  const NetworkModel model(config, network, path(InferencePath::eager));
  // 70 frames: windows at 0 and 30, overlapping over frames 30..39.
  const Matrix<float> clip(32, 70, testing::random_windows(1, 32 * 70, 82));
  LrpRule rule;
  rule.name = "zplus";
  const Relevance r = model.lrp(clip, 2, uniform_spec(model.layers().size(), rule));
  double sum = 0.0;
  for (const float v : r.map.values()) sum += v;
  EXPECT_GT(std::fabs(r.absorbed), 1e-3 * std::fabs(r.start)) << "the biases must absorb something";
  EXPECT_NEAR(r.start, sum + r.absorbed + r.padding, 1e-5 * std::fabs(r.start));
  EXPECT_NEAR(r.start, model.logits_from_features(clip.data(), 1, 70)(0, 2), 1e-5 * std::fabs(r.start) + 1e-6)
      << "the start relevance is the clip's logit (the mean of its windows' logits)";
}

TEST(Lrp, TheWhiteBoxRefusesAnUnsupportedLayerBeforeAnyWork) {
  const auto model = load_model(lrp_data("unsupported"));
  const Matrix<float> clip(16, 32, 0.0f);
  EXPECT_THROW_WITH(require_white_box(*model, "lrp").lrp(clip, 0, uniform_spec(5, LrpRule{})), UnsupportedModelError,
                    "'squash'", "Sigmoid", "supported layer types");
}

// ---- The explainer (methods/lrp.h) ----

std::vector<std::string> rule_names(const LrpSpec& spec) {
  std::vector<std::string> out;
  for (const auto& r : spec.rules)
    out.push_back(r.name == "alpha_beta" ? "alpha" + std::to_string(static_cast<int>(r.alpha)) : r.name);
  return out;
}

TEST(Lrp, CompositesGiveZennitsRulesPerLayer) {
  const NetworkModel model(fixture_config(), fixture_vgg().ptr(), path(InferencePath::eager));
  const auto layers = model.layers();
  // spec_bn, block1 {conv, bn, relu, pool} ... block4, global_pool, flatten, dropout, fc
  const auto expect = [&](const nlohmann::json& options, const std::vector<std::string>& convs, const std::string& fc) {
    const LrpSpec spec = methods::Lrp(options).spec(layers, -80.0, 20.0);
    const auto names = rule_names(spec);
    ASSERT_EQ(names.size(), 21u);
    for (size_t b = 0; b < 4; ++b) {
      EXPECT_EQ(names[1 + 4 * b], convs[b]) << options.dump() << " block" << b + 1;
      for (size_t k = 2; k <= 4; ++k) EXPECT_EQ(names[4 * b + k], "epsilon");
    }
    EXPECT_EQ(names[0], "epsilon");
    EXPECT_EQ(names[20], fc) << options.dump();
    for (const auto& r : spec.rules) {
      EXPECT_EQ(r.low, -80.0);
      EXPECT_EQ(r.high, 20.0);
    }
  };
  expect(nlohmann::json::object(), {"flat", "zplus", "zplus", "zplus"}, "epsilon");
  expect({{"composite", "epsilon_gamma_box"}}, {"zbox", "gamma", "gamma", "gamma"}, "epsilon");
  expect({{"composite", "epsilon_alpha2_beta1"}}, {"alpha2", "alpha2", "alpha2", "alpha2"}, "epsilon");
  expect({{"composite", "epsilon"}}, {"epsilon", "epsilon", "epsilon", "epsilon"}, "epsilon");
  // A name wins over a type.
  expect({{"rules", {{"Conv2d", "wsquare"}, {"block3.conv", "alpha1_beta0"}, {"Linear", "zplus"}}}},
         {"wsquare", "wsquare", "alpha1", "wsquare"}, "zplus");
  const LrpSpec tuned =
      methods::Lrp(nlohmann::json{{"epsilon", 0.5}, {"gamma", 0.1}, {"max_pool", "gradient"}}).spec(layers, 0, 1);
  EXPECT_EQ(tuned.max_pool, "gradient");
  EXPECT_EQ(tuned.rules[1].epsilon, 0.5);
  EXPECT_EQ(tuned.rules[5].gamma, 0.1);
}

TEST(Lrp, UnknownRulesLayersAndTypesAreRefusedByName) {
  EXPECT_THROW_WITH(methods::Lrp(nlohmann::json{{"rules", {{"fc", "z_plus"}}}}), ConfigError, "'fc'", "\"z_plus\"",
                    "zplus", "alpha2_beta1");
  EXPECT_THROW_WITH(methods::Lrp(nlohmann::json{{"rules", {"fc"}}}), ConfigError, "'rules'", "object");
  EXPECT_THROW_WITH(methods::Lrp(nlohmann::json{{"low", 2.0}, {"high", 1.0}}), ConfigError, "low <= high");
  EXPECT_THROW_WITH(methods::Lrp(nlohmann::json{{"composite", "epsilon_plus"}}), ConfigError, "epsilon_plus_flat",
                    "epsilon_gamma_box");
  const NetworkModel model(fixture_config(), fixture_vgg().ptr(), path(InferencePath::eager));
  EXPECT_THROW_WITH(methods::Lrp(nlohmann::json{{"rules", {{"block9.conv", "flat"}}}}).spec(model.layers(), 0, 1),
                    ConfigError, "'block9.conv'", "block1.conv", "MaxPool2d");
}

methods::Explanation explain_toy(const nlohmann::json& options, models::Output output) {
  const hearsay::testing::PolynomialToy toy({0.5, -1.0, 2.0, 0.25}, {{0, 2, 1.0}}, 0.3);
  const hearsay::testing::EchoFactorization f(4);
  methods::Evaluator evaluator(toy, f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = output;
  return methods::Lrp(options).explain(request);
}

TEST(Lrp, TheExplainerPoolsTheWhiteBoxsRelevanceAndKeepsTheBooks) {
  const methods::Explanation e = explain_toy(nlohmann::json::object(), models::Output::logits);
  // The toy gives each linear term w_i x_i (x = 1 with every component kept) to its frame and splits
  // the pair term between its frames.
  ASSERT_TRUE(e.map.has_value());
  const std::vector<double> expected = {0.5 + 0.5, -1.0, 2.0 + 0.5, 0.25};
  ASSERT_EQ(e.scores.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(e.scores[i], expected[i], 1e-6) << i;
  EXPECT_EQ(e.gradient_passes, 1);
  EXPECT_NEAR(e.diagnostics["start"].get<double>(), 0.3 + 0.5 - 1.0 + 2.0 + 0.25 + 1.0, 1e-6);
  EXPECT_NEAR(e.diagnostics["absorbed"].get<double>(), 0.3, 1e-6);
  EXPECT_LT(e.diagnostics["conservation"].get<double>(), 1e-6);
  EXPECT_EQ(e.diagnostics["rules"]["x"], "epsilon");
}

TEST(Lrp, TheExplainerOnANetworkPoolsItsMapOntoSegmentsAndClosesTheBooks) {
  auto [config, network] = small_network("vgg_small", {{"channels", {4, 8, 8, 8}}}, 40, 91);
  const NetworkModel model(config, network, path(InferencePath::frozen));
  const Audio clip = hearsay::testing::sine(440.0, 1.5, 8000);
  const auto f = factorizations::factorizer_registry()
                     .create("segments", nlohmann::json{{"segments", 4}})
                     ->factorize(factorizations::FactorizationInput{clip, {}}, model.front_end());
  methods::Evaluator evaluator(model, *f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = Output::logits;
  for (const char* composite : {"epsilon_plus_flat", "epsilon_gamma_box", "epsilon_alpha2_beta1", "epsilon"}) {
    const methods::Explanation e = methods::Lrp(nlohmann::json{{"composite", composite}}).explain(request);
    ASSERT_TRUE(e.map.has_value());
    EXPECT_EQ(e.map->rows(), 32);
    EXPECT_EQ(e.map->cols(), f->frames());
    ASSERT_EQ(e.scores.size(), 4u);
    double map_sum = 0.0, score_sum = 0.0;
    for (const float v : e.map->values()) map_sum += v;
    for (const double v : e.scores) score_sum += v;
    EXPECT_NEAR(score_sum, map_sum, 1e-4 * (1.0 + std::fabs(map_sum))) << composite << ": segments tile the clip";
    const double start = e.diagnostics["start"];
    EXPECT_NEAR(start, e.full_output, 1e-4 * (1.0 + std::fabs(start))) << "the start is the clip's logit";
    EXPECT_LT(e.diagnostics["conservation"].get<double>(), 1e-4 * (1.0 + std::fabs(start))) << composite;
    EXPECT_EQ(e.gradient_passes, 1);
  }
}

TEST(Lrp, TheExplainerRefusesProbabilities) {
  EXPECT_THROW_WITH(explain_toy(nlohmann::json::object(), models::Output::probabilities), ConfigError,
                    "lrp explains the target's logit");
}

}  // namespace
}  // namespace hearsay::models
