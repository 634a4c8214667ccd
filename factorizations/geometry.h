// Where a factorization's components sit in the model input, so that metrics can match a planted cue
// (a stem, a time span, a frequency band) to components without parsing component names or
// re-deriving segment boundaries (DESIGN.md, "Factorization geometry").
//
// The input is a grid of cells [n_mels × frames]. InputGrid says what part of the clip each cell
// stands for: frame t stands for the samples nearest its centre (the frames partition the clip), mel
// bin m for the band between the crossovers of its triangle filter with its neighbours' (the Hz
// midpoints of neighbouring centre frequencies; the outer edges are f_min and f_max). A Region in
// seconds and Hz then covers each cell by a fraction, and a component covers the region by the share
// of that weight falling on its cells.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/front_end.h"
#include "core/matrix.h"

namespace hearsay::factorizations {

/// Frames [first, last) of the model input.
struct FrameSpan {
  int64_t first = 0;
  int64_t last = 0;
};

/// The time and frequency each cell of a model input [n_mels × frames] stands for.
struct InputGrid {
  int sample_rate = 0;               ///< Hz; 0: the input has no time/frequency axes (toy inputs)
  int64_t samples = 0;               ///< length of the factorized clip in samples
  int64_t frames = 0;                ///< frames of the input
  int hop_length = 0;                ///< samples between frame centres
  int64_t first_centre = 0;          ///< sample at the centre of frame 0 (0 centred, n_fft / 2 otherwise)
  std::vector<double> mel_edges_hz;  ///< n_mels + 1 edges: mel bin m stands for [edges[m], edges[m + 1])

  /// The grid of `front_end`'s features of a clip of `samples` samples.
  static InputGrid of(const FrontEnd& front_end, int64_t samples);
  bool known() const { return sample_rate > 0; }
  int64_t n_mels() const { return static_cast<int64_t>(mel_edges_hz.size()) - 1; }
  /// Seconds [start, end) that frame t stands for: from halfway after the previous frame's centre to
  /// halfway before the next one's; the first frame starts at 0 and the last ends with the clip.
  std::pair<double, double> frame_seconds(int64_t t) const;
};

/// Where one component lives in the model input.
struct ComponentGeometry {
  std::string source;    ///< stem name ("drums"), or "mix" when the component is the whole mix
  FrameSpan frames;      ///< model-input frames it occupies
  int64_t mel_low = 0;   ///< first mel bin it occupies
  int64_t mel_high = 0;  ///< one past its last mel bin
  /// Irregular regions (superpixels): 1 on its cells [n_mels × frames]; absent when the component is
  /// the whole rectangle frames × [mel_low, mel_high).
  std::optional<Matrix<uint8_t>> cells;
};

/// A ground-truth region (a planted cue) in the factorized input's time: the source that holds it,
/// its span in seconds and its band in Hz. A zero-length span (or band) is a point: it falls in the
/// one frame (bin) that contains it.
struct Region {
  std::string source;  ///< stem holding the cue; empty or "mix" when not tied to a stem
  double start_seconds = 0.0;
  double end_seconds = 0.0;
  double low_hz = 0.0;
  double high_hz = std::numeric_limits<double>::infinity();  ///< default: every frequency
};

/// How much of each frame (size grid.frames, values in [0, 1]) lies inside [start, end) seconds.
/// ConfigError when the span is reversed or not a number.
std::vector<double> frame_weights(const InputGrid& grid, double start_seconds, double end_seconds);
/// How much of each mel bin (size grid.n_mels(), values in [0, 1]) lies inside [low, high) Hz.
std::vector<double> band_weights(const InputGrid& grid, double low_hz, double high_hz);

}  // namespace hearsay::factorizations
