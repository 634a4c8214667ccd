#include "models/modified_backward.h"

#include <utility>
#include <vector>

#include "core/error.h"

namespace hearsay::models {

namespace {

// How a layer is passed backward (see the header for each rule).
enum class Pass { affine, relu, max_pool };

const std::vector<std::pair<std::string, Pass>>& layer_passes() {
  static const std::vector<std::pair<std::string, Pass>> passes = {
      {"Conv2d", Pass::affine},      {"Linear", Pass::affine},      {"BatchNorm1d", Pass::affine},
      {"BatchNorm2d", Pass::affine}, {"AvgPool2d", Pass::affine},   {"AdaptiveAvgPool2d", Pass::affine},
      {"Flatten", Pass::affine},     {"Dropout", Pass::affine},     {"Identity", Pass::affine},
      {"ReLU", Pass::relu},          {"MaxPool2d", Pass::max_pool}, {"AdaptiveMaxPool2d", Pass::max_pool},
  };
  return passes;
}

const Pass* find_pass(const std::string& type) {
  for (const auto& [name, pass] : layer_passes())
    if (name == type) return &pass;
  return nullptr;
}

const char* rule_name(BackwardRule rule) {
  switch (rule) {
    case BackwardRule::gradient:
      return "the gradient";
    case BackwardRule::guided:
      return "guided backpropagation";
    case BackwardRule::rescale:
      return "DeepLIFT's rescale rule";
  }
  return "a modified backward pass";
}

// Below this |x − x′| a unit counts as unchanged and passes the gradient (DeepLIFT's Rescale and
// Captum's DeepLift alike): Δy/Δx would be rounding noise.
constexpr double kUnchanged = 1e-6;

torch::Tensor vector_jacobian(const torch::Tensor& out, const torch::Tensor& in, const torch::Tensor& g,
                              bool keep_graph = false) {
  return torch::autograd::grad({out}, {in}, {g}, keep_graph)[0];
}

// J v for a layer whose graph runs from `in` to `out`, by differentiating the (linear in u)
// vector-Jacobian product Jᵀu with respect to u: for a max-pool it gathers v at each window's winner.
torch::Tensor jacobian_vector(const torch::Tensor& out, const torch::Tensor& in, const torch::Tensor& v) {
  const torch::Tensor u = torch::zeros_like(out).requires_grad_(true);
  const torch::Tensor transposed = torch::autograd::grad({out}, {in}, {u}, /*retain_graph=*/true,
                                                         /*create_graph=*/true)[0];
  return torch::autograd::grad({transposed}, {u}, {v})[0];
}

// One forward through the chain keeping each layer's input, with a graph from that input to the
// layer's output (so each layer's backward needs only its own step).
struct Step {
  torch::Tensor in;
  torch::Tensor out;
};

std::vector<Step> forward_steps(const LayerChain& chain, const torch::Tensor& windows) {
  std::vector<Step> steps;
  steps.reserve(chain.size());
  torch::Tensor x = windows;
  for (const ModelLayer& layer : chain) {
    Step step;
    step.in = x.detach().requires_grad_(true);
    step.out = layer.run(step.in);
    x = step.out;
    steps.push_back(std::move(step));
  }
  return steps;
}

// DeepLIFT's multipliers through a max-pool: the convex split between the winners at x and x′
// (header).
torch::Tensor rescale_max_pool(const Step& at, const Step& base, const torch::Tensor& g) {
  const torch::Tensor dx = (at.in - base.in).detach();
  const torch::Tensor dy = (at.out - base.out).detach();
  const torch::Tensor at_winner = jacobian_vector(at.out, at.in, dx);        // Δx_w
  const torch::Tensor base_winner = jacobian_vector(base.out, base.in, dx);  // Δx_w′
  const torch::Tensor spread = at_winner - base_winner;
  const torch::Tensor apart = spread.abs() > kUnchanged;
  const torch::Tensor safe = torch::where(apart, spread, torch::ones_like(spread));
  const torch::Tensor lambda =
      torch::where(apart, ((dy - base_winner) / safe).clamp(0.0, 1.0), torch::full_like(spread, 0.5));
  return vector_jacobian(at.out, at.in, g * lambda, /*keep_graph=*/true) +
         vector_jacobian(base.out, base.in, g * (1.0 - lambda), /*keep_graph=*/true);
}

torch::Tensor relu_backward(const torch::Tensor& x, const torch::Tensor* x_base, const torch::Tensor& g,
                            BackwardRule rule) {
  const torch::Tensor on = (x > 0).to(g.scalar_type());
  switch (rule) {
    case BackwardRule::gradient:
      return g * on;
    case BackwardRule::guided:
      return g.clamp_min(0.0) * on;
    case BackwardRule::rescale: {
      const torch::Tensor dx = x - *x_base;
      const torch::Tensor dy = x.clamp_min(0.0) - x_base->clamp_min(0.0);
      const torch::Tensor changed = dx.abs() > kUnchanged;
      const torch::Tensor safe = torch::where(changed, dx, torch::ones_like(dx));
      return g * torch::where(changed, dy / safe, on);
    }
  }
  return g;
}

}  // namespace

void check_modified_backward(const LayerChain& chain, BackwardRule rule, const std::string& model) {
  for (const ModelLayer& layer : chain) {
    if (find_pass(layer.info.type)) continue;
    std::string supported;
    for (const auto& [type, pass] : layer_passes()) supported += (supported.empty() ? "" : ", ") + type;
    throw UnsupportedModelError(message(rule_name(rule), ": ", model.empty() ? "" : "model '" + model + "': ",
                                        "layer '", layer.info.name, "' has type '", layer.info.type,
                                        "', which this backward pass cannot pass; supported layer types: ", supported));
  }
}

torch::Tensor modified_backward(const LayerChain& chain, const torch::Tensor& windows, const torch::Tensor& baseline,
                                const torch::Tensor& start, BackwardRule rule) {
  check_modified_backward(chain, rule, "");
  const bool rescale = rule == BackwardRule::rescale;
  if (rescale)
    HEARSAY_CHECK_AS(ShapeError, baseline.defined() && baseline.sizes() == windows.sizes(), rule_name(rule),
                     ": the baseline must be shaped like the windows ", windows.sizes(), ", got ",
                     baseline.defined() ? baseline.sizes() : c10::IntArrayRef{});
  torch::AutoGradMode grad_mode(true);
  const std::vector<Step> at = forward_steps(chain, windows);
  const std::vector<Step> base = rescale ? forward_steps(chain, baseline) : std::vector<Step>{};
  torch::Tensor g = start.to(windows.scalar_type());
  for (size_t i = chain.size(); i-- > 0;) {
    const Step& step = at[i];
    switch (*find_pass(chain[i].info.type)) {
      case Pass::relu: {
        const torch::Tensor base_in = rescale ? base[i].in.detach() : torch::Tensor();
        g = relu_backward(step.in.detach(), rescale ? &base_in : nullptr, g, rule);
        break;
      }
      case Pass::max_pool:
        g = rescale ? rescale_max_pool(step, base[i], g) : vector_jacobian(step.out, step.in, g);
        break;
      case Pass::affine:
        g = vector_jacobian(step.out, step.in, g);
        break;
    }
  }
  return g.detach();
}

}  // namespace hearsay::models
