#include "models/lrp.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/options.h"
#include "models/fast_path.h"

namespace hearsay::models {

namespace nn = torch::nn;
using torch::Tensor;

namespace {

const std::vector<std::string> kLayerTypes = {
    "Conv2d",    "Linear",    "BatchNorm2d",       "BatchNorm1d",       "ReLU",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout",
    "Flatten",   "Identity"};
const std::vector<std::string> kRules = {"epsilon", "gamma", "alpha_beta", "zplus", "zbox", "flat", "wsquare"};
const std::vector<std::string> kMaxPool = {"winner_takes_all", "gradient"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_affine(const std::string& type) { return type == "Conv2d" || type == "Linear"; }
bool is_batch_norm(const std::string& type) { return type == "BatchNorm2d" || type == "BatchNorm1d"; }

std::string layer_text(const ModelLayer& layer) { return "layer '" + layer.info.name + "' (" + layer.info.type + ")"; }

[[noreturn]] void unsupported(const std::string& model, const ModelLayer& layer, const std::string& why) {
  throw UnsupportedModelError(message("lrp: model '", model, "': ", layer_text(layer), " ", why));
}

// A TorchScript submodule's setting: an attribute, or a constant of its class (nn.Conv2d keeps stride,
// padding, ... in __constants__, which TorchScript stores on the type, not the instance).
c10::IValue setting(const ModelLayer& layer, const std::string& name) {
  const torch::jit::Module& m = *layer.script;
  if (m.hasattr(name)) return m.attr(name);
  if (m.type()->hasConstant(name)) return m.type()->getConstant(name);
  throw UnsupportedModelError(
      message("lrp: ", layer_text(layer), " has no setting '", name, "' to read its ", layer.info.type, " from"));
}

Tensor optional_tensor(const c10::IValue& v) { return v.isTensor() ? v.toTensor() : Tensor(); }

// An int or a tuple/list of ints, as nn.Conv2d and the pooling layers store sizes; `n` values.
std::vector<int64_t> int_values(const c10::IValue& v, size_t n) {
  if (v.isInt()) return std::vector<int64_t>(n, v.toInt());
  std::vector<int64_t> out;
  if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) out.push_back(e.toInt());
  } else {
    out = v.toIntVector();
  }
  return out;
}

// Adaptive pooling's output size: None keeps the input's size.
std::vector<c10::optional<int64_t>> optional_sizes(const c10::IValue& v) {
  if (v.isInt()) return {v.toInt(), v.toInt()};
  std::vector<c10::optional<int64_t>> out;
  const auto add = [&out](const c10::IValue& e) {
    out.push_back(e.isNone() ? c10::optional<int64_t>() : c10::optional<int64_t>(e.toInt()));
  };
  if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) add(e);
  } else {
    for (const auto& e : v.toListRef()) add(e);
  }
  return out;
}

// A convolution or linear layer: its weights and how to apply any weights with its settings.
struct Affine {
  bool conv = false;
  Tensor weight;
  Tensor bias;  // undefined: no bias
  std::vector<int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  bool same = false;  // padding "same"
  int64_t groups = 1;

  Tensor apply(const Tensor& x, const Tensor& w, const Tensor& b) const {
    if (!conv) return torch::linear(x, w, b);
    if (same) return torch::conv2d(x, w, b, stride, "same", dilation, groups);
    return torch::conv2d(x, w, b, stride, padding, dilation, groups);
  }
};

