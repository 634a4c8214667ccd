#include "core/stft.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <fftw3.h>

namespace hearsay {

namespace {

std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

// fftw_malloc'd scratch, freed on scope exit.
template <class T>
struct FftwBuffer {
  explicit FftwBuffer(size_t n) : data(static_cast<T*>(fftw_malloc(sizeof(T) * std::max<size_t>(n, 1)))) {
    HEARSAY_CHECK(data, "STFT: out of memory for an FFT buffer of ", n, " elements");
  }
  ~FftwBuffer() { fftw_free(data); }
  FftwBuffer(const FftwBuffer&) = delete;
  FftwBuffer& operator=(const FftwBuffer&) = delete;
  T* data;
};

}  // namespace

void StftOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, win_length <= n_fft, "stft: win_length (", win_length, ") must be <= n_fft (", n_fft,
                   ")");
  HEARSAY_CHECK_AS(ConfigError, n_fft >= 2 && hop_length >= 1, "stft: n_fft must be >= 2 and hop_length >= 1");
}

struct Stft::Plans {
  fftw_plan forward = nullptr;
  fftw_plan inverse = nullptr;
};

Stft::Stft(const StftOptions& options) : options_(options), plans_(std::make_unique<Plans>()) {
  check_options(options_, "stft");
  const int n_fft = options_.n_fft;
  const int win = options_.win_length > 0 ? options_.win_length : n_fft;
  // Periodic Hann (torch.hann_window(periodic=True), scipy's fftbins=True), centred in n_fft.
  window_.assign(static_cast<size_t>(n_fft), 0.0);
  const int offset = (n_fft - win) / 2;
  for (int i = 0; i < win; ++i)
    window_[static_cast<size_t>(offset + i)] =
        0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i) / static_cast<double>(win));

  FftwBuffer<double> real(static_cast<size_t>(n_fft));
  FftwBuffer<fftw_complex> spec(static_cast<size_t>(n_bins()));
  std::lock_guard<std::mutex> lock(planner_mutex());
  plans_->forward = fftw_plan_dft_r2c_1d(n_fft, real.data, spec.data, FFTW_ESTIMATE);
  plans_->inverse = fftw_plan_dft_c2r_1d(n_fft, spec.data, real.data, FFTW_ESTIMATE);
  HEARSAY_CHECK(plans_->forward && plans_->inverse, "STFT: FFTW could not plan an FFT of size ", n_fft);
}

Stft::~Stft() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (plans_->forward) fftw_destroy_plan(plans_->forward);
  if (plans_->inverse) fftw_destroy_plan(plans_->inverse);
}

int64_t Stft::num_frames(int64_t n) const {
  const int n_fft = options_.n_fft;
  if (options_.center) {
    const int64_t pad = n_fft / 2;
    HEARSAY_CHECK_AS(ShapeError, n > 0, "STFT: empty signal");
    HEARSAY_CHECK_AS(ShapeError, options_.pad_mode != PadMode::reflect || n > pad, "STFT: a signal of ", n,
                     " samples is too short for reflect padding of ", pad, " samples (needs > n_fft/2 = ", pad,
                     "; use pad_mode \"constant\" for very short signals)");
    return 1 + (n + 2 * pad - n_fft) / options_.hop_length;
  }
  HEARSAY_CHECK_AS(ShapeError, n >= n_fft, "STFT: a signal of ", n, " samples is shorter than n_fft = ", n_fft,
                   " (without centring)");
  return 1 + (n - n_fft) / options_.hop_length;
}

Matrix<Complex> Stft::forward(const float* x, int64_t n) const {
  const int64_t frames = num_frames(n);
  Matrix<Complex> out(frames, n_bins());
  forward_frames(x, n, 0, frames, out.data());
  return out;
}

void Stft::forward_frames(const float* x, int64_t n, int64_t first, int64_t count, Complex* out) const {
  forward_frames_as(x, n, first, count, out);
}

void Stft::forward_frames(const float* x, int64_t n, int64_t first, int64_t count, ComplexD* out) const {
  forward_frames_as(x, n, first, count, out);
}

