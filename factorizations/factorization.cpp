#include "factorizations/factorization.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearsay::factorizations {

Factorization::Factorization(std::vector<std::string> names, int64_t n_mels, int64_t frames, nlohmann::json options)
    : names_(std::move(names)),
      n_mels_(n_mels),
      frames_(frames),
      options_(std::make_shared<const nlohmann::json>(std::move(options))) {
  HEARSAY_CHECK_AS(ShapeError, !names_.empty(), "factorization: no components");
  std::set<std::string> unique(names_.begin(), names_.end());
  HEARSAY_CHECK(unique.size() == names_.size(), "factorization: component names are not unique");
}

Factorization::Factorization(std::vector<std::string> names, InputGrid grid, nlohmann::json options)
    : Factorization(std::move(names), grid.n_mels(), grid.frames, std::move(options)) {
  grid_ = std::move(grid);
}

const nlohmann::json& Factorization::options() const { return *options_; }

ComponentGeometry Factorization::geometry(int64_t i) const {
  const Matrix<float> where = indicator(i);
  ComponentGeometry g{"mix", {frames_, 0}, n_mels_, 0, std::nullopt};
  Matrix<uint8_t> cells(n_mels_, frames_);
  int64_t count = 0;
  for (int64_t m = 0; m < n_mels_; ++m)
    for (int64_t t = 0; t < frames_; ++t)
      if (where(m, t) != 0.0f) {
        cells(m, t) = 1;
        ++count;
        g.frames = {std::min(g.frames.first, t), std::max(g.frames.last, t + 1)};
        g.mel_low = std::min(g.mel_low, m);
        g.mel_high = std::max(g.mel_high, m + 1);
      }
  if (count == 0) return {"mix", {0, 0}, 0, 0, std::nullopt};
  if (count != (g.frames.last - g.frames.first) * (g.mel_high - g.mel_low)) g.cells = std::move(cells);
  return g;
}

namespace {

double covered(const ComponentGeometry& g, const std::vector<double>& time, const std::vector<double>& band) {
  HEARSAY_CHECK_AS(ShapeError,
                   g.frames.first >= 0 && g.frames.last <= static_cast<int64_t>(time.size()) && g.mel_low >= 0 &&
                       g.mel_high <= static_cast<int64_t>(band.size()) &&
                       (!g.cells || (g.cells->rows() == static_cast<int64_t>(band.size()) &&
                                     g.cells->cols() == static_cast<int64_t>(time.size()))),
                   "geometry: frames [", g.frames.first, ", ", g.frames.last, ") x mel bins [", g.mel_low, ", ",
                   g.mel_high, ") or its cells do not fit the ", band.size(), " x ", time.size(), " input");
  if (g.cells) {
    double sum = 0.0;
    for (int64_t m = g.mel_low; m < g.mel_high; ++m)
      for (int64_t t = g.frames.first; t < g.frames.last; ++t)
        if ((*g.cells)(m, t)) sum += band[static_cast<size_t>(m)] * time[static_cast<size_t>(t)];
    return sum;
  }
  double in_time = 0.0;
  double in_band = 0.0;
  for (int64_t t = g.frames.first; t < g.frames.last; ++t) in_time += time[static_cast<size_t>(t)];
  for (int64_t m = g.mel_low; m < g.mel_high; ++m) in_band += band[static_cast<size_t>(m)];
  return in_time * in_band;
}

// A region's weight on each frame and mel bin, and its area in cells.
struct RegionWeights {
  std::vector<double> time;
  std::vector<double> band;
  double area = 0.0;
};

RegionWeights region_weights(const InputGrid& grid, const Region& region, const std::string& domain) {
  const std::string what = region.source.empty() ? "region" : message("region '", region.source, "'");
  HEARSAY_CHECK(grid.known(), "overlap: this ", domain, " factorization has no time/frequency grid to place ", what,
                " on");
  RegionWeights w;
  try {
    w.time = frame_weights(grid, region.start_seconds, region.end_seconds);
    w.band = band_weights(grid, region.low_hz, region.high_hz);
  } catch (const ConfigError& e) {
    throw ConfigError(message(what, ": ", e.what()));
  }
  double in_time = 0.0;
  double in_band = 0.0;
  for (double v : w.time) in_time += v;
  for (double v : w.band) in_band += v;
  w.area = in_time * in_band;
  return w;
}

bool same_source(const ComponentGeometry& g, const Region& region) {
  return region.source.empty() || region.source == "mix" || g.source == "mix" || g.source == region.source;
}

}  // namespace