Affine read_affine(const ModelLayer& layer, const std::string& model) {
  Affine a;
  a.conv = layer.info.type == "Conv2d";
  if (layer.script) {
    a.weight = setting(layer, "weight").toTensor();
    a.bias = optional_tensor(setting(layer, "bias"));
    if (a.conv) {
      const c10::IValue mode = setting(layer, "padding_mode");
      if (!mode.isString() || mode.toStringRef() != "zeros")
        unsupported(model, layer,
                    "pads with '" + (mode.isString() ? mode.toStringRef() : std::string("?")) +
                        "'; LRP supports zero padding only");
      a.stride = int_values(setting(layer, "stride"), 2);
      a.dilation = int_values(setting(layer, "dilation"), 2);
      a.groups = setting(layer, "groups").toInt();
      const c10::IValue padding = setting(layer, "padding");
      if (padding.isString()) {
        a.same = padding.toStringRef() == "same";
        a.padding = {0, 0};
      } else {
        a.padding = int_values(padding, 2);
      }
    }
  } else if (const auto* conv = dynamic_cast<const nn::Conv2dImpl*>(layer.module.ptr().get())) {
    if (!c10::get_if<torch::enumtype::kZeros>(&conv->options.padding_mode()))
      unsupported(model, layer, "pads other than with zeros; LRP supports zero padding only");
    a.weight = conv->weight;
    a.bias = conv->bias;
    a.stride = c10::IntArrayRef(*conv->options.stride()).vec();
    a.dilation = c10::IntArrayRef(*conv->options.dilation()).vec();
    a.groups = conv->options.groups();
    if (const auto* p = c10::get_if<torch::ExpandingArray<2>>(&conv->options.padding()))
      a.padding = c10::IntArrayRef(**p).vec();
    else
      a.same = c10::get_if<torch::enumtype::kSame>(&conv->options.padding()) != nullptr;
  } else if (const auto* linear = dynamic_cast<const nn::LinearImpl*>(layer.module.ptr().get())) {
    a.weight = linear->weight;
    a.bias = linear->bias;
  } else {
    unsupported(model, layer, "is not a LibTorch Conv2d or Linear module");
  }
  return a;
}

// An eval-mode batch-norm: γ, β (undefined without affine), running mean and variance, ε.
struct BatchNorm {
  Tensor gamma, beta, mean, var;
  double eps = 1e-5;
  // y = scale·x + shift per channel, in double: the ε rule divides by scale·x + shift, which can
  // nearly cancel, so float rounding here would show in the relevance.
  Tensor scale() const { return gamma.to(torch::kDouble) / torch::sqrt(var.to(torch::kDouble) + eps); }
  Tensor shift() const { return beta.to(torch::kDouble) - mean.to(torch::kDouble) * scale(); }
};

template <class Impl>
bool read_batch_norm_module(const ModelLayer& layer, BatchNorm& bn) {
  const auto* m = dynamic_cast<const Impl*>(layer.module.ptr().get());
  if (!m) return false;
  bn = {m->weight, m->bias, m->running_mean, m->running_var, m->options.eps()};
  return true;
}

BatchNorm read_batch_norm(const ModelLayer& layer, const std::string& model) {
  BatchNorm bn;
  if (layer.script) {
    bn = {optional_tensor(setting(layer, "weight")), optional_tensor(setting(layer, "bias")),
          optional_tensor(setting(layer, "running_mean")), optional_tensor(setting(layer, "running_var")),
          setting(layer, "eps").toDouble()};
  } else if (!read_batch_norm_module<nn::BatchNorm2dImpl>(layer, bn) &&
             !read_batch_norm_module<nn::BatchNorm1dImpl>(layer, bn)) {
    unsupported(model, layer, "is not a LibTorch BatchNorm module");
  }
  if (!bn.mean.defined() || !bn.var.defined())
    unsupported(model, layer,
                "keeps no running statistics (track_running_stats=False), so it is not an affine layer in eval "
                "mode; LRP needs running statistics");
  if (!bn.gamma.defined()) bn.gamma = torch::ones_like(bn.var);  // affine=False
  if (!bn.beta.defined()) bn.beta = torch::zeros_like(bn.mean);
  return bn;
}

struct MaxPool {
  std::vector<int64_t> kernel, stride, padding, dilation;
  bool ceil = false;
};

