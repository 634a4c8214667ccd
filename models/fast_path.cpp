#include "models/fast_path.h"

#include <cstdio>
#include <string>

#include "core/error.h"

namespace hearsay::models {

namespace nn = torch::nn;

namespace {

std::string int_list(const int64_t* values, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

template <size_t D>
std::string int_list(const torch::ExpandingArray<D>& a) {
  return int_list(a->data(), D);
}

std::string float_literal(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Writes TorchScript source for a layer list while registering the weights it reads.
class ScriptWriter {
 public:
  explicit ScriptWriter(torch::jit::Module& module) : module_(module) {}

  std::string tensor(const torch::Tensor& t) {
    const std::string name = "p" + std::to_string(count_++);
    module_.register_parameter(name, t.detach().clone(), false);
    return "self." + name;
  }
  void line(const std::string& expression) { code_ += "    x = " + expression + "\n"; }
  std::string code() const { return "def forward(self, x):\n" + code_ + "    return x\n"; }

 private:
  torch::jit::Module& module_;
  std::string code_;
  int count_ = 0;
};

template <class BatchNorm>
const BatchNorm* as_batch_norm(const NetworkLayer& layer) {
  return dynamic_cast<const BatchNorm*>(layer.module.ptr().get());
}

// The batch-norm right after layer i, if any (BatchNorm2d after a convolution, BatchNorm1d after a
// linear layer).
template <class BatchNorm>
const BatchNorm* next_batch_norm(const std::vector<NetworkLayer>& layers, size_t i) {
  return i + 1 < layers.size() ? as_batch_norm<BatchNorm>(layers[i + 1]) : nullptr;
}

template <class BatchNorm>
AffineWeights fold_into(const torch::Tensor& weight, const torch::Tensor& bias, const BatchNorm& bn) {
  return fold_batch_norm(weight, bias, bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.options.eps());
}

template <class BatchNorm>
std::string batch_norm_call(ScriptWriter& w, const BatchNorm& bn) {
  return "torch.batch_norm(x, " + w.tensor(bn.weight) + ", " + w.tensor(bn.bias) + ", " + w.tensor(bn.running_mean) +
         ", " + w.tensor(bn.running_var) + ", False, 0.0, " + float_literal(bn.options.eps()) + ", False)";
}

}  // namespace

AffineWeights fold_batch_norm(const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& gamma,
                              const torch::Tensor& beta, const torch::Tensor& running_mean,
                              const torch::Tensor& running_var, double eps) {
  torch::NoGradGuard no_grad;
  // In double, so folding adds no rounding beyond the final cast.
  const auto scale = gamma.to(torch::kDouble) / torch::sqrt(running_var.to(torch::kDouble) + eps);
  std::vector<int64_t> per_channel(static_cast<size_t>(weight.dim()), 1);
  per_channel[0] = -1;
  const auto b = bias.defined() ? bias.to(torch::kDouble) : torch::zeros_like(scale);
  return {(weight.to(torch::kDouble) * scale.reshape(per_channel)).to(weight.scalar_type()),
          ((b - running_mean.to(torch::kDouble)) * scale + beta.to(torch::kDouble)).to(weight.scalar_type())};
}

torch::jit::Module script_network(const SequentialNetworkImpl& network, bool fold) {
  torch::jit::Module module("hearsay_network");
  ScriptWriter w(module);
  const auto& layers = network.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const nn::Module* m = layers[i].module.ptr().get();
    if (const auto* conv = dynamic_cast<const nn::Conv2dImpl*>(m)) {
      const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&conv->options.padding());
      HEARSAY_CHECK(padding && c10::get_if<torch::enumtype::kZeros>(&conv->options.padding_mode()),
                    "fast path: layer '", layers[i].name, "' uses a padding the fast path does not write");
      AffineWeights a{conv->weight, conv->bias};
      if (const auto* bn = fold ? next_batch_norm<nn::BatchNorm2dImpl>(layers, i) : nullptr) {
        a = fold_into(a.weight, a.bias, *bn);
        ++i;
      }
      w.line("torch.conv2d(x, " + w.tensor(a.weight) + ", " +
             (a.bias.defined() ? w.tensor(a.bias) : std::string("None")) + ", " + int_list(conv->options.stride()) +
             ", " + int_list(*padding) + ", " + int_list(conv->options.dilation()) + ", " +
             std::to_string(conv->options.groups()) + ")");
    } else if (const auto* linear = dynamic_cast<const nn::LinearImpl*>(m)) {
      AffineWeights a{linear->weight, linear->bias};
      if (const auto* bn = fold ? next_batch_norm<nn::BatchNorm1dImpl>(layers, i) : nullptr) {
        a = fold_into(a.weight, a.bias, *bn);
        ++i;
      }
      w.line("torch.linear(x, " + w.tensor(a.weight) + ", " +
             (a.bias.defined() ? w.tensor(a.bias) : std::string("None")) + ")");
    } else if (const auto* bn2 = dynamic_cast<const nn::BatchNorm2dImpl*>(m)) {
      w.line(batch_norm_call(w, *bn2));
    } else if (const auto* bn1 = dynamic_cast<const nn::BatchNorm1dImpl*>(m)) {
      w.line(batch_norm_call(w, *bn1));
    } else if (dynamic_cast<const nn::ReLUImpl*>(m)) {
      w.line("torch.relu(x)");
    } else if (const auto* pool = dynamic_cast<const nn::MaxPool2dImpl*>(m)) {
      const auto& o = pool->options;
      w.line("torch.max_pool2d(x, " + int_list(o.kernel_size()) + ", " + int_list(o.stride()) + ", " +
             int_list(o.padding()) + ", " + int_list(o.dilation()) + ", " + (o.ceil_mode() ? "True" : "False") + ")");
    } else if (const auto* avg = dynamic_cast<const nn::AdaptiveAvgPool2dImpl*>(m)) {
      const auto& size = avg->options.output_size();
      HEARSAY_CHECK(size->at(0) && size->at(1), "fast path: layer '", layers[i].name, "' needs a fixed output size");
      w.line("torch.adaptive_avg_pool2d(x, [" + std::to_string(*size->at(0)) + ", " + std::to_string(*size->at(1)) +
             "])");
    } else if (const auto* max = dynamic_cast<const nn::AdaptiveMaxPool2dImpl*>(m)) {
      const auto& size = max->options.output_size();
      HEARSAY_CHECK(size->at(0) && size->at(1), "fast path: layer '", layers[i].name, "' needs a fixed output size");
      w.line("torch.adaptive_max_pool2d(x, [" + std::to_string(*size->at(0)) + ", " + std::to_string(*size->at(1)) +
             "])[0]");
    } else if (const auto* flatten = dynamic_cast<const nn::FlattenImpl*>(m)) {
      w.line("torch.flatten(x, " + std::to_string(flatten->options.start_dim()) + ", " +
             std::to_string(flatten->options.end_dim()) + ")");
    } else if (dynamic_cast<const nn::DropoutImpl*>(m)) {
      continue;  // identity in eval mode
    } else {
      throw UnsupportedModelError(message("fast path: layer '", layers[i].name, "' of type ", layers[i].type,
                                          " cannot be written as TorchScript"));
    }
  }
  module.define(w.code());
  module.eval();
  return module;
}

torch::jit::Module freeze_for_inference(const torch::jit::Module& module, bool optimize) {
  torch::jit::Module copy = module.clone();
  copy.eval();
  torch::jit::Module frozen = torch::jit::freeze(copy);
  return optimize ? torch::jit::optimize_for_inference(frozen) : frozen;
}

}  // namespace hearsay::models
