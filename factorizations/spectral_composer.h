// Composition for factorizations whose components are signals that add up (time segments, stems ×
// segments): input(keep) = front_end(Σ_i keep_i · c_i + (1 − keep_i) · b_i + background), with c_i a
// component's signal and b_i what replaces it when removed.
//
// The STFT is linear, so each part's complex spectrum is computed once, on the frames it reaches, and
// a composition is a per-frame sum of spectra → power → mel → log: no FFT per mask and no
// waveform per mask (DESIGN.md). Spectra are kept and summed in double, so the sum is exact to the
// float rounding of its own value even where parts cancel (the two sides of a cut): the composition
// is at least as exact as composing the waveform in float and running the front-end
// (tests/factorizations check both against a float64 front-end).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/front_end.h"
#include "factorizations/factorization.h"

namespace hearsay::factorizations {

/// A signal that is zero outside [offset, offset + samples.size()).
struct SignalPart {
  int64_t offset = 0;
  std::vector<float> samples;
  bool empty() const { return samples.empty(); }
};

class SpectralComposer {
 public:
  /// `contents[i]` is component i's signal, `baselines[i]` its replacement when removed (empty part:
  /// silence), `background` is always present (empty: none). All live in a clip of n_samples samples.
  SpectralComposer(const FrontEnd& front_end, int64_t n_samples, std::vector<SignalPart> contents,
                   std::vector<SignalPart> baselines, SignalPart background);

  int64_t components() const { return static_cast<int64_t>(contents_.size()); }
  int64_t frames() const { return frames_; }
  const FrontEnd& front_end() const { return front_end_; }

  /// Frames reached by more components than this are always recomputed.
  static constexpr int kMaxCachedBits = 10;
  /// Cache budget in floats (256 MB); frames beyond it are recomputed.
  static constexpr int64_t kCacheBudget = int64_t{64} << 20;

  /// Features [n_mels × frames] for `keep`.
  void compose(const uint8_t* keep, float* features) const;
  /// Frames [first, first + count) of the features for `keep`, written to out [n_mels × count].
  void compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const;
  /// Features [n_mels × frames] for continuous gains: X = background + Σ_i g_i C_i + (1 − g_i) B_i
  /// per frame, then power → mel → log. Gains of 0 and 1 compose what compose() does, bit for bit.
  void compose_gains(const double* gains, float* features) const;
  /// Σ_cells upstream · ∂features/∂g_i for each component i, at `gains` (upstream [n_mels × frames]).
  /// Chain rule through the log (0 where the dB floor amin clamps; a cell clamped by top_db passes
  /// its upstream to the clip's loudest cell, whose value sets the clamp), the mel filterbank, the
  /// power (or magnitude, 0 at |X| = 0) and ∂X/∂g_i = C_i − B_i.
  std::vector<double> gains_vjp(const double* gains, const float* upstream) const;
  /// Columns served from the cache so far (for tests and benchmarks).
  int64_t cache_hits() const { return cache_hits_.load(std::memory_order_relaxed); }
  /// The composed waveform (render, and the reference the tests compare against).
  std::vector<float> compose_waveform(const std::vector<uint8_t>& keep) const;
  /// Frames component i reaches (content or baseline).
  FrameSpan span(int64_t i) const;

 private:
  struct Spectrum {
    int64_t first_frame = 0;
    int64_t frame_count = 0;
    std::vector<ComplexD> values;  // frame_count × bins, unrounded: contributions cancel in sums
  };
  struct Contribution {
    int32_t component;  // -1: background
    bool is_baseline;
    const ComplexD* row;
  };
  Spectrum spectrum_of(const SignalPart& part, std::vector<float>& scratch) const;
  void add_contributions(const Spectrum& s, int32_t component, bool is_baseline);
  // Σ weight(c) · c over the contributions c to frame t, into acc [bins]: weight 0 skips a part, 1
  // adds it as it is (so keep-masks and gains of 0 and 1 sum the same values in the same order).
  template <class Weight>
  void sum_frame(int64_t t, const Weight& weight, std::vector<ComplexD>& acc) const;
  // Mel values of frame t (compressed when `compress` and the front-end is frame-local),
  // out[m * stride], with each contribution weighted as in sum_frame.
  template <class Weight>
  void frame_column(const Weight& weight, int64_t t, float* out, int64_t stride, bool compress = true) const;
  void setup_cache();

  const FrontEnd& front_end_;
  int64_t n_samples_;
  int64_t frames_;
  int bins_;
  std::vector<SignalPart> contents_;
  std::vector<SignalPart> baselines_;
  SignalPart background_;
  std::vector<Spectrum> content_spectra_;
  std::vector<Spectrum> baseline_spectra_;
  Spectrum background_spectrum_;
  std::vector<std::vector<Contribution>> by_frame_;  // frame → what adds to it, in component order

  // Frame cache (frame-local front-ends only).
  bool frame_local_ = false;
  std::vector<std::vector<int32_t>> frame_components_;  // distinct components reaching each frame
  std::vector<int64_t> slot_offset_;                    // first slot of each frame; -1: not cached
  std::unique_ptr<float[]> columns_;                    // slots × n_mels
  std::unique_ptr<std::atomic<uint8_t>[]> state_;       // per slot: 0 empty, 1 being written, 2 ready
  mutable std::atomic<int64_t> cache_hits_{0};
};

}  // namespace hearsay::factorizations
