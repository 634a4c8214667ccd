#include "tests/support/reference_front_end.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hearsay::testing {

std::vector<double> reference_log_mel(const FrontEnd& front_end, const std::vector<double>& x) {
  const auto n = static_cast<int64_t>(x.size());
  const FrontEndOptions& o = front_end.options();
  if (!o.center || o.pad_mode != PadMode::reflect || (o.win_length && o.win_length != o.n_fft) || o.power != 2.0 ||
      o.log != LogMode::db || o.top_db)
    throw std::invalid_argument("reference_log_mel: only the default front-end options are supported");
  const int64_t n_fft = o.n_fft, hop = o.hop_length, pad = n_fft / 2, bins = n_fft / 2 + 1;
  const int64_t frames = 1 + n / hop;
  // Reflect-padded signal.
  std::vector<double> padded(static_cast<size_t>(n + 2 * pad));
  for (int64_t i = 0; i < n + 2 * pad; ++i) {
    int64_t j = i - pad;
    if (j < 0) j = -j;
    if (j >= n) j = 2 * (n - 1) - j;
    padded[static_cast<size_t>(i)] = x[static_cast<size_t>(j)];
  }
  double* in = fftw_alloc_real(static_cast<size_t>(n_fft));
  fftw_complex* out = fftw_alloc_complex(static_cast<size_t>(bins));
  fftw_plan plan = fftw_plan_dft_r2c_1d(static_cast<int>(n_fft), in, out, FFTW_ESTIMATE);
  const Matrix<float> weights = front_end.filterbank().dense();  // [n_mels × bins]
  const int64_t mels = weights.rows();
  std::vector<double> power(static_cast<size_t>(bins));
  std::vector<double> result(static_cast<size_t>(mels * frames));
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t i = 0; i < n_fft; ++i)
      in[i] = padded[static_cast<size_t>(t * hop + i)] *
              (0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i) / static_cast<double>(n_fft)));
    fftw_execute(plan);
    for (int64_t k = 0; k < bins; ++k) power[static_cast<size_t>(k)] = out[k][0] * out[k][0] + out[k][1] * out[k][1];
    for (int64_t m = 0; m < mels; ++m) {
      double s = 0.0;
      for (int64_t k = 0; k < bins; ++k) s += static_cast<double>(weights(m, k)) * power[static_cast<size_t>(k)];
      result[static_cast<size_t>(m * frames + t)] =
          10.0 * std::log10(std::max(s, o.amin)) - 10.0 * std::log10(std::max(o.amin, o.ref));
    }
  }
  fftw_destroy_plan(plan);
  fftw_free(out);
  fftw_free(in);
  return result;
}

}  // namespace hearsay::testing
