// Layer-wise relevance propagation (Bach et al., PLOS ONE 2015; Montavon et al., "Layer-wise relevance
// propagation: an overview", 2019), with zennit's composites: the target's logit is put on the output
// and flows back layer by layer to the log-mel features, each layer by its rule (models/white_box.h,
// LrpRule; the LibTorch side is models/lrp.h). The map is per clip by the window rule (each window
// carries its 1/count share of the clip's logit; a cell sums its relevance over the windows holding
// it); the component scores pool the map.
//
// Composites (zennit's, the rule of each Conv2d / Linear layer; other layers: average pooling by the
// z rule with the ε stabiliser, a batch-norm with no convolution before it by the ε rule, ReLU,
// dropout and flatten pass relevance on, max pooling by `max_pool`):
//  - epsilon_plus_flat (default, zennit's EpsilonPlusFlat): the first Conv2d/Linear flat, the other
//    convolutions z⁺, linear layers ε;
//  - epsilon_gamma_box (EpsilonGammaBox): the first convolution zᴮ with bounds [low, high], the other
//    convolutions γ, linear layers ε;
//  - epsilon_alpha2_beta1 (EpsilonAlpha2Beta1): every convolution α2β1, linear layers ε;
//  - epsilon: every layer ε (with ε → 0, on a bias-free ReLU network, gradient × input).
// `rules` overrides them per layer, by name ("block1.conv") or by type ("Linear"); a name wins over a
// type. LRP explains a logit: a probability is not a sum of relevances, so output probabilities are
// refused.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class LrpComposite { epsilon_plus_flat, epsilon_gamma_box, epsilon_alpha2_beta1, epsilon };
enum class LrpMaxPool { winner_takes_all, gradient };

struct LrpOptions {
  LrpComposite composite = LrpComposite::epsilon_plus_flat;
  /// Per-layer rules over the composite: {"<layer name or type>": "<rule>"}; rules: epsilon, gamma,
  /// alpha1_beta0, alpha2_beta1, zplus, zbox, flat, wsquare. Default: none.
  nlohmann::json rules = nlohmann::json::object();
  double epsilon = 1e-6;       ///< ε of the ε rule and every rule's stabiliser (zennit's default), >= 0
  double gamma = 0.25;         ///< γ of the γ rule (zennit's default), >= 0
  std::optional<double> low;   ///< zᴮ's lowest input value; null: the lowest cell of the clip's features
  std::optional<double> high;  ///< zᴮ's highest input value; null: the highest cell of the clip's features
  LrpMaxPool max_pool = LrpMaxPool::winner_takes_all;

  template <class V>
  void visit(V& v) {
    v.choice("composite", composite,
             {{"epsilon_plus_flat", LrpComposite::epsilon_plus_flat},
              {"epsilon_gamma_box", LrpComposite::epsilon_gamma_box},
              {"epsilon_alpha2_beta1", LrpComposite::epsilon_alpha2_beta1},
              {"epsilon", LrpComposite::epsilon}},
             "zennit's composite: the rule of each conv/linear layer");
    v("rules", rules,
      "per-layer rules over the composite, {\"<layer name or type>\": \"<rule>\"} (a name wins over a type); rules: "
      "epsilon, gamma, alpha1_beta0, alpha2_beta1, zplus, zbox, flat, wsquare");
    v("epsilon", epsilon, "epsilon of the epsilon rule, and every rule's stabiliser", Range::at_least(0));
    v("gamma", gamma, "gamma of the gamma rule (w + gamma w+)", Range::at_least(0));
    v("low", low, "zbox: lowest input value (null: the lowest cell of the clip's features)");
    v("high", high, "zbox: highest input value (null: the highest cell of the clip's features)");
    v.choice("max_pool", max_pool,
             {{"winner_takes_all", LrpMaxPool::winner_takes_all}, {"gradient", LrpMaxPool::gradient}},
             "max pooling: all relevance to the window's maximum (ties split evenly), or where the gradient goes");
  }
  /// `rules` is an object whose values are rule names; finite bounds with low <= high.
  void validate() const;
};

class Lrp : public Configured<Explainer, LrpOptions> {
 public:
  explicit Lrp(const nlohmann::json& options) : Configured("lrp", options) {}
  Capabilities capabilities() const override;

  /// The LRP spec for a model with these layers: the composite's rule for each, overridden by `rules`
  /// (names, then types); zᴮ bounded by [low, high]. ConfigError naming a `rules` key that is neither a
  /// layer's name nor its type, with the valid ones.
  models::LrpSpec spec(const std::vector<models::LayerInfo>& layers, double low, double high) const;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
