#include "factorizations/spectral_composer.h"

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include "core/error.h"

namespace hearsay::factorizations {

namespace {

// Original-signal sample ranges (inclusive) that frame t reads, after centring and reflect padding:
// the direct range, and up to two reflected ranges at the edges.
struct Ranges {
  int64_t lo[3];
  int64_t hi[3];
  int count = 0;
  void add(int64_t a, int64_t b) {
    if (a > b) return;
    lo[count] = a;
    hi[count] = b;
    ++count;
  }
};

Ranges frame_ranges(const StftOptions& o, int64_t n, int64_t t) {
  const int64_t pad = o.center ? o.n_fft / 2 : 0;
  const int64_t start = t * o.hop_length - pad;
  const int64_t end = start + o.n_fft - 1;
  Ranges r;
  r.add(std::max<int64_t>(start, 0), std::min(end, n - 1));
  if (o.center && o.pad_mode == PadMode::reflect) {
    if (start < 0) r.add(1, std::min(-start, n - 1));                        // j < 0 reads x[-j]
    if (end > n - 1) r.add(std::max<int64_t>(2 * (n - 1) - end, 0), n - 2);  // j > n-1 reads x[2(n-1)-j]
  }
  return r;
}

}  // namespace

SpectralComposer::SpectralComposer(const FrontEnd& front_end, int64_t n_samples, std::vector<SignalPart> contents,
                                   std::vector<SignalPart> baselines, SignalPart background)
    : front_end_(front_end),
      n_samples_(n_samples),
      frames_(front_end.num_frames(n_samples)),
      bins_(front_end.n_bins()),
      contents_(std::move(contents)),
      baselines_(std::move(baselines)),
      background_(std::move(background)) {
  HEARSAY_CHECK_AS(ShapeError, baselines_.empty() || baselines_.size() == contents_.size(),
                   "spectral composer: ", baselines_.size(), " baselines for ", contents_.size(), " components");
  baselines_.resize(contents_.size());
  auto check = [&](const SignalPart& p) {
    HEARSAY_CHECK_AS(ShapeError, p.offset >= 0 && p.offset + static_cast<int64_t>(p.samples.size()) <= n_samples_,
                     "spectral composer: a part [", p.offset, ", ", p.offset + static_cast<int64_t>(p.samples.size()),
                     ") lies outside the ", n_samples_, "-sample clip");
  };
  std::vector<float> scratch(static_cast<size_t>(n_samples_), 0.0f);
  by_frame_.assign(static_cast<size_t>(frames_), {});
  if (!background_.empty()) {
    check(background_);
    background_spectrum_ = spectrum_of(background_, scratch);
    add_contributions(background_spectrum_, -1, false);
  }
  content_spectra_.resize(contents_.size());
  baseline_spectra_.resize(contents_.size());
  for (size_t i = 0; i < contents_.size(); ++i) {
    check(contents_[i]);
    check(baselines_[i]);
    if (!contents_[i].empty()) content_spectra_[i] = spectrum_of(contents_[i], scratch);
    if (!baselines_[i].empty()) baseline_spectra_[i] = spectrum_of(baselines_[i], scratch);
    add_contributions(content_spectra_[i], static_cast<int32_t>(i), false);
    add_contributions(baseline_spectra_[i], static_cast<int32_t>(i), true);
  }
  setup_cache();
}

SpectralComposer::Spectrum SpectralComposer::spectrum_of(const SignalPart& part, std::vector<float>& scratch) const {
  const StftOptions o = front_end_.options().stft();
  const int64_t lo = part.offset;
  const int64_t hi = part.offset + static_cast<int64_t>(part.samples.size()) - 1;
  int64_t first = frames_;
  int64_t last = -1;
  for (int64_t t = 0; t < frames_; ++t) {
    const Ranges r = frame_ranges(o, n_samples_, t);
    for (int k = 0; k < r.count; ++k) {
      if (r.hi[k] >= lo && r.lo[k] <= hi) {
        first = std::min(first, t);
        last = std::max(last, t);
      }
    }
  }
  Spectrum s;
  if (last < first) return s;
  s.first_frame = first;
  s.frame_count = last - first + 1;
  s.values.resize(static_cast<size_t>(s.frame_count * bins_));
  std::copy(part.samples.begin(), part.samples.end(), scratch.begin() + lo);
  front_end_.stft().forward_frames(scratch.data(), n_samples_, first, s.frame_count, s.values.data());
  std::fill(scratch.begin() + lo, scratch.begin() + hi + 1, 0.0f);
  return s;
}

void SpectralComposer::add_contributions(const Spectrum& s, int32_t component, bool is_baseline) {
  for (int64_t k = 0; k < s.frame_count; ++k)
    by_frame_[static_cast<size_t>(s.first_frame + k)].push_back({component, is_baseline, s.values.data() + k * bins_});
}

void SpectralComposer::setup_cache() {
  frame_local_ = front_end_.frame_local();
  frame_components_.resize(static_cast<size_t>(frames_));
  slot_offset_.assign(static_cast<size_t>(frames_), -1);
  int64_t slots = 0;
  const int64_t n_mels = front_end_.n_mels();
  for (int64_t t = 0; t < frames_; ++t) {
    auto& ids = frame_components_[static_cast<size_t>(t)];
    for (const Contribution& c : by_frame_[static_cast<size_t>(t)])
      if (c.component >= 0 && std::find(ids.begin(), ids.end(), c.component) == ids.end()) ids.push_back(c.component);
    const int64_t needed = int64_t{1} << ids.size();
    if (!frame_local_ || static_cast<int>(ids.size()) > kMaxCachedBits || (slots + needed) * n_mels > kCacheBudget)
      continue;
    slot_offset_[static_cast<size_t>(t)] = slots;
    slots += needed;
  }
  columns_ = std::make_unique<float[]>(static_cast<size_t>(slots * n_mels));
  state_ = std::make_unique<std::atomic<uint8_t>[]>(static_cast<size_t>(slots));
  for (int64_t i = 0; i < slots; ++i) state_[static_cast<size_t>(i)].store(0, std::memory_order_relaxed);
}

template <class Weight>
void SpectralComposer::sum_frame(int64_t t, const Weight& weight, std::vector<ComplexD>& acc) const {
  // Summed in double: where contributions cancel (the two sides of a cut at a segment boundary), a
  // float sum would keep the rounding of each side, far above the quiet cell that remains.
  // The first part present is copied (or scaled) rather than added to zeros: the same values, one
  // pass fewer over the bins.
  acc.resize(static_cast<size_t>(bins_));
  bool first = true;
  for (const Contribution& c : by_frame_[static_cast<size_t>(t)]) {
    const double w = weight(c);
    if (w == 0.0) continue;
    if (first) {
      first = false;
      if (w == 1.0) {
        std::copy(c.row, c.row + bins_, acc.begin());
      } else {
        for (int k = 0; k < bins_; ++k) acc[static_cast<size_t>(k)] = w * c.row[k];
      }
    } else if (w == 1.0) {
      for (int k = 0; k < bins_; ++k) acc[static_cast<size_t>(k)] += c.row[k];
    } else {
      for (int k = 0; k < bins_; ++k) acc[static_cast<size_t>(k)] += w * c.row[k];
    }
  }
  if (first) std::fill(acc.begin(), acc.end(), ComplexD(0.0, 0.0));
}

template <class Weight>
void SpectralComposer::frame_column(const Weight& weight, int64_t t, float* out, int64_t stride, bool compress) const {
  thread_local std::vector<ComplexD> acc;
  thread_local std::vector<Complex> sum;
  sum_frame(t, weight, acc);
  sum.resize(static_cast<size_t>(bins_));
  for (int k = 0; k < bins_; ++k)
    sum[static_cast<size_t>(k)] = Complex(static_cast<float>(acc[static_cast<size_t>(k)].real()),
                                          static_cast<float>(acc[static_cast<size_t>(k)].imag()));
  front_end_.mel_frame(sum.data(), out, stride);
  if (!frame_local_ || !compress) return;
  if (stride == 1) {  // (one call for the column: a frame-local front-end has no clamp to apply)
    front_end_.compress(out, front_end_.n_mels());
    return;
  }
  for (int m = 0; m < front_end_.n_mels(); ++m) out[m * stride] = front_end_.compress_value(out[m * stride]);
}

namespace {

// out[m * stride + i] = columns[i][m] for i < n, m < n_mels. Blocks of 4 columns × 4 mels move as
// one SSE transpose (x86-64's baseline); the rest go value by value.
void transpose_columns(const float* const* columns, int64_t n, int n_mels, float* out, int64_t stride) {
  int m0 = 0;
#if defined(__SSE2__)
  const int64_t n4 = n & ~int64_t{3};
  for (; m0 + 4 <= n_mels; m0 += 4) {
    float* r0 = out + m0 * stride;
    for (int64_t i = 0; i < n4; i += 4) {
      __m128 a = _mm_loadu_ps(columns[i] + m0);
      __m128 b = _mm_loadu_ps(columns[i + 1] + m0);
      __m128 c = _mm_loadu_ps(columns[i + 2] + m0);
      __m128 d = _mm_loadu_ps(columns[i + 3] + m0);
      _MM_TRANSPOSE4_PS(a, b, c, d);
      _mm_storeu_ps(r0 + i, a);
      _mm_storeu_ps(r0 + stride + i, b);
      _mm_storeu_ps(r0 + 2 * stride + i, c);
      _mm_storeu_ps(r0 + 3 * stride + i, d);
    }
    for (int m = m0; m < m0 + 4; ++m)
      for (int64_t i = n4; i < n; ++i) out[m * stride + i] = columns[i][m];
  }
#endif
  for (int m = m0; m < n_mels; ++m)
    for (int64_t i = 0; i < n; ++i) out[m * stride + i] = columns[i][m];
}

// Weights of a keep-mask: a part is present (1) or not (0).
struct KeepWeight {
  const uint8_t* keep;
  template <class C>
  double operator()(const C& c) const {
    return c.component < 0 || (keep[c.component] != 0) != c.is_baseline ? 1.0 : 0.0;
  }
};

// Weights of gains: content g, baseline 1 − g, background 1.
struct GainWeight {
  const double* gains;
  template <class C>
  double operator()(const C& c) const {
    if (c.component < 0) return 1.0;
    const double g = gains[c.component];
    return c.is_baseline ? 1.0 - g : g;
  }
};

}  // namespace

void SpectralComposer::compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const {
  HEARSAY_CHECK_AS(ShapeError, frame_local_ || (first == 0 && count == frames_),
                   "compose_frames: a front-end with a top_db clamp composes whole inputs only");
  const int n_mels = front_end_.n_mels();
  // Frames are gathered as columns of a small tile (pointers into the cache, or a computed column),
  // then written row by row: the output is [n_mels × count] row-major, and writing one column at a
  // time would scatter every value.
  constexpr int64_t kTile = 16;
  thread_local std::vector<float> tile;
  tile.resize(static_cast<size_t>(kTile * n_mels));
  const float* columns[kTile];
  int64_t hits = 0;
  for (int64_t t0 = first; t0 < first + count; t0 += kTile) {
    const int64_t n = std::min(kTile, first + count - t0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = t0 + i;
      float* column = tile.data() + i * n_mels;
      columns[i] = column;
      const int64_t offset = slot_offset_[static_cast<size_t>(t)];
      if (offset < 0) {
        frame_column(KeepWeight{keep}, t, column, 1);
        continue;
      }
      const auto& ids = frame_components_[static_cast<size_t>(t)];
      int64_t pattern = 0;
      for (size_t b = 0; b < ids.size(); ++b) pattern |= static_cast<int64_t>(keep[ids[b]] != 0) << b;
      const auto slot = static_cast<size_t>(offset + pattern);
      float* cached = columns_.get() + slot * static_cast<size_t>(n_mels);
      if (state_[slot].load(std::memory_order_acquire) == 2) {  // written once, then only read
        ++hits;
        columns[i] = cached;
        continue;
      }
      frame_column(KeepWeight{keep}, t, column, 1);
      uint8_t empty = 0;
      if (state_[slot].compare_exchange_strong(empty, 1, std::memory_order_acq_rel)) {
        std::copy(column, column + n_mels, cached);
        state_[slot].store(2, std::memory_order_release);
      }
    }
    transpose_columns(columns, n, n_mels, out + (t0 - first), count);
  }
  cache_hits_.fetch_add(hits, std::memory_order_relaxed);
  if (!frame_local_) front_end_.compress(out, static_cast<int64_t>(n_mels) * count);
}

void SpectralComposer::compose(const uint8_t* keep, float* features) const {
  compose_frames(keep, 0, frames_, features);
}

void SpectralComposer::compose_gains(const double* gains, float* features) const {
  for (int64_t t = 0; t < frames_; ++t) frame_column(GainWeight{gains}, t, features + t, frames_);
  if (!frame_local_) front_end_.compress(features, static_cast<int64_t>(front_end_.n_mels()) * frames_);
}

std::vector<double> SpectralComposer::gains_vjp(const double* gains, const float* upstream) const {
  const FrontEndOptions& o = front_end_.options();
  const int n_mels = front_end_.n_mels();
  const int64_t cells = n_mels * frames_;
  // The mel values before the log, [n_mels × frames].
  std::vector<float> mel(static_cast<size_t>(cells));
  for (int64_t t = 0; t < frames_; ++t) frame_column(GainWeight{gains}, t, mel.data() + t, frames_, false);
  // Upstream through the top_db clamp: a clamped cell equals (loudest cell − top_db), so its upstream
  // moves to the loudest cell (the first one, as std::max_element finds it when compress() clamps).
  std::vector<double> u(upstream, upstream + cells);
  if (o.log == LogMode::db && o.top_db) {
    std::vector<float> db(mel);
    for (auto& v : db) v = front_end_.compress_value(v);
    const auto loudest = static_cast<size_t>(std::max_element(db.begin(), db.end()) - db.begin());
    const float floor = db[loudest] - static_cast<float>(*o.top_db);
    for (size_t c = 0; c < u.size(); ++c)
      if (db[c] < floor) {
        u[loudest] += u[c];
        u[c] = 0.0;
      }
  }
  // Through the log: d compress / d mel.
  const double ln10 = std::log(10.0);
  for (size_t c = 0; c < u.size(); ++c) {
    const double x = mel[c];
    switch (o.log) {
      case LogMode::db:
        u[c] *= x > static_cast<float>(o.amin) ? 10.0 / (ln10 * x) : 0.0;
        break;
      case LogMode::natural:
        u[c] /= x + o.log_offset;
        break;
      case LogMode::log10:
        u[c] /= (x + o.log_offset) * ln10;
        break;
      case LogMode::none:
        break;
    }
  }
  // Through the filterbank, the power and the sum of parts, frame by frame.
  std::vector<double> out(static_cast<size_t>(components()), 0.0);
  std::vector<ComplexD> acc;
  std::vector<double> per_bin(static_cast<size_t>(bins_));
  std::vector<ComplexD> slope(static_cast<size_t>(bins_));
  const MelFilterbank& fb = front_end_.filterbank();
  for (int64_t t = 0; t < frames_; ++t) {
    std::fill(per_bin.begin(), per_bin.end(), 0.0);
    for (int m = 0; m < n_mels; ++m) {
      const double um = u[static_cast<size_t>(m * frames_ + t)];
      if (um == 0.0) continue;
      const MelFilter& f = fb.filter(m);
      for (size_t j = 0; j < f.weights.size(); ++j) per_bin[static_cast<size_t>(f.first) + j] += um * f.weights[j];
    }
    sum_frame(t, GainWeight{gains}, acc);
    // ∂(upstream · features)/∂X_k written as Re(conj(slope_k) · dX_k): power 2 gives 2 X_k per_bin_k,
    // magnitude gives X_k / |X_k| per_bin_k (0 where X_k = 0, where |X| has no derivative).
    for (int k = 0; k < bins_; ++k) {
      const ComplexD x = acc[static_cast<size_t>(k)];
      const double b = per_bin[static_cast<size_t>(k)];
      if (o.power == 2.0) {
        slope[static_cast<size_t>(k)] = 2.0 * b * x;
      } else {
        const double magnitude = std::abs(x);
        slope[static_cast<size_t>(k)] = magnitude > 0.0 ? (b / magnitude) * x : ComplexD(0.0, 0.0);
      }
    }
    for (const Contribution& c : by_frame_[static_cast<size_t>(t)]) {
      if (c.component < 0) continue;
      double s = 0.0;
      for (int k = 0; k < bins_; ++k) {
        const ComplexD& a = slope[static_cast<size_t>(k)];
        s += a.real() * c.row[k].real() + a.imag() * c.row[k].imag();
      }
      out[static_cast<size_t>(c.component)] += c.is_baseline ? -s : s;
    }
  }
  return out;
}

std::vector<float> SpectralComposer::compose_waveform(const std::vector<uint8_t>& keep) const {
  HEARSAY_CHECK_AS(ShapeError, keep.size() == contents_.size(), "mask has ", keep.size(), " entries, expected ",
                   contents_.size());
  // Summed in double and rounded once, like the spectra.
  std::vector<double> sum(static_cast<size_t>(n_samples_), 0.0);
  auto add = [&](const SignalPart& p) {
    for (size_t k = 0; k < p.samples.size(); ++k) sum[static_cast<size_t>(p.offset) + k] += p.samples[k];
  };
  add(background_);
  for (size_t i = 0; i < contents_.size(); ++i) add(keep[i] ? contents_[i] : baselines_[i]);
  return std::vector<float>(sum.begin(), sum.end());
}

FrameSpan SpectralComposer::span(int64_t i) const {
  const Spectrum& c = content_spectra_[static_cast<size_t>(i)];
  const Spectrum& b = baseline_spectra_[static_cast<size_t>(i)];
  int64_t first = frames_;
  int64_t last = 0;
  for (const Spectrum* s : {&c, &b}) {
    if (s->frame_count == 0) continue;
    first = std::min(first, s->first_frame);
    last = std::max(last, s->first_frame + s->frame_count);
  }
  if (last == 0) return {0, 0};
  return {first, last};
}

}  // namespace hearsay::factorizations