MaxPool read_max_pool(const ModelLayer& layer, const std::string& model) {
  MaxPool p;
  if (layer.script) {
    p.kernel = int_values(setting(layer, "kernel_size"), 2);
    const c10::IValue stride = setting(layer, "stride");
    p.stride = stride.isNone() ? p.kernel : int_values(stride, 2);
    p.padding = int_values(setting(layer, "padding"), 2);
    p.dilation = int_values(setting(layer, "dilation"), 2);
    p.ceil = setting(layer, "ceil_mode").toBool();
  } else if (const auto* m = dynamic_cast<const nn::MaxPool2dImpl*>(layer.module.ptr().get())) {
    p.kernel = c10::IntArrayRef(*m->options.kernel_size()).vec();
    p.stride = c10::IntArrayRef(*m->options.stride()).vec();
    p.padding = c10::IntArrayRef(*m->options.padding()).vec();
    p.dilation = c10::IntArrayRef(*m->options.dilation()).vec();
    p.ceil = m->options.ceil_mode();
  } else {
    unsupported(model, layer, "is not a LibTorch MaxPool2d module");
  }
  return p;
}

std::vector<c10::optional<int64_t>> read_adaptive_size(const ModelLayer& layer, const std::string& model) {
  if (layer.script) return optional_sizes(setting(layer, "output_size"));
  const auto* m = dynamic_cast<const nn::AdaptiveMaxPool2dImpl*>(layer.module.ptr().get());
  if (!m) unsupported(model, layer, "is not a LibTorch AdaptiveMaxPool2d module");
  const auto& size = *m->options.output_size();
  return {size[0], size[1]};
}

// A BatchNorm folded into the convolution or linear layer right before it (Montavon et al. 2019,
// section 10.3.2: merge it so relevance flows through one affine layer, the form the rules are for).
bool merged_into_previous(const LayerChain& chain, size_t i) {
  return i > 0 && is_batch_norm(chain[i].info.type) && is_affine(chain[i - 1].info.type);
}

// R / (z + ε·sign(z)), with sign(0) = 1 (zennit's stabiliser: keeps z away from zero without changing
// its sign). Where the denominator is still 0 (ε = 0 and z = 0: an output no input reaches, such as the
// average of a channel its ReLU silences) no relevance can flow, and the share is 0, not 0/0.
Tensor share(const Tensor& relevance, const Tensor& z, double epsilon) {
  const Tensor d = z + epsilon * ((z == 0).to(z.scalar_type()) + z.sign());
  return torch::where(d == 0, torch::zeros_like(d), relevance / d);
}

// One term of a rule: the layer with modified weights applied to a (modified) input, with the graph
// kept so that pull() gives the vector-Jacobian product Wᵀ s with respect to that input.
struct Term {
  Tensor input;
  Tensor output;
};

Term term(const Affine& a, const Tensor& x, const Tensor& w, const Tensor& b) {
  Tensor leaf = x.detach().requires_grad_(true);
  Tensor out = a.apply(leaf, w, b);
  return {leaf, out};
}

Tensor pull(const Term& t, const Tensor& s) {
  return torch::autograd::grad({t.output}, {t.input}, {s}, /*retain_graph=*/false)[0];
}

Tensor plus_part(const Tensor& t) { return t.defined() ? t.clamp_min(0) : t; }
Tensor minus_part(const Tensor& t) { return t.defined() ? t.clamp_max(0) : t; }