double Factorization::overlap(int64_t i, const Region& region) const {
  HEARSAY_CHECK_AS(ShapeError, i >= 0 && i < size(), "overlap: component ", i, " of ", size());
  const RegionWeights w = region_weights(grid_, region, domain());
  const ComponentGeometry g = geometry(i);
  return w.area > 0.0 && same_source(g, region) ? covered(g, w.time, w.band) / w.area : 0.0;
}

std::vector<double> Factorization::overlaps(const Region& region) const {
  const RegionWeights w = region_weights(grid_, region, domain());
  std::vector<double> out(static_cast<size_t>(size()), 0.0);
  for (int64_t i = 0; i < size() && w.area > 0.0; ++i) {
    const ComponentGeometry g = geometry(i);
    if (same_source(g, region)) out[static_cast<size_t>(i)] = covered(g, w.time, w.band) / w.area;
  }
  return out;
}

void Factorization::check_mask(const std::vector<uint8_t>& keep) const {
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(keep.size()) == size(), "mask has ", keep.size(),
                   " entries, the factorization has ", size(), " components");
}

Matrix<float> Factorization::compose(const std::vector<uint8_t>& keep) const {
  check_mask(keep);
  Matrix<float> out(n_mels_, frames_);
  compose(keep.data(), out.data());
  return out;
}

namespace {

[[noreturn]] void refuse_gains(const Factorization& f) {
  std::string valid;
  for (const std::string& name : factorizer_registry().names()) valid += (valid.empty() ? "" : ", ") + name;
  throw ConfigError(message("this '", f.domain(), "' factorization (", f.size(),
                            " components) cannot compose continuous component gains, which gradients over components "
                            "(component_ig) need; factorizations that can: ",
                            valid));
}

}  // namespace

void Factorization::compose_gains(const double*, float*) const { refuse_gains(*this); }

std::vector<double> Factorization::gains_vjp(const double*, const Matrix<float>&) const { refuse_gains(*this); }

Matrix<float> Factorization::compose_gains(const std::vector<double>& gains) const {
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(gains.size()) == size(), "gains have ", gains.size(),
                   " entries, the factorization has ", size(), " components");
  Matrix<float> out(n_mels_, frames_);
  compose_gains(gains.data(), out.data());
  return out;
}

void Factorization::check_upstream(const Matrix<float>& upstream) const {
  HEARSAY_CHECK_AS(ShapeError, upstream.rows() == n_mels_ && upstream.cols() == frames_, "gains_vjp: upstream is ",
                   upstream.rows(), " x ", upstream.cols(), ", the factorization's input is ", n_mels_, " x ", frames_);
}

void Factorization::compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const {
  HEARSAY_CHECK_AS(ShapeError, first >= 0 && count >= 0 && first + count <= frames_, "compose_frames: frames [", first,
                   ", ", first + count, ") outside the ", frames_, "-frame input");
  std::vector<float> all(static_cast<size_t>(n_mels_ * frames_));
  compose(keep, all.data());
  for (int64_t m = 0; m < n_mels_; ++m)
    std::copy(all.begin() + m * frames_ + first, all.begin() + m * frames_ + first + count, out + m * count);
}

std::string index_label(int64_t index, int64_t count) {
  int width = 2;
  for (int64_t c = count - 1; c >= 100; c /= 10) ++width;
  std::string digits = std::to_string(index);
  return std::string(static_cast<size_t>(std::max<int>(0, width - static_cast<int>(digits.size()))), '0') + digits;
}

}  // namespace hearsay::factorizations
