// Mel scales and triangular mel filterbanks, as torchaudio.functional.melscale_fbanks and
// librosa.filters.mel define them (HTK or Slaney scale; Slaney area normalisation or none).
#pragma once

#include <vector>

#include "core/matrix.h"

namespace hearsay {

enum class MelScale { htk, slaney };
enum class MelNorm { none, slaney };

double hz_to_mel(double hz, MelScale scale);
double mel_to_hz(double mel, MelScale scale);

/// Filter m's weights over the one-sided FFT bins [0, n_fft/2]; only [first, first + weights.size())
/// can be non-zero.
struct MelFilter {
  int first = 0;
  std::vector<float> weights;
};

class MelFilterbank {
 public:
  /// n_mels triangles between f_min and f_max (Hz) over the bins of an n_fft-point FFT at
  /// sample_rate. Filters that fall between two bins are all zero (torchaudio warns; so do we, by
  /// `empty_filters()`).
  MelFilterbank(int sample_rate, int n_fft, int n_mels, double f_min, double f_max, MelScale scale, MelNorm norm);

  int n_mels() const { return static_cast<int>(filters_.size()); }
  int n_bins() const { return n_bins_; }
  const MelFilter& filter(int m) const { return filters_[static_cast<size_t>(m)]; }
  /// Dense [n_mels × n_bins] weights.
  Matrix<float> dense() const;
  /// Number of filters with no non-zero weight.
  int empty_filters() const;
  /// Centre frequency of each filter in Hz.
  const std::vector<double>& centers_hz() const { return centers_hz_; }

  /// out[m] = Σ_k w[m][k] · power[k] for one frame.
  void apply(const float* power, float* out, int64_t out_stride = 1) const;

 private:
  int n_bins_ = 0;
  std::vector<MelFilter> filters_;
  std::vector<double> centers_hz_;
};

}  // namespace hearsay
