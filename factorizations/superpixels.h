// `superpixels`: irregular time-frequency regions of the log-mel input found by k-means over each
// cell's (time, mel band, level), in the spirit of SLIC superpixels (Achanta et al., TPAMI 2012) as
// lime_image uses them: cells close in time and frequency with similar level fall together. Clusters
// that end up empty are dropped, so a clip may get fewer than `count` components.
#pragma once

#include "core/configured.h"
#include "factorizations/label_map_factorization.h"

namespace hearsay::factorizations {

struct SuperpixelsOptions {
  int count = 40;             ///< target number of regions (k of k-means)
  double level_weight = 2.0;  ///< weight of the level (0..1 over the clip's range) against position
  int iterations = 15;        ///< k-means iterations
  FeatureBaselineOptions fill;

  template <class V>
  void visit(V& v) {
    v("count", count, "target number of regions", Range::between(2, 10000));
    v("level_weight", level_weight, "weight of level against position (position unit: one region's side)",
      Range::at_least(0));
    v("iterations", iterations, "k-means iterations", Range::between(1, 1000));
    fill.visit(v);
  }
};

class SuperpixelsFactorizer : public Configured<Factorizer, SuperpixelsOptions> {
 public:
  explicit SuperpixelsFactorizer(const nlohmann::json& options) : Configured("superpixels", options) {}
  std::unique_ptr<Factorization> factorize(const FactorizationInput& input, const FrontEnd& front_end) const override;
};

}  // namespace hearsay::factorizations
