#include "factorizations/geometry.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hearsay::factorizations {

InputGrid InputGrid::of(const FrontEnd& front_end, int64_t samples) {
  const FrontEndOptions& o = front_end.options();
  InputGrid g;
  g.sample_rate = front_end.sample_rate();
  g.samples = samples;
  g.frames = front_end.num_frames(samples);
  g.hop_length = o.hop_length;
  g.first_centre = o.center ? 0 : o.n_fft / 2;
  // Neighbouring triangles cross halfway (in Hz) between their centres: librosa and torchaudio draw
  // them linear in Hz between mel-spaced points, so that is where a tone moves from one bin to the next.
  const std::vector<double>& centres = front_end.filterbank().centers_hz();
  g.mel_edges_hz.push_back(o.f_min);
  for (size_t m = 1; m < centres.size(); ++m) g.mel_edges_hz.push_back((centres[m - 1] + centres[m]) / 2.0);
  g.mel_edges_hz.push_back(o.effective_f_max());
  return g;
}

std::pair<double, double> InputGrid::frame_seconds(int64_t t) const {
  HEARSAY_CHECK(known(), "frame_seconds: the input has no time axis");
  HEARSAY_CHECK_AS(ShapeError, t >= 0 && t < frames, "frame ", t, " of a ", frames, "-frame input");
  const double half = hop_length / 2.0;
  const double centre = static_cast<double>(first_centre + t * hop_length);
  const double end_sample = static_cast<double>(samples);
  const double start = t == 0 ? 0.0 : std::min(centre - half, end_sample);
  const double end = t == frames - 1 ? end_sample : std::min(centre + half, end_sample);
  return {start / sample_rate, std::max(start, end) / sample_rate};
}

namespace {

// Fraction of each interval [edges[k], edges[k + 1]) inside [low, high); a point (low == high) falls
// wholly in the interval containing it (the last one also holds its end).
std::vector<double> interval_weights(const std::vector<double>& edges, double low, double high) {
  const size_t n = edges.size() - 1;
  std::vector<double> w(n, 0.0);
  for (size_t k = 0; k < n; ++k) {
    const double a = edges[k];
    const double b = edges[k + 1];
    if (high > low) {
      if (b > a)
        w[k] = std::max(0.0, std::min(high, b) - std::max(low, a)) / (b - a);
      else
        w[k] = a >= low && a < high ? 1.0 : 0.0;
    } else if (low >= a && (low < b || (k == n - 1 && low == b))) {
      w[k] = 1.0;
      break;
    }
  }
  return w;
}

}  // namespace

std::vector<double> frame_weights(const InputGrid& grid, double start_seconds, double end_seconds) {
  HEARSAY_CHECK(grid.known(), "frame_weights: the input has no time axis");
  HEARSAY_CHECK_AS(ConfigError, !std::isnan(start_seconds) && !std::isnan(end_seconds) && end_seconds >= start_seconds,
                   "the span must satisfy start_seconds <= end_seconds, got ", start_seconds, " .. ", end_seconds);
  std::vector<double> edges;
  for (int64_t t = 0; t < grid.frames; ++t) edges.push_back(grid.frame_seconds(t).first);
  edges.push_back(static_cast<double>(grid.samples) / grid.sample_rate);
  return interval_weights(edges, start_seconds, end_seconds);
}

std::vector<double> band_weights(const InputGrid& grid, double low_hz, double high_hz) {
  HEARSAY_CHECK(grid.known(), "band_weights: the input has no frequency axis");
  HEARSAY_CHECK_AS(ConfigError, !std::isnan(low_hz) && !std::isnan(high_hz) && high_hz >= low_hz,
                   "the band must satisfy low_hz <= high_hz, got ", low_hz, " .. ", high_hz);
  return interval_weights(grid.mel_edges_hz, low_hz, high_hz);
}

}  // namespace hearsay::factorizations