template <class C>
void Stft::forward_frames_as(const float* x, int64_t n, int64_t first, int64_t count, C* out) const {
  using Real = typename C::value_type;
  const int64_t frames = num_frames(n);
  HEARSAY_CHECK_AS(ShapeError, first >= 0 && count >= 0 && first + count <= frames, "STFT: frames [", first, ", ",
                   first + count, ") outside the ", frames, " frames of the signal");
  const int n_fft = options_.n_fft;
  const int bins = n_bins();
  const int64_t pad = options_.center ? n_fft / 2 : 0;
  const bool reflect = options_.pad_mode == PadMode::reflect;
  FftwBuffer<double> frame(static_cast<size_t>(n_fft));
  FftwBuffer<fftw_complex> spec(static_cast<size_t>(bins));
  for (int64_t t = first; t < first + count; ++t) {
    const int64_t origin = t * options_.hop_length - pad;  // signal index of the frame's first sample
    if (origin >= 0 && origin + n_fft <= n) {
      for (int i = 0; i < n_fft; ++i) frame.data[i] = x[origin + i] * window_[static_cast<size_t>(i)];
    } else {
      for (int i = 0; i < n_fft; ++i) {
        int64_t j = origin + i;
        double value = 0.0;
        if (reflect) {
          if (j < 0) j = -j;
          if (j >= n) j = 2 * (n - 1) - j;
          value = x[j];
        } else if (j >= 0 && j < n) {
          value = x[j];
        }
        frame.data[i] = value * window_[static_cast<size_t>(i)];
      }
    }
    fftw_execute_dft_r2c(plans_->forward, frame.data, spec.data);
    C* row = out + (t - first) * bins;
    for (int k = 0; k < bins; ++k) row[k] = C(static_cast<Real>(spec.data[k][0]), static_cast<Real>(spec.data[k][1]));
  }
}

std::vector<float> Stft::inverse(const Matrix<Complex>& spectrogram, int64_t length) const {
  const int n_fft = options_.n_fft;
  const int bins = n_bins();
  const int hop = options_.hop_length;
  HEARSAY_CHECK_AS(ShapeError, spectrogram.cols() == bins, "ISTFT: spectrogram has ", spectrogram.cols(),
                   " bins, n_fft = ", n_fft, " needs ", bins);
  HEARSAY_CHECK_AS(ShapeError, length >= 0, "ISTFT: negative length");
  const int64_t frames = spectrogram.rows();
  const int64_t total = n_fft + hop * std::max<int64_t>(frames - 1, 0);
  std::vector<double> signal(static_cast<size_t>(total), 0.0);
  std::vector<double> envelope(static_cast<size_t>(total), 0.0);
  FftwBuffer<fftw_complex> spec(static_cast<size_t>(bins));
  FftwBuffer<double> frame(static_cast<size_t>(n_fft));
  const double scale = 1.0 / n_fft;
  for (int64_t t = 0; t < frames; ++t) {
    const Complex* row = spectrogram.row(t);
    for (int k = 0; k < bins; ++k) {  // c2r overwrites its input: a copy
      spec.data[k][0] = row[k].real();
      spec.data[k][1] = row[k].imag();
    }
    fftw_execute_dft_c2r(plans_->inverse, spec.data, frame.data);
    for (int i = 0; i < n_fft; ++i) {
      const double w = window_[static_cast<size_t>(i)];
      signal[static_cast<size_t>(t * hop + i)] += w * frame.data[i] * scale;
      envelope[static_cast<size_t>(t * hop + i)] += w * w;
    }
  }
  // Samples under no window (only the outer edges of an uncentred transform) come back as zeros;
  // a gap anywhere a full window covers means the hop is too large for the window (NOLA fails).
  const int64_t start = options_.center ? n_fft / 2 : 0;
  std::vector<float> out(static_cast<size_t>(length), 0.0f);
  for (int64_t i = 0; i < length; ++i) {
    const int64_t j = start + i;
    if (j >= total) break;
    const double env = envelope[static_cast<size_t>(j)];
    if (env > 1e-11) {
      out[static_cast<size_t>(i)] = static_cast<float>(signal[static_cast<size_t>(j)] / env);
    } else {
      HEARSAY_CHECK_AS(ShapeError, j < n_fft || j >= total - n_fft, "ISTFT: window overlap is zero at sample ", i,
                       " (hop ", hop, " too large for the window; the NOLA condition fails)");
    }
  }
  return out;
}

}  // namespace hearsay
