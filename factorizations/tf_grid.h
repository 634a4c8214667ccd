// `tf_grid`: T × F rectangular patches of the log-mel input — T equal time divisions of the frames and
// F bands of equal width in mel (equal numbers of mel bins); the last division takes the remainder, so
// every cell belongs to a patch. The time-frequency segmentation of SoundLIME (Mishra et al., ISMIR
// 2017) and of the veracity study (Mishra et al., 2020).
#pragma once

#include "core/configured.h"
#include "factorizations/label_map_factorization.h"

namespace hearsay::factorizations {

struct TfGridOptions {
  int time_segments = 10;   ///< T
  int frequency_bands = 4;  ///< F
  FeatureBaselineOptions fill;

  template <class V>
  void visit(V& v) {
    v("time_segments", time_segments, "equal divisions of the frames", Range::between(1, 10000));
    v("frequency_bands", frequency_bands, "bands of equal mel width", Range::between(1, 512));
    fill.visit(v);
  }
};

class TfGridFactorizer : public Configured<Factorizer, TfGridOptions> {
 public:
  explicit TfGridFactorizer(const nlohmann::json& options) : Configured("tf_grid", options) {}
  std::unique_ptr<Factorization> factorize(const FactorizationInput& input, const FrontEnd& front_end) const override;
};

/// Start indices of `parts` equal divisions of n items, the last taking the remainder (n / parts each).
std::vector<int64_t> equal_divisions(int64_t n, int64_t parts);

}  // namespace hearsay::factorizations
