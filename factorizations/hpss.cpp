#include "factorizations/hpss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace hearsay::factorizations {

void HpssOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, kernel_time % 2 == 1 && kernel_frequency % 2 == 1,
                   "hpss: kernel_time and kernel_frequency must be odd (got ", kernel_time, ", ", kernel_frequency,
                   ")");
}

namespace {

// scipy.ndimage's 'reflect' boundary (half-sample symmetric: ... b a | a b c ... x y | y x ...).
int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// Median filter of a [rows × cols] array along one axis with a window of `length`.
Matrix<float> median_filter(const Matrix<float>& in, int length, bool along_rows) {
  Matrix<float> out(in.rows(), in.cols());
  const int64_t half = length / 2;
  std::vector<float> window(static_cast<size_t>(length));
  for (int64_t r = 0; r < in.rows(); ++r) {
    for (int64_t c = 0; c < in.cols(); ++c) {
      for (int64_t k = -half; k <= half; ++k) {
        const float v = along_rows ? in(reflect_index(r + k, in.rows()), c) : in(r, reflect_index(c + k, in.cols()));
        window[static_cast<size_t>(k + half)] = v;
      }
      std::nth_element(window.begin(), window.begin() + half, window.end());
      out(r, c) = window[static_cast<size_t>(half)];
    }
  }
  return out;
}

// librosa.util.softmask: (x / z)^p / ((x / z)^p + (ref / z)^p) with z = max(x, ref); 0.5 where both vanish.
float softmask(float x, float ref, double power) {
  const float z = std::max(x, ref);
  if (z < std::numeric_limits<float>::min()) return 0.5f;
  const double a = std::pow(x / z, power);
  const double b = std::pow(ref / z, power);
  return static_cast<float>(a / (a + b));
}

}  // namespace

HpssResult hpss(const std::vector<float>& x, const Stft& stft, const HpssOptions& options) {
  options.validate();
  const auto n = static_cast<int64_t>(x.size());
  const Matrix<Complex> spectrum = stft.forward(x.data(), n);  // [frames × bins]
  Matrix<float> magnitude(spectrum.rows(), spectrum.cols());
  for (int64_t i = 0; i < spectrum.size(); ++i) magnitude.data()[i] = std::abs(spectrum.data()[i]);
  const Matrix<float> harmonic = median_filter(magnitude, options.kernel_time, /*along_rows=*/true);          // time
  const Matrix<float> percussive = median_filter(magnitude, options.kernel_frequency, /*along_rows=*/false);  // freq
  Matrix<Complex> h(spectrum.rows(), spectrum.cols());
  Matrix<Complex> p(spectrum.rows(), spectrum.cols());
  const auto margin = static_cast<float>(options.margin);
  for (int64_t i = 0; i < spectrum.size(); ++i) {
    const float hv = harmonic.data()[i];
    const float pv = percussive.data()[i];
    h.data()[i] = spectrum.data()[i] * softmask(hv, margin * pv, options.power);
    p.data()[i] = spectrum.data()[i] * softmask(pv, margin * hv, options.power);
  }
  return {stft.inverse(h, n), stft.inverse(p, n)};
}

}  // namespace hearsay::factorizations
