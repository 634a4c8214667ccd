#include "datasets/windows.h"

#include <cmath>

#include "core/error.h"

namespace hearsay::datasets {

std::vector<WindowRef> make_windows(const Dataset& dataset, const std::vector<size_t>& indices, double seconds,
                                    double hop_seconds) {
  HEARSAY_CHECK_AS(ConfigError, seconds > 0.0 && std::isfinite(seconds),
                   "make_windows: window length must be > 0 s, got ", seconds);
  HEARSAY_CHECK_AS(ConfigError, hop_seconds > 0.0 && std::isfinite(hop_seconds),
                   "make_windows: hop must be > 0 s, got ", hop_seconds);
  // A window "fits" up to a microsecond of rounding, so a 6 s clip holds exactly two 3 s windows.
  constexpr double kSlack = 1e-6;
  std::vector<WindowRef> windows;
  for (size_t i : indices) {
    HEARSAY_CHECK_AS(ShapeError, i < dataset.size(), "make_windows: example ", i, " of a ", dataset.size(),
                     "-example dataset");
    const double duration = dataset.duration(i);
    const int label = dataset.info(i).label;
    windows.push_back({i, label, 0.0, seconds});
    for (int64_t k = 1;; ++k) {
      const double start = static_cast<double>(k) * hop_seconds;
      if (start + seconds > duration + kSlack) break;
      windows.push_back({i, label, start, seconds});
    }
  }
  return windows;
}

Audio load_window(const Dataset& dataset, const WindowRef& window) {
  Audio audio = dataset.excerpt(window.example, window.start_seconds, window.seconds);
  return audio.fitted(static_cast<int64_t>(std::llround(window.seconds * audio.sample_rate())));
}

}  // namespace hearsay::datasets