// α-β (zennit's generalisation to inputs of both signs): the positive part z⁺ = x⁺w⁺ + x⁻w⁻ + b⁺
// and the negative part z⁻ = x⁺w⁻ + x⁻w⁺ + b⁻, each normalised on its own.
Tensor alpha_beta(const Affine& a, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& relevance,
                  double alpha, double beta, double epsilon) {
  const Tensor xp = x.clamp_min(0), xn = x.clamp_max(0);
  const Tensor wp = plus_part(w), wn = minus_part(w);
  const auto part = [&](const Tensor& w_pos_in, const Tensor& w_neg_in, const Tensor& bias) {
    const Term t0 = term(a, xp, w_pos_in, bias), t1 = term(a, xn, w_neg_in, Tensor());
    const Tensor s = share(relevance, t0.output.detach() + t1.output.detach(), epsilon);
    return xp * pull(t0, s) + xn * pull(t1, s);
  };
  Tensor out = alpha * part(wp, wn, plus_part(b));
  if (beta != 0.0) out = out - beta * part(wn, wp, minus_part(b));
  return out;
}

// γ (Montavon et al. 2019; zennit's generalisation): weights w + γw⁺ where the output is positive and
// w + γw⁻ where it is negative, for inputs of both signs.
Tensor gamma_rule(const Affine& a, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& relevance,
                  double gamma, double epsilon) {
  const Tensor xp = x.clamp_min(0), xn = x.clamp_max(0);
  const Tensor w_up = w + gamma * plus_part(w), w_down = w + gamma * minus_part(w);
  const Tensor b_up = b.defined() ? b + gamma * plus_part(b) : b;
  const Tensor b_down = b.defined() ? b + gamma * minus_part(b) : b;
  const Tensor z = a.apply(x, w, b);
  const auto part = [&](const Tensor& w_pos_in, const Tensor& w_neg_in, const Tensor& bias, const Tensor& where) {
    const Term t0 = term(a, xp, w_pos_in, bias), t1 = term(a, xn, w_neg_in, Tensor());
    const Tensor s = where.to(x.scalar_type()) * share(relevance, t0.output.detach() + t1.output.detach(), epsilon);
    return xp * pull(t0, s) + xn * pull(t1, s);
  };
  return part(w_up, w_down, b_up, z > 0) + part(w_down, w_up, b_down, z < 0);
}

// Relevance at the input of a convolution or linear layer (weights w, bias b: the layer's own, or
// with the next batch-norm folded in) by `rule`. The "gradient trick" (Montavon et al. 2019, 10.2):
// z = layer'(x), s = R / z, c = Wᵀs (a vector-Jacobian product), R_in = x ⊙ c.
Tensor affine_relevance(const Affine& a, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& relevance,
                        const LrpRule& rule) {
  const double eps = rule.epsilon;
  if (rule.name == "epsilon") {
    const Term t = term(a, x, w, b);
    return x * pull(t, share(relevance, t.output.detach(), eps));
  }
  if (rule.name == "gamma") return gamma_rule(a, x, w, b, relevance, rule.gamma, eps);
  if (rule.name == "alpha_beta") return alpha_beta(a, x, w, b, relevance, rule.alpha, rule.beta, eps);
  if (rule.name == "zplus") return alpha_beta(a, x, w, b, relevance, 1.0, 0.0, eps);
  if (rule.name == "zbox") {
    // zᴮ (Montavon et al. 2017): inputs bounded by [low, high]; the bias cancels from the
    // denominator (b − b⁺ − b⁻ = 0), so it is left out.
    const Term t = term(a, x, w, Tensor());
    const Term tl = term(a, torch::full_like(x, rule.low), plus_part(w), Tensor());
    const Term th = term(a, torch::full_like(x, rule.high), minus_part(w), Tensor());
    const Tensor s = share(relevance, t.output.detach() - tl.output.detach() - th.output.detach(), eps);
    return x * pull(t, s) - rule.low * pull(tl, s) - rule.high * pull(th, s);
  }
  // flat (Lapuschkin et al. 2019: every weight 1) and w² (Montavon et al. 2017): relevance spread by
  // the receptive field's weights alone, whatever the input; both without bias, so they conserve.
  const Tensor modified = rule.name == "flat" ? torch::ones_like(w) : w * w;
  const Term t = term(a, torch::ones_like(x), modified, Tensor());
  return pull(t, share(relevance, t.output.detach(), eps));
}

