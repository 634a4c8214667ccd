// Harmonic/percussive source separation by median filtering (Fitzgerald, "Harmonic/percussive
// separation using median filtering", DAFx 2010), with librosa's soft masks and margin: the
// magnitude spectrogram is median-filtered along time (harmonic) and along frequency (percussive),
// and the mixture's STFT is split by Wiener-like masks H^p / (H^p + (margin·P)^p).
#pragma once

#include <vector>

#include "core/options.h"
#include "core/stft.h"

namespace hearsay::factorizations {

struct HpssOptions {
  int kernel_time = 31;       ///< median filter length along time, in frames (odd)
  int kernel_frequency = 31;  ///< median filter length along frequency, in bins (odd)
  double power = 2.0;         ///< soft-mask exponent
  double margin = 1.0;        ///< >= 1; above 1 leaves a residual that is neither harmonic nor percussive

  template <class V>
  void visit(V& v) {
    v("kernel_time", kernel_time, "median filter length along time (frames, odd)", Range::between(1, 1001));
    v("kernel_frequency", kernel_frequency, "median filter length along frequency (bins, odd)",
      Range::between(1, 1001));
    v("power", power, "soft-mask exponent", Range::greater_than(0));
    v("margin", margin, "separation margin (1: masks sum to one)", Range::at_least(1));
  }
  void validate() const;
};

struct HpssResult {
  std::vector<float> harmonic;
  std::vector<float> percussive;
};

/// Separates x with the given STFT settings; harmonic + percussive == x when margin == 1 (up to the
/// STFT's reconstruction error).
HpssResult hpss(const std::vector<float>& x, const Stft& stft, const HpssOptions& options);

}  // namespace hearsay::factorizations
