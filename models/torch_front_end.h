// A differentiable LibTorch twin of core/'s FrontEnd (core/front_end.h), so gradients reach the
// waveform: adversarial attacks on the samples, gradients through a factorization's components.
// It is the same math, not a re-derivation: the options, the analysis window and the dense mel
// filterbank are copied from the FrontEnd it is built from, the STFT runs in double (as core/'s FFTW
// transform does) by explicit framing and rfft, and the features come back in float. Equal to
// FrontEnd::features within 1e-4 dB on every cell within 60 dB of the clip's peak
// (tests/models/torch_front_end_test.cpp).
//
// Gradients stay finite where the maths has a kink: the magnitude (power 1) has gradient 0 at
// |X| = 0; the dB floor (amin) passes no gradient to the cells it clamps, and top_db passes theirs to
// the clip's peak, which sets the clamp.
//
// LibTorch header: include only from models/ .cpp files and torch-linked tests and benchmarks.
#pragma once

#include <cstdint>

#include <torch/types.h>

#include "core/front_end.h"

namespace hearsay::models {

class TorchFrontEnd {
 public:
  /// Copies `front_end`'s options, window and filterbank; the twin does not refer to it afterwards.
  explicit TorchFrontEnd(const FrontEnd& front_end);

  const FrontEndOptions& options() const { return options_; }
  int n_mels() const { return options_.n_mels; }
  /// Frames for clips of `samples` samples; ShapeError (as FrontEnd::num_frames) when too short.
  int64_t num_frames(int64_t samples) const { return stft_.num_frames(samples); }

  /// Features [batch × n_mels × frames] (float) of waveforms [batch × samples] (float or double, mono
  /// at options().sample_rate), differentiable with respect to the waveforms. With top_db, each clip
  /// is clamped below its own maximum. ShapeError for another shape or clips too short for the STFT.
  torch::Tensor features(const torch::Tensor& waveforms) const;

 private:
  FrontEndOptions options_;
  Stft stft_;             // the frame count and its checks, shared with core/
  torch::Tensor window_;  // [n_fft] double
  torch::Tensor mel_;     // [n_bins × n_mels] double: the filterbank, transposed
  double db_ref_ = 0.0;   // 10·log10(max(amin, ref)), as FrontEnd subtracts it
};

}  // namespace hearsay::models