// Max pooling, winner takes all: each output's relevance goes to the inputs of its window that equal
// its maximum, split evenly among ties. Windows are cut with unfold over the input padded with −∞
// (and, for ceil_mode, the extra rows and columns its last windows reach), and put back with fold.
Tensor max_pool_winner(const MaxPool& p, const Tensor& x, const Tensor& relevance) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  int64_t extra[2] = {0, 0};
  int64_t out[2];
  const int64_t in[2] = {h, w};
  for (int d = 0; d < 2; ++d) {
    const int64_t k = p.dilation[d] * (p.kernel[d] - 1) + 1;
    const int64_t s = p.stride[d];
    const int64_t span = in[d] + 2 * p.padding[d] - k;
    out[d] = (p.ceil ? (span + s - 1) / s : span / s) + 1;
    if (p.ceil && (out[d] - 1) * s >= in[d] + p.padding[d]) --out[d];
    extra[d] = std::max<int64_t>(0, (out[d] - 1) * s + k - (in[d] + 2 * p.padding[d]));
  }
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor padded =
      torch::constant_pad_nd(x, {p.padding[1], p.padding[1] + extra[1], p.padding[0], p.padding[0] + extra[0]}, -inf);
  namespace F = torch::nn::functional;
  const Tensor cols = F::unfold(padded, F::UnfoldFuncOptions({p.kernel[0], p.kernel[1]})
                                            .dilation({p.dilation[0], p.dilation[1]})
                                            .stride({p.stride[0], p.stride[1]}))
                          .reshape({n, c, p.kernel[0] * p.kernel[1], -1});
  const Tensor winners = (cols == std::get<0>(cols.max(2, /*keepdim=*/true))).to(x.scalar_type());
  const Tensor share = winners * (relevance.reshape({n, c, 1, -1}) / winners.sum(2, /*keepdim=*/true));
  const Tensor back = F::fold(share.reshape({n, c * p.kernel[0] * p.kernel[1], -1}),
                              F::FoldFuncOptions({padded.size(2), padded.size(3)}, {p.kernel[0], p.kernel[1]})
                                  .dilation({p.dilation[0], p.dilation[1]})
                                  .stride({p.stride[0], p.stride[1]}));
  return back.slice(2, p.padding[0], p.padding[0] + h).slice(3, p.padding[1], p.padding[1] + w);
}

// Adaptive max pooling, winner takes all: output cell (i, j) pools rows ⌊iH/out⌋ … ⌈(i+1)H/out⌉ − 1
// (and columns likewise), as torch defines adaptive pooling.
Tensor adaptive_max_winner(const std::vector<c10::optional<int64_t>>& size, const Tensor& x, const Tensor& relevance) {
  const int64_t h = x.size(-2), w = x.size(-1);
  const int64_t oh = size[0].value_or(h), ow = size[1].value_or(w);
  Tensor out = torch::zeros_like(x);
  for (int64_t i = 0; i < oh; ++i) {
    const int64_t r0 = (i * h) / oh, r1 = ((i + 1) * h + oh - 1) / oh;
    for (int64_t j = 0; j < ow; ++j) {
      const int64_t c0 = (j * w) / ow, c1 = ((j + 1) * w + ow - 1) / ow;
      const Tensor region = x.slice(-2, r0, r1).slice(-1, c0, c1);
      const Tensor top = std::get<0>(region.flatten(-2).max(-1, /*keepdim=*/true)).unsqueeze(-1);
      const Tensor winners = (region == top).to(x.scalar_type());
      const Tensor r = relevance.select(-1, j).select(-1, i).unsqueeze(-1).unsqueeze(-1);
      out.slice(-2, r0, r1).slice(-1, c0, c1) += winners * r / winners.sum({-2, -1}, /*keepdim=*/true);
    }
  }
  return out;
}

