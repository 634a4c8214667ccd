#include "factorizations/label_map_factorization.h"

#include <algorithm>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::factorizations {

namespace {

// Separable Gaussian blur with edge clamping.
Matrix<float> blur(const Matrix<float>& x, double sigma_rows, double sigma_cols) {
  auto kernel = [](double sigma) {
    const int half = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    std::vector<double> k(static_cast<size_t>(2 * half + 1));
    double sum = 0.0;
    for (int i = -half; i <= half; ++i)
      sum += k[static_cast<size_t>(i + half)] = std::exp(-0.5 * i * i / (sigma * sigma));
    for (auto& v : k) v /= sum;
    return k;
  };
  const auto kr = kernel(sigma_rows);
  const auto kc = kernel(sigma_cols);
  const auto hr = static_cast<int64_t>(kr.size() / 2);
  const auto hc = static_cast<int64_t>(kc.size() / 2);
  Matrix<float> tmp(x.rows(), x.cols());
  Matrix<float> out(x.rows(), x.cols());
  for (int64_t r = 0; r < x.rows(); ++r)
    for (int64_t c = 0; c < x.cols(); ++c) {
      double acc = 0.0;
      for (int64_t k = -hc; k <= hc; ++k)
        acc += kc[static_cast<size_t>(k + hc)] * x(r, std::clamp<int64_t>(c + k, 0, x.cols() - 1));
      tmp(r, c) = static_cast<float>(acc);
    }
  for (int64_t r = 0; r < x.rows(); ++r)
    for (int64_t c = 0; c < x.cols(); ++c) {
      double acc = 0.0;
      for (int64_t k = -hr; k <= hr; ++k)
        acc += kr[static_cast<size_t>(k + hr)] * tmp(std::clamp<int64_t>(r + k, 0, x.rows() - 1), c);
      out(r, c) = static_cast<float>(acc);
    }
  return out;
}

std::string describe(const FeatureBaselineOptions& o) {
  switch (o.baseline) {
    case FeatureBaseline::zero:
      return "zero energy (the front-end's value for silence)";
    case FeatureBaseline::min:
      return "the input's minimum log-mel value";
    case FeatureBaseline::mean:
      return "the input's mean log-mel value";
    case FeatureBaseline::noise:
      return message("Gaussian noise with each mel band's mean and deviation (seed ", o.seed, ")");
    case FeatureBaseline::blur:
      return message("the input blurred (sigma ", o.blur_frames, " frames, ", o.blur_bands, " bands)");
  }
  return "?";
}

// For each one-sided STFT bin, the mel band whose filter weighs it most; bins outside every filter
// follow the band with the nearest centre frequency.
std::vector<int> band_of_bins(const FrontEnd& front_end) {
  const MelFilterbank& fb = front_end.filterbank();
  std::vector<int> band(static_cast<size_t>(fb.n_bins()), -1);
  std::vector<float> best(static_cast<size_t>(fb.n_bins()), 0.0f);
  for (int m = 0; m < fb.n_mels(); ++m) {
    const MelFilter& f = fb.filter(m);
    for (size_t i = 0; i < f.weights.size(); ++i) {
      const auto k = static_cast<size_t>(f.first) + i;
      if (f.weights[i] > best[k]) {
        best[k] = f.weights[i];
        band[k] = m;
      }
    }
  }
  const double hz_per_bin = front_end.sample_rate() / 2.0 / (fb.n_bins() - 1);
  for (size_t k = 0; k < band.size(); ++k) {
    if (band[k] >= 0) continue;
    const auto& centres = fb.centers_hz();
    const double hz = static_cast<double>(k) * hz_per_bin;
    band[k] =
        static_cast<int>(std::min_element(centres.begin(), centres.end(),
                                          [&](double a, double b) { return std::abs(a - hz) < std::abs(b - hz); }) -
                         centres.begin());
  }
  return band;
}

}  // namespace

