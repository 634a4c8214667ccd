#include "core/mel.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hearsay {

namespace {
// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above.
constexpr double kSlaneyMinLogHz = 1000.0;
constexpr double kSlaneyHzPerMel = 200.0 / 3.0;
constexpr double kSlaneyMinLogMel = kSlaneyMinLogHz / kSlaneyHzPerMel;
const double kSlaneyLogStep = std::log(6.4) / 27.0;
}  // namespace

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz < kSlaneyMinLogHz) return hz / kSlaneyHzPerMel;
  return kSlaneyMinLogMel + std::log(hz / kSlaneyMinLogHz) / kSlaneyLogStep;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel < kSlaneyMinLogMel) return mel * kSlaneyHzPerMel;
  return kSlaneyMinLogHz * std::exp(kSlaneyLogStep * (mel - kSlaneyMinLogMel));
}

MelFilterbank::MelFilterbank(int sample_rate, int n_fft, int n_mels, double f_min, double f_max, MelScale scale,
                             MelNorm norm)
    : n_bins_(n_fft / 2 + 1) {
  HEARSAY_CHECK_AS(ConfigError, sample_rate > 0 && n_fft >= 2 && n_mels >= 1, "mel filterbank: needs sample_rate > 0, ",
                   "n_fft >= 2 and n_mels >= 1 (got ", sample_rate, ", ", n_fft, ", ", n_mels, ")");
  HEARSAY_CHECK_AS(ConfigError, f_min >= 0.0 && f_min < f_max && f_max <= sample_rate / 2.0 + 1e-9,
                   "mel filterbank: need 0 <= f_min < f_max <= sample_rate / 2 = ", sample_rate / 2.0,
                   " Hz (got f_min ", f_min, ", f_max ", f_max, ")");
  // Bin frequencies and filter edges exactly as torchaudio: linspace over [0, sr/2] and over mels.
  std::vector<double> bin_hz(static_cast<size_t>(n_bins_));
  for (int k = 0; k < n_bins_; ++k) bin_hz[static_cast<size_t>(k)] = (sample_rate / 2.0) * k / (n_bins_ - 1);
  const double mel_lo = hz_to_mel(f_min, scale);
  const double mel_hi = hz_to_mel(f_max, scale);
  std::vector<double> edges(static_cast<size_t>(n_mels + 2));
  for (int i = 0; i < n_mels + 2; ++i)
    edges[static_cast<size_t>(i)] = mel_to_hz(mel_lo + (mel_hi - mel_lo) * i / (n_mels + 1), scale);

  filters_.resize(static_cast<size_t>(n_mels));
  centers_hz_.resize(static_cast<size_t>(n_mels));
  for (int m = 0; m < n_mels; ++m) {
    const double lo = edges[static_cast<size_t>(m)];
    const double mid = edges[static_cast<size_t>(m + 1)];
    const double hi = edges[static_cast<size_t>(m + 2)];
    centers_hz_[static_cast<size_t>(m)] = mid;
    const double enorm = norm == MelNorm::slaney ? 2.0 / (hi - lo) : 1.0;
    std::vector<double> w(static_cast<size_t>(n_bins_));
    int first = -1;
    int last = -1;
    for (int k = 0; k < n_bins_; ++k) {
      const double f = bin_hz[static_cast<size_t>(k)];
      const double up = (f - lo) / (mid - lo);
      const double down = (hi - f) / (hi - mid);
      const double value = std::max(0.0, std::min(up, down)) * enorm;
      w[static_cast<size_t>(k)] = value;
      if (value > 0.0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    MelFilter& filter = filters_[static_cast<size_t>(m)];
    if (first >= 0) {
      filter.first = first;
      for (int k = first; k <= last; ++k) filter.weights.push_back(static_cast<float>(w[static_cast<size_t>(k)]));
    }
  }
}

Matrix<float> MelFilterbank::dense() const {
  Matrix<float> out(n_mels(), n_bins_);
  for (int m = 0; m < n_mels(); ++m) {
    const MelFilter& f = filters_[static_cast<size_t>(m)];
    for (size_t i = 0; i < f.weights.size(); ++i) out(m, f.first + static_cast<int64_t>(i)) = f.weights[i];
  }
  return out;
}

int MelFilterbank::empty_filters() const {
  return static_cast<int>(
      std::count_if(filters_.begin(), filters_.end(), [](const MelFilter& f) { return f.weights.empty(); }));
}

void MelFilterbank::apply(const float* power, float* out, int64_t out_stride) const {
  for (size_t m = 0; m < filters_.size(); ++m) {
    const MelFilter& f = filters_[m];
    const float* p = power + f.first;
    float sum = 0.0f;
    for (size_t i = 0; i < f.weights.size(); ++i) sum += f.weights[i] * p[i];
    out[static_cast<int64_t>(m) * out_stride] = sum;
  }
}

}  // namespace hearsay
