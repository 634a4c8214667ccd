// Fixed-length training windows cut from whole examples (e.g. 3 s windows with a 1.5 s hop from 30 s
// GTZAN clips), listed without loading audio and loaded one at a time.
#pragma once

#include <cstddef>
#include <vector>

#include "core/audio.h"
#include "datasets/dataset.h"

namespace hearsay::datasets {

/// One window of one example.
struct WindowRef {
  size_t example = 0;          ///< dataset index
  int label = -1;              ///< the example's label
  double start_seconds = 0.0;  ///< where the window starts in the example
  double seconds = 0.0;        ///< the window's length
};

/// Windows of `seconds` every `hop_seconds` over each example in `indices` (in that order): starts
/// 0, hop, 2·hop, ... as long as the window fits in the example; an example shorter than one window
/// gives one window at 0 (load_window pads it with silence). Durations come from Dataset::duration,
/// so file datasets answer from their headers. ConfigError unless seconds > 0 and hop_seconds > 0.
std::vector<WindowRef> make_windows(const Dataset& dataset, const std::vector<size_t>& indices, double seconds,
                                    double hop_seconds);

/// The window's audio, exactly round(seconds · rate) frames (zero-padded past the example's end), read
/// with Dataset::excerpt (file datasets read only the window).
Audio load_window(const Dataset& dataset, const WindowRef& window);

}  // namespace hearsay::datasets