// The vector-Jacobian product of the layer as it runs: where the gradient of `s` goes.
Tensor layer_vjp(const ModelLayer& layer, const Tensor& x, const Tensor& s) {
  Tensor leaf = x.detach().requires_grad_(true);
  const Tensor y = layer.run(leaf);
  return torch::autograd::grad({y}, {leaf}, {s.reshape(y.sizes())}, /*retain_graph=*/false)[0];
}

// Parameters cast to the windows' type (the pass runs in the windows' precision).
Tensor cast(const Tensor& t, const Tensor& like) { return t.defined() ? t.detach().to(like.scalar_type()) : t; }

Tensor channel_view(const Tensor& per_channel, const Tensor& x) {
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[1] = -1;
  return per_channel.reshape(shape);
}

// The layer's output computed from its parameters (so the pass can run in double on float weights).
Tensor forward_layer(const ModelLayer& layer, const Tensor& x, const std::string& model) {
  const std::string& type = layer.info.type;
  if (is_affine(type)) {
    const Affine a = read_affine(layer, model);
    return a.apply(x, cast(a.weight, x), cast(a.bias, x));
  }
  if (is_batch_norm(type)) {
    const BatchNorm bn = read_batch_norm(layer, model);
    return x * channel_view(cast(bn.scale(), x), x) + channel_view(cast(bn.shift(), x), x);
  }
  return layer.run(x);
}

}  // namespace

void check_lrp(const LayerChain& chain, const LrpSpec& spec, const std::string& model) {
  for (const ModelLayer& layer : chain) {
    const std::string& type = layer.info.type;
    if (!contains(kLayerTypes, type))
      unsupported(model, layer,
                  "has no LRP rule; supported layer types: " + detail::join_names(kLayerTypes) +
                      " (a chain of these, nested nn.Sequential included)");
    if (is_affine(type)) read_affine(layer, model);
    if (is_batch_norm(type)) read_batch_norm(layer, model);
    if (type == "MaxPool2d") read_max_pool(layer, model);
    if (type == "AdaptiveMaxPool2d") read_adaptive_size(layer, model);
  }
  HEARSAY_CHECK_AS(ConfigError, spec.rules.size() == chain.size(), "lrp: model '", model, "' has ", chain.size(),
                   " layers but the LRP spec gives ", spec.rules.size(), " rules (one per layer, in forward order)");
  HEARSAY_CHECK_AS(ConfigError, contains(kMaxPool, spec.max_pool), "lrp: max_pool must be one of ",
                   detail::join_names(kMaxPool), ", got '", spec.max_pool, "'");
  for (size_t i = 0; i < chain.size(); ++i) {
    const LrpRule& r = spec.rules[i];
    const std::string where = "lrp: rule of layer '" + chain[i].info.name + "' of model '" + model + "'";
    HEARSAY_CHECK_AS(ConfigError, contains(kRules, r.name), where, ": unknown rule '", r.name,
                     "'; valid rules: ", detail::join_names(kRules));
    HEARSAY_CHECK_AS(ConfigError, std::isfinite(r.epsilon) && r.epsilon >= 0, where, ": epsilon must be >= 0, got ",
                     r.epsilon);
    HEARSAY_CHECK_AS(ConfigError, std::isfinite(r.gamma) && r.gamma >= 0, where, ": gamma must be >= 0, got ", r.gamma);
    // α − β = 1 keeps the relevance a layer passes on equal to what it receives (Bach et al. 2015).
    HEARSAY_CHECK_AS(ConfigError, r.alpha >= 0 && r.beta >= 0 && std::fabs(r.alpha - r.beta - 1.0) < 1e-12, where,
                     ": alpha_beta needs alpha >= 0, beta >= 0 and alpha - beta = 1, got alpha ", r.alpha, ", beta ",
                     r.beta);
    HEARSAY_CHECK_AS(ConfigError, std::isfinite(r.low) && std::isfinite(r.high) && r.low <= r.high, where,
                     ": zbox needs finite bounds low <= high, got low ", r.low, ", high ", r.high);
  }
}