Matrix<float> feature_baseline(const Matrix<float>& x, const FrontEnd& front_end, const FeatureBaselineOptions& o) {
  switch (o.baseline) {
    case FeatureBaseline::zero:
      return Matrix<float>(x.rows(), x.cols(), front_end.compress_value(0.0f));
    case FeatureBaseline::min:
      return Matrix<float>(x.rows(), x.cols(), *std::min_element(x.values().begin(), x.values().end()));
    case FeatureBaseline::mean: {
      double sum = 0.0;
      for (float v : x.values()) sum += v;
      return Matrix<float>(x.rows(), x.cols(), static_cast<float>(sum / static_cast<double>(x.size())));
    }
    case FeatureBaseline::noise: {
      Matrix<float> out(x.rows(), x.cols());
      Rng rng(o.seed);
      for (int64_t m = 0; m < x.rows(); ++m) {
        double sum = 0.0;
        double sum2 = 0.0;
        for (int64_t t = 0; t < x.cols(); ++t) {
          sum += x(m, t);
          sum2 += static_cast<double>(x(m, t)) * x(m, t);
        }
        const double mean = sum / static_cast<double>(x.cols());
        const double sd = std::sqrt(std::max(0.0, sum2 / static_cast<double>(x.cols()) - mean * mean));
        for (int64_t t = 0; t < x.cols(); ++t) out(m, t) = static_cast<float>(rng.normal(mean, sd));
      }
      return out;
    }
    case FeatureBaseline::blur:
      return blur(x, o.blur_bands, o.blur_frames);
  }
  return x;
}

LabelMapFactorization::LabelMapFactorization(const FrontEnd& front_end, const Audio& audio, Matrix<float> features,
                                             Matrix<int32_t> labels, std::vector<std::string> names,
                                             const FeatureBaselineOptions& baseline, nlohmann::json options)
    : Factorization(std::move(names), InputGrid::of(front_end, audio.frames()), std::move(options)),
      front_end_options_(front_end.options()),
      audio_(audio),
      features_(std::move(features)),
      baseline_(feature_baseline(features_, front_end, baseline)),
      labels_(std::move(labels)),
      baseline_text_(describe(baseline)) {
  HEARSAY_CHECK_AS(ShapeError, features_.rows() == n_mels() && features_.cols() == frames(), "features are ",
                   features_.rows(), " x ", features_.cols(), ", the front-end makes ", n_mels(), " x ", frames(),
                   " of the ", audio.frames(), "-sample clip");
  HEARSAY_CHECK_AS(ShapeError, labels_.rows() == features_.rows() && labels_.cols() == features_.cols(),
                   "label map is ", labels_.rows(), " x ", labels_.cols(), ", features ", features_.rows(), " x ",
                   features_.cols());
  spans_.assign(static_cast<size_t>(size()), FrameSpan{frames(), 0});
  bands_.assign(static_cast<size_t>(size()), FrameSpan{n_mels(), 0});
  cell_counts_.assign(static_cast<size_t>(size()), 0);
  for (int64_t m = 0; m < labels_.rows(); ++m)
    for (int64_t t = 0; t < labels_.cols(); ++t) {
      const int32_t label = labels_(m, t);
      HEARSAY_CHECK(label >= 0 && label < size(), "label map: cell (", m, ", ", t, ") has label ", label, " of ",
                    size());
      FrameSpan& s = spans_[static_cast<size_t>(label)];
      s.first = std::min(s.first, t);
      s.last = std::max(s.last, t + 1);
      FrameSpan& band = bands_[static_cast<size_t>(label)];
      band = {std::min(band.first, m), std::max(band.last, m + 1)};
      ++cell_counts_[static_cast<size_t>(label)];
    }
  runs_.resize(static_cast<size_t>(labels_.rows()));
  ragged_.assign(static_cast<size_t>(labels_.rows()), 0);
  for (int64_t m = 0; m < labels_.rows(); ++m) {
    auto& runs = runs_[static_cast<size_t>(m)];
    for (int64_t t = 0; t < labels_.cols(); ++t)
      if (t == 0 || labels_(m, t) != labels_(m, t - 1)) runs.push_back({t, labels_(m, t)});
    for (size_t r = 0; r < runs.size(); ++r) {
      const int64_t stop = r + 1 < runs.size() ? runs[r + 1].start : labels_.cols();
      if (stop - runs[r].start < 4) ragged_[static_cast<size_t>(m)] = 1;
    }
  }
  for (int64_t i = 0; i < size(); ++i)
    HEARSAY_CHECK(spans_[static_cast<size_t>(i)].last > 0, "label map: component '",
                  this->names()[static_cast<size_t>(i)], "' owns no cell");
}

