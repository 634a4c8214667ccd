#include "methods/lrp.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "methods/saliency.h"

namespace hearsay::methods {

namespace {

const std::vector<std::string> kRuleNames = {"epsilon", "gamma", "alpha1_beta0", "alpha2_beta1",
                                             "zplus",   "zbox",  "flat",         "wsquare"};

bool is_affine(const std::string& type) { return type == "Conv2d" || type == "Linear"; }

// The rule an option names, with the options' settings.
models::LrpRule make_rule(const std::string& name, const LrpOptions& o, double low, double high) {
  models::LrpRule r;
  r.name = name;
  if (name == "alpha1_beta0" || name == "alpha2_beta1") {
    r.name = "alpha_beta";
    r.alpha = name == "alpha1_beta0" ? 1.0 : 2.0;
    r.beta = r.alpha - 1.0;
  }
  r.epsilon = o.epsilon;
  r.gamma = o.gamma;
  r.low = low;
  r.high = high;
  return r;
}

// The composite's rule for a conv/linear layer; `first` is the chain's first conv/linear layer.
std::string composite_rule(LrpComposite c, const std::string& type, bool first) {
  if (c == LrpComposite::epsilon || type == "Linear")
    return first && c == LrpComposite::epsilon_plus_flat ? "flat" : "epsilon";
  switch (c) {
    case LrpComposite::epsilon_plus_flat:
      return first ? "flat" : "zplus";
    case LrpComposite::epsilon_gamma_box:
      return first ? "zbox" : "gamma";
    case LrpComposite::epsilon_alpha2_beta1:
      return "alpha2_beta1";
    case LrpComposite::epsilon:
      break;
  }
  return "epsilon";
}

}  // namespace

void LrpOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, rules.is_object(),
                   "lrp: option 'rules' must be an object {\"<layer name or type>\": ", "\"<rule>\"}, got ",
                   rules.dump());
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    const bool known =
        it->is_string() && std::find(kRuleNames.begin(), kRuleNames.end(), it->get<std::string>()) != kRuleNames.end();
    HEARSAY_CHECK_AS(ConfigError, known, "lrp: option 'rules': layer '", it.key(), "' has rule ", it->dump(),
                     "; valid rules: ", detail::join_names(kRuleNames));
  }
  HEARSAY_CHECK_AS(ConfigError, !low || !high || *low <= *high, "lrp: options 'low' (", low.value_or(0.0),
                   ") and 'high' (", high.value_or(0.0), ") must satisfy low <= high");
}

Capabilities Lrp::capabilities() const {
  Capabilities c = gradient_family_capabilities();
  c.logit_only = true;
  return c;
}

models::LrpSpec Lrp::spec(const std::vector<models::LayerInfo>& layers, double low, double high) const {
  const LrpOptions& o = settings();
  std::vector<std::string> names, types;
  for (const auto& l : layers) {
    names.push_back(l.name);
    if (std::find(types.begin(), types.end(), l.type) == types.end()) types.push_back(l.type);
  }
  for (auto it = o.rules.begin(); it != o.rules.end(); ++it) {
    const bool known = std::find(names.begin(), names.end(), it.key()) != names.end() ||
                       std::find(types.begin(), types.end(), it.key()) != types.end();
    HEARSAY_CHECK_AS(ConfigError, known, "lrp: option 'rules' names '", it.key(),
                     "', which is neither a layer nor a layer type of the model; layers: ", detail::join_names(names),
                     "; types: ", detail::join_names(types));
  }
  models::LrpSpec spec;
  spec.max_pool = o.max_pool == LrpMaxPool::gradient ? "gradient" : "winner_takes_all";
  bool first = true;
  for (const auto& l : layers) {
    std::string rule = "epsilon";
    if (is_affine(l.type)) {
      rule = composite_rule(o.composite, l.type, first);
      first = false;
    }
    if (o.rules.contains(l.name))
      rule = o.rules.at(l.name).get<std::string>();
    else if (o.rules.contains(l.type))
      rule = o.rules.at(l.type).get<std::string>();
    spec.rules.push_back(make_rule(rule, o, low, high));
  }
  return spec;
}

void Lrp::run(const ExplainRequest& request, int target, Explanation& out) const {
  const Evaluator& evaluator = *request.evaluator;
  const auto& factorization = evaluator.factorization();
  const models::WhiteBox& box = models::require_white_box(evaluator.model(), name());
  const Matrix<float> features = all_kept_features(factorization);
  // zᴮ's default box: the range of this clip's features ("the input's range").
  const auto [lo, hi] = std::minmax_element(features.values().begin(), features.values().end());
  const double low = settings().low.value_or(*lo);
  const double high = settings().high.value_or(*hi);
  HEARSAY_CHECK_AS(ConfigError, low <= high, "lrp: zbox bound low ", low, " is above high ", high,
                   " (one bound set in the options, the other from the clip's features)");
  const std::vector<models::LayerInfo> layers = box.layers();
  const models::LrpSpec spec = this->spec(layers, low, high);
  models::Relevance r = box.lrp(features, target, spec);
  double sum = 0.0;
  for (const float v : r.map.values()) sum += v;
  set_dense_map(factorization, std::move(r.map), out);
  out.gradient_passes = 1;
  nlohmann::json rules = nlohmann::json::object();
  for (size_t i = 0; i < layers.size(); ++i) {
    const models::LrpRule& rule = spec.rules[i];
    rules[layers[i].name] =
        rule.name == "alpha_beta" ? (rule.alpha == 1.0 ? "alpha1_beta0" : "alpha2_beta1") : rule.name;
  }
  out.diagnostics["rules"] = rules;
  out.diagnostics["zbox_bounds"] = {low, high};
  out.diagnostics["start"] = r.start;
  out.diagnostics["absorbed"] = r.absorbed;
  out.diagnostics["padding"] = r.padding;
  // What the books leave open: relevance put on the logit minus what reached the cells, the biases
  // and stabilisers, and the padding (float rounding only).
  out.diagnostics["conservation"] = std::fabs(sum + r.absorbed + r.padding - r.start);
  out.diagnostics["layer_sums"] = r.layer_sums;
}

}  // namespace hearsay::methods