torch::Tensor lrp_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& start,
                           const LrpSpec& spec, std::vector<double>& layer_sums) {
  HEARSAY_CHECK(!chain.empty(), "lrp: empty layer chain");
  const std::string model = "(layer chain)";
  c10::InferenceMode inference_off(false);
  torch::AutoGradMode grad_on(true);
  // Activations at each layer's input (inference tensors cannot enter autograd, hence the clone).
  std::vector<Tensor> inputs{windows.is_inference() ? windows.clone() : windows.detach()};
  {
    torch::NoGradGuard no_grad;
    for (const ModelLayer& layer : chain) inputs.push_back(forward_layer(layer, inputs.back(), model));
  }
  const Tensor& logits = inputs.back();
  HEARSAY_CHECK_AS(ShapeError, start.sizes() == logits.sizes(), "lrp: start relevance has shape ", start.sizes(),
                   " but the network's logits have shape ", logits.sizes());
  Tensor relevance = (start.is_inference() ? start.clone() : start.detach()).to(windows.scalar_type());
  layer_sums.assign(chain.size(), 0.0);
  for (size_t i = chain.size(); i-- > 0;) {
    const ModelLayer& layer = chain[i];
    const std::string& type = layer.info.type;
    const Tensor& x = inputs[i];
    const LrpRule& rule = spec.rules[i];
    if (merged_into_previous(chain, i)) {
      // Folded into the layer before: its relevance passes on unchanged.
    } else if (is_affine(type)) {
      Affine a = read_affine(layer, model);
      if (i + 1 < chain.size() && merged_into_previous(chain, i + 1)) {
        const BatchNorm bn = read_batch_norm(chain[i + 1], model);
        // Folded in the pass's precision, as the layer is then applied.
        const AffineWeights folded =
            fold_batch_norm(cast(a.weight, x), cast(a.bias, x), bn.gamma, bn.beta, bn.mean, bn.var, bn.eps);
        a.weight = folded.weight;
        a.bias = folded.bias;
      }
      relevance = affine_relevance(a, x, cast(a.weight, x), cast(a.bias, x), relevance, rule);
    } else if (is_batch_norm(type)) {
      // A batch-norm with no layer to fold into (the input's "spec_bn") is the diagonal affine layer
      // y = s·x + t: the ε rule gives each cell s·x / (s·x + t) of its output's relevance.
      const BatchNorm bn = read_batch_norm(layer, model);
      const Tensor sx = x * channel_view(cast(bn.scale(), x), x);
      relevance = sx * share(relevance, sx + channel_view(cast(bn.shift(), x), x), rule.epsilon);
    } else if (type == "MaxPool2d" || type == "AdaptiveMaxPool2d") {
      if (spec.max_pool == "gradient")
        relevance = layer_vjp(layer, x, relevance);
      else if (type == "MaxPool2d")
        relevance = max_pool_winner(read_max_pool(layer, model), x, relevance.reshape(inputs[i + 1].sizes()));
      else
        relevance = adaptive_max_winner(read_adaptive_size(layer, model), x, relevance.reshape(inputs[i + 1].sizes()));
    } else if (type == "AvgPool2d" || type == "AdaptiveAvgPool2d") {
      // The z rule: an average is a linear layer with fixed non-negative weights.
      const Tensor& z = inputs[i + 1];
      relevance = x * layer_vjp(layer, x, share(relevance.reshape(z.sizes()), z, rule.epsilon));
    } else {
      // ReLU, dropout (identity in eval mode), flatten and identity pass relevance on, reshaped.
      relevance = relevance.reshape(x.sizes());
    }
    layer_sums[i] = relevance.sum().item<double>();
  }
  return relevance.detach();
}

}  // namespace hearsay::models