void LabelMapFactorization::compose(const uint8_t* keep, float* features) const {
  const int32_t* label = labels_.data();
  const float* x = features_.data();
  const float* b = baseline_.data();
  for (int64_t c = 0; c < features_.size(); ++c) features[c] = keep[label[c]] ? x[c] : b[c];
}

namespace {

// Copies n floats. A label map's runs are short (a 10 × 8 grid on a 3 s clip: 13 frames; superpixels:
// a few), and a memmove call per run cost more than its bytes (a third of tf_grid's composing): runs
// of 4 to 64 values move as 16-byte SSE blocks, the last one overlapping, and shorter ones value by
// value. A plain loop would not do: the compiler turns it back into a memmove call.
inline void copy_run(const float* src, float* dst, int64_t n) {
#if defined(__SSE2__)
  if (n >= 4 && n <= 64) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(dst + i, _mm_loadu_ps(src + i));
    if (i < n) _mm_storeu_ps(dst + n - 4, _mm_loadu_ps(src + n - 4));
    return;
  }
#endif
  switch (n) {
    case 3:
      dst[2] = src[2];
      [[fallthrough]];
    case 2:
      dst[1] = src[1];
      [[fallthrough]];
    case 1:
      dst[0] = src[0];
      [[fallthrough]];
    case 0:
      return;
    default:
      std::copy(src, src + n, dst);
  }
}

// out[i] = select[label[i]] ? x[i] : b[i], as a mask rather than a jump.
void select_cells(const int32_t* label, const int32_t* select, const float* x, const float* b, float* out, int64_t n) {
  int64_t i = 0;
#if defined(__SSE2__)
  for (; i + 4 <= n; i += 4) {
    const __m128 mask = _mm_castsi128_ps(
        _mm_set_epi32(select[label[i + 3]], select[label[i + 2]], select[label[i + 1]], select[label[i]]));
    _mm_storeu_ps(out + i, _mm_or_ps(_mm_and_ps(mask, _mm_loadu_ps(x + i)), _mm_andnot_ps(mask, _mm_loadu_ps(b + i))));
  }
#endif
  for (; i < n; ++i) out[i] = select[label[i]] ? x[i] : b[i];
}

}  // namespace

void LabelMapFactorization::compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const {
  HEARSAY_CHECK_AS(ShapeError, first >= 0 && count >= 0 && first + count <= frames(), "compose_frames: frames [", first,
                   ", ", first + count, ") outside the ", frames(), "-frame input");
  const int64_t end = first + count;
  // Rows of short runs (superpixels' ragged edges) are chosen cell by cell without a branch: a run's
  // source is a coin toss under random masks, and each run cost a mispredicted jump and a short copy.
  thread_local std::vector<int32_t> select;  // per label: all ones when kept, else zero
  bool selected = false;
  for (int64_t m = 0; m < n_mels(); ++m) {
    const auto& runs = runs_[static_cast<size_t>(m)];
    if (static_cast<int64_t>(runs.size()) * (ragged_[static_cast<size_t>(m)] ? kCellwiseRaggedRun : kCellwiseRun) >
        frames()) {
      if (!selected) {
        select.resize(static_cast<size_t>(size()));
        for (int64_t i = 0; i < size(); ++i) select[static_cast<size_t>(i)] = keep[i] ? -1 : 0;
        selected = true;
      }
      select_cells(labels_.data() + m * frames() + first, select.data(), features_.data() + m * frames() + first,
                   baseline_.data() + m * frames() + first, out + m * count, count);
      continue;
    }
    // The run holding `first`: the last one starting at or before it.
    auto run = std::upper_bound(runs.begin(), runs.end(), first, [](int64_t t, const Run& r) { return t < r.start; });
    --run;
    const int64_t row = m * frames();
    float* dst = out + m * count - first;
    for (int64_t t = first; t < end; ++run) {
      const int64_t stop = std::min(end, run + 1 == runs.end() ? frames() : (run + 1)->start);
      const float* src = (keep[run->label] ? features_.data() : baseline_.data()) + row;
      copy_run(src + t, dst + t, stop - t);
      t = stop;
    }
  }
}

