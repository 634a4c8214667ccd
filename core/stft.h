// Short-time Fourier transform with FFTW, matching torch.stft / librosa:
// periodic Hann window (a shorter win_length is zero-padded to n_fft, centred), frames centred on
// t * hop with reflect padding of n_fft / 2 at both ends, one-sided spectra of n_fft / 2 + 1 bins,
// no normalisation. The inverse is torch.istft's weighted overlap-add.
//
// Samples and spectra are float; the transforms run in double. A float FFT's round-off is relative
// to the frame's loudest bin, so bins 60 dB below it came out about 2e-4 dB off; in double every bin
// is exact to the float rounding of its own value, and quiet cells of the log-mel are as accurate as
// loud ones (tests/core: FrontEnd.QuietCellsAreAsAccurateAsLoudOnes). The cost is 0.55 ms more per 30 s clip
// (perf/front_end_bench), once per clip: perturbations compose stored spectra.
//
// Plans are made once per Stft (FFTW's planner is not thread-safe, so under a global lock, with
// FFTW_ESTIMATE so the same plan, hence the same bits, comes out on every run) and executed from
// any number of threads on per-call aligned buffers.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/matrix.h"
#include "core/options.h"

namespace hearsay {

using Complex = std::complex<float>;
using ComplexD = std::complex<double>;

enum class PadMode { reflect, constant };

struct StftOptions {
  int n_fft = 1024;                     ///< FFT size in samples, >= 2
  int hop_length = 512;                 ///< frame advance in samples, >= 1
  int win_length = 0;                   ///< Hann window length, <= n_fft; 0 means n_fft
  bool center = true;                   ///< frames centred on t * hop (signal padded by n_fft / 2 at both ends)
  PadMode pad_mode = PadMode::reflect;  ///< padding when centred: reflect (librosa, torch) or zeros

  template <class V>
  void visit(V& v) {
    v("n_fft", n_fft, "FFT size in samples", Range::between(2, 1 << 20));
    v("hop_length", hop_length, "frame advance in samples", Range::at_least(1));
    v("win_length", win_length, "Hann window length (0: n_fft)", Range::at_least(0));
    v("center", center, "centre frames on multiples of the hop (pad n_fft/2 at both ends)");
    v.choice("pad_mode", pad_mode, {{"reflect", PadMode::reflect}, {"constant", PadMode::constant}},
             "padding of a centred signal");
  }
  void validate() const;
};

class Stft {
 public:
  explicit Stft(const StftOptions& options);
  ~Stft();
  Stft(const Stft&) = delete;
  Stft& operator=(const Stft&) = delete;

  const StftOptions& options() const { return options_; }
  int n_fft() const { return options_.n_fft; }
  int hop_length() const { return options_.hop_length; }
  int n_bins() const { return options_.n_fft / 2 + 1; }
  /// The analysis window, n_fft long.
  const std::vector<double>& window() const { return window_; }

  /// Frames for a signal of n samples; ShapeError when the signal is too short for the padding mode.
  int64_t num_frames(int64_t n_samples) const;

  /// Complex spectrogram [frames × bins] of x[0..n).
  Matrix<Complex> forward(const float* x, int64_t n) const;
  /// Frames [first, first + count) of the spectrogram of x[0..n), written to out[count × bins].
  void forward_frames(const float* x, int64_t n, int64_t first, int64_t count, Complex* out) const;
  /// Same in double, unrounded: for spectra that are summed before they are used (factorizations/).
  void forward_frames(const float* x, int64_t n, int64_t first, int64_t count, ComplexD* out) const;

  /// Weighted overlap-add inverse of a [frames × bins] spectrogram, `length` samples long (the
  /// original signal length; torch.istft's `length`).
  std::vector<float> inverse(const Matrix<Complex>& spectrogram, int64_t length) const;

 private:
  struct Plans;
  template <class C>
  void forward_frames_as(const float* x, int64_t n, int64_t first, int64_t count, C* out) const;
  StftOptions options_;
  std::vector<double> window_;
  std::unique_ptr<Plans> plans_;
};

}  // namespace hearsay
