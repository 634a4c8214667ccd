// Composition for factorizations whose components are signals that add up (time segments, stems ×
// segments): input(keep) = front_end(Σ_i keep_i · c_i + (1 − keep_i) · b_i + background), with c_i a
// component's signal and b_i what replaces it when removed.
//
// The STFT is linear, so each part's complex spectrum is computed once, on the frames it reaches, and
// a composition is a per-frame sum of spectra → power → mel → log: no FFT per mask and no
// waveform per mask (DESIGN.md). It equals composing the waveform and running the front-end up to
// float rounding (tests/factorizations check it).
#pragma once

#include <cstdint>
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

  /// Features [n_mels × frames] for `keep`.
  void compose(const uint8_t* keep, float* features) const;
  /// The composed waveform (render, and the reference the tests compare against).
  std::vector<float> compose_waveform(const std::vector<uint8_t>& keep) const;
  /// Frames component i reaches (content or baseline).
  FrameSpan span(int64_t i) const;

 private:
  struct Spectrum {
    int64_t first_frame = 0;
    int64_t frame_count = 0;
    std::vector<Complex> values;  // frame_count × bins
  };
  struct Contribution {
    int32_t component;  // -1: background
    bool is_baseline;
    const Complex* row;
  };
  Spectrum spectrum_of(const SignalPart& part, std::vector<float>& scratch) const;
  void add_contributions(const Spectrum& s, int32_t component, bool is_baseline);

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
};

}  // namespace hearsay::factorizations