void LabelMapFactorization::compose_gains(const double* gains, float* features) const {
  const int32_t* label = labels_.data();
  const float* x = features_.data();
  const float* b = baseline_.data();
  // In double and rounded once, so gains of 0 and 1 give compose()'s cells exactly.
  for (int64_t c = 0; c < features_.size(); ++c) {
    const double g = gains[label[c]];
    features[c] = static_cast<float>(g * x[c] + (1.0 - g) * b[c]);
  }
}

std::vector<double> LabelMapFactorization::gains_vjp(const double*, const Matrix<float>& upstream) const {
  check_upstream(upstream);
  std::vector<double> out(static_cast<size_t>(size()), 0.0);
  for (int64_t c = 0; c < features_.size(); ++c)
    out[static_cast<size_t>(labels_.data()[c])] +=
        static_cast<double>(upstream.data()[c]) * (static_cast<double>(features_.data()[c]) - baseline_.data()[c]);
  return out;
}

Audio LabelMapFactorization::render(const std::vector<uint8_t>& keep) const {
  check_mask(keep);
  const FrontEnd front_end(front_end_options_);
  const std::vector<int> band = band_of_bins(front_end);
  Matrix<Complex> spectrum = front_end.stft().forward(audio_.data(), audio_.frames());
  for (int64_t t = 0; t < spectrum.rows(); ++t)
    for (int64_t k = 0; k < spectrum.cols(); ++k)
      if (!keep[static_cast<size_t>(labels_(band[static_cast<size_t>(k)], t))]) spectrum(t, k) = Complex(0.0f, 0.0f);
  return Audio::mono(front_end.stft().inverse(spectrum, audio_.frames()), audio_.sample_rate());
}

Matrix<float> LabelMapFactorization::indicator(int64_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i >= 0 && i < size(), "component ", i, " of ", size());
  Matrix<float> out(n_mels(), frames());
  for (int64_t c = 0; c < out.size(); ++c) out.data()[c] = labels_.data()[c] == i ? 1.0f : 0.0f;
  return out;
}

ComponentGeometry LabelMapFactorization::geometry(int64_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i >= 0 && i < size(), "component ", i, " of ", size());
  const auto k = static_cast<size_t>(i);
  ComponentGeometry g{"mix", spans_[k], bands_[k].first, bands_[k].last, std::nullopt};
  if (cell_counts_[k] != (g.frames.last - g.frames.first) * (g.mel_high - g.mel_low)) {
    Matrix<uint8_t> cells(n_mels(), frames());
    for (int64_t c = 0; c < cells.size(); ++c) cells.data()[c] = labels_.data()[c] == i ? 1 : 0;
    g.cells = std::move(cells);
  }
  return g;
}

std::vector<double> LabelMapFactorization::pool(const Matrix<float>& map) const {
  HEARSAY_CHECK_AS(ShapeError, map.rows() == n_mels() && map.cols() == frames(), "pool: map is ", map.rows(), " x ",
                   map.cols(), ", the factorization's input is ", n_mels(), " x ", frames());
  std::vector<double> scores(static_cast<size_t>(size()), 0.0);
  for (int64_t c = 0; c < map.size(); ++c) scores[static_cast<size_t>(labels_.data()[c])] += map.data()[c];
  return scores;
}

}  // namespace hearsay::factorizations
