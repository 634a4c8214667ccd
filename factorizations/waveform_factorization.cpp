#include "factorizations/waveform_factorization.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::factorizations {

std::vector<int64_t> segment_boundaries(int64_t n_samples, int sample_rate, int count,
                                        const std::vector<double>& cuts_seconds, int hop_length) {
  std::vector<int64_t> b{0};
  if (!cuts_seconds.empty()) {
    const double duration = static_cast<double>(n_samples) / sample_rate;
    double previous = 0.0;
    for (double cut : cuts_seconds) {
      HEARSAY_CHECK_AS(ConfigError, cut > previous && cut < duration, "segment boundaries must increase strictly ",
                       "inside (0, ", duration, " s); got ", cut, " s after ", previous, " s");
      b.push_back(static_cast<int64_t>(std::llround(cut * sample_rate)));
      previous = cut;
    }
  } else {
    HEARSAY_CHECK_AS(ConfigError, count >= 1, "segments must be >= 1, got ", count);
    const int64_t length = n_samples / count;
    for (int j = 1; j < count; ++j) b.push_back(j * length);
  }
  b.push_back(n_samples);
  for (size_t j = 0; j + 1 < b.size(); ++j)
    HEARSAY_CHECK_AS(ShapeError, b[j + 1] - b[j] >= hop_length, "segment ", j, " spans ", b[j + 1] - b[j],
                     " samples, less than one hop (", hop_length, "); the ",
                     static_cast<double>(n_samples) / sample_rate, " s clip allows at most ", n_samples / hop_length,
                     " segments");
  return b;
}

namespace {

SignalPart slice(const std::vector<float>& signal, int64_t begin, int64_t end) {
  return {begin, std::vector<float>(signal.begin() + begin, signal.begin() + end)};
}

std::string describe(const WaveformBaselineOptions& o) {
  switch (o.baseline) {
    case WaveformBaseline::zero:
      return "silence";
    case WaveformBaseline::noise:
      return message("white noise at ", o.noise_db, " dB re the clip RMS (seed ", o.seed, ")");
    case WaveformBaseline::shaped_noise:
      return message("noise with the clip's average spectrum and level (seed ", o.seed, ")");
  }
  return "?";
}

// Average power per STFT bin over the frames of a spectrogram.
std::vector<double> average_power(const Matrix<Complex>& spectrum) {
  std::vector<double> power(static_cast<size_t>(spectrum.cols()), 0.0);
  for (int64_t t = 0; t < spectrum.rows(); ++t)
    for (int64_t k = 0; k < spectrum.cols(); ++k) power[static_cast<size_t>(k)] += std::norm(spectrum(t, k));
  for (auto& p : power) p /= static_cast<double>(std::max<int64_t>(spectrum.rows(), 1));
  return power;
}

double rms(const std::vector<float>& x) {
  double energy = 0.0;
  for (float v : x) energy += static_cast<double>(v) * v;
  return std::sqrt(energy / static_cast<double>(std::max<size_t>(x.size(), 1)));
}

}  // namespace

std::vector<float> shaped_noise(const std::vector<float>& mix, const Stft& stft, uint64_t seed) {
  const auto n = static_cast<int64_t>(mix.size());
  const double level = rms(mix);
  if (level == 0.0) return std::vector<float>(mix.size(), 0.0f);
  Rng rng(seed);
  std::vector<float> out(mix.size());
  for (auto& v : out) v = static_cast<float>(rng.normal());
  const std::vector<double> target = average_power(stft.forward(mix.data(), n));
  // The inverse STFT of a reshaped spectrogram is not exactly that spectrogram (neighbouring frames
  // overlap), so the first pass leaves steep slopes of the spectrum up to 2 dB off; each further pass
  // measures what came out and corrects the gains again.
  constexpr int kPasses = 3;
  for (int pass = 0; pass < kPasses; ++pass) {
    Matrix<Complex> spectrum = stft.forward(out.data(), n);
    const std::vector<double> have = average_power(spectrum);
    for (int64_t k = 0; k < spectrum.cols(); ++k) {
      const double ratio =
          have[static_cast<size_t>(k)] > 0.0 ? target[static_cast<size_t>(k)] / have[static_cast<size_t>(k)] : 0.0;
      const auto gain = static_cast<float>(std::sqrt(ratio));
      for (int64_t t = 0; t < spectrum.rows(); ++t) spectrum(t, k) *= gain;
    }
    out = stft.inverse(spectrum, n);
  }
  const double scale = level / std::max(rms(out), 1e-30);
  for (auto& v : out) v = static_cast<float>(v * scale);
  return out;
}

WaveformFactorization::WaveformFactorization(const FrontEnd& front_end, std::vector<Source> sources,
                                             std::vector<float> background, std::vector<int64_t> boundaries,
                                             const WaveformBaselineOptions& baseline, nlohmann::json options)
    : Factorization(
          [&] {
            std::vector<std::string> names;
            const auto segments = static_cast<int64_t>(boundaries.size()) - 1;
            for (const auto& s : sources)
              for (int64_t j = 0; j < segments; ++j)
                names.push_back((sources.size() == 1 ? "" : s.name + ".") + "t" + index_label(j, segments));
            return names;
          }(),
          InputGrid::of(front_end, static_cast<int64_t>(sources.at(0).signal.size())), std::move(options)),
      front_end_(std::make_shared<const FrontEnd>(front_end.options())),
      boundaries_(std::move(boundaries)),
      baseline_text_(describe(baseline)),
      sample_rate_(front_end.sample_rate()) {
  const auto n = static_cast<int64_t>(sources[0].signal.size());
  for (const auto& s : sources) {
    HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(s.signal.size()) == n, "source '", s.name, "' has ",
                     s.signal.size(), " samples, the clip ", n);
    source_names_.push_back(s.name);
  }
  // The mix (sources + background) defines the level (and, for shaped_noise, the spectrum) of the baseline.
  std::vector<float> mix(background.empty() ? std::vector<float>(static_cast<size_t>(n), 0.0f) : background);
  for (const auto& s : sources)
    for (int64_t k = 0; k < n; ++k) mix[static_cast<size_t>(k)] += s.signal[static_cast<size_t>(k)];
  std::vector<float> fill;
  if (baseline.baseline == WaveformBaseline::shaped_noise) {
    fill = shaped_noise(mix, front_end_->stft(), baseline.seed);
  } else if (baseline.baseline == WaveformBaseline::noise) {
    const double level = rms(mix) * std::pow(10.0, baseline.noise_db / 20.0);
    Rng rng(baseline.seed);
    fill.resize(static_cast<size_t>(n));
    for (auto& v : fill) v = static_cast<float>(level * rng.normal());
  }

  std::vector<SignalPart> contents;
  std::vector<SignalPart> baselines;
  const int64_t segments = this->segments();
  for (const auto& s : sources) {
    for (int64_t j = 0; j < segments; ++j) {
      const int64_t b0 = boundaries_[static_cast<size_t>(j)];
      const int64_t b1 = boundaries_[static_cast<size_t>(j + 1)];
      contents.push_back(slice(s.signal, b0, b1));
      // A removed (source, segment) is replaced by the baseline's share: with several sources the
      // baseline of a segment is split evenly so that removing every source yields the baseline once.
      SignalPart b;
      if (!fill.empty()) {
        b = slice(fill, b0, b1);
        for (auto& v : b.samples) v /= static_cast<float>(sources.size());
      }
      baselines.push_back(std::move(b));
    }
  }
  SignalPart back;
  if (!background.empty()) back = slice(background, 0, n);
  composer_ =
      std::make_unique<SpectralComposer>(*front_end_, n, std::move(contents), std::move(baselines), std::move(back));

  const auto& o = front_end_->options();
  const int64_t frames = this->frames();
  frame_segment_.resize(static_cast<size_t>(frames));
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t centre = t * o.hop_length + (o.center ? 0 : o.n_fft / 2);
    const auto it = std::upper_bound(boundaries_.begin(), boundaries_.end(), std::min(centre, n - 1));
    frame_segment_[static_cast<size_t>(t)] = static_cast<int64_t>(it - boundaries_.begin()) - 1;
  }
  segment_frames_.assign(static_cast<size_t>(segments), FrameSpan{frames, 0});
  for (int64_t t = 0; t < frames; ++t) {
    FrameSpan& s = segment_frames_[static_cast<size_t>(frame_segment_[static_cast<size_t>(t)])];
    s = {std::min(s.first, t), std::max(s.last, t + 1)};
  }
  if (sources.size() > 1) {
    // Each source's share of each mel cell's energy, for pooling dense maps onto stems.
    const int64_t cells = n_mels() * frames;
    shares_.assign(static_cast<size_t>(cells) * sources.size(), 0.0f);
    for (size_t s = 0; s < sources.size(); ++s) {
      const Matrix<Complex> spectrum = front_end_->stft().forward(sources[s].signal.data(), n);
      float* out = shares_.data() + s * static_cast<size_t>(cells);
      for (int64_t t = 0; t < frames; ++t) front_end_->mel_frame(spectrum.row(t), out + t, frames);
    }
    for (int64_t c = 0; c < cells; ++c) {
      double total = 0.0;
      for (size_t s = 0; s < sources.size(); ++s)
        total += shares_[s * static_cast<size_t>(cells) + static_cast<size_t>(c)];
      for (size_t s = 0; s < sources.size(); ++s) {
        float& v = shares_[s * static_cast<size_t>(cells) + static_cast<size_t>(c)];
        v = total > 0.0 ? static_cast<float>(v / total) : 1.0f / static_cast<float>(sources.size());
      }
    }
  }
}

void WaveformFactorization::compose(const uint8_t* keep, float* features) const { composer_->compose(keep, features); }

std::vector<double> WaveformFactorization::gains_vjp(const double* gains, const Matrix<float>& upstream) const {
  check_upstream(upstream);
  return composer_->gains_vjp(gains, upstream.data());
}

Audio WaveformFactorization::render(const std::vector<uint8_t>& keep) const {
  check_mask(keep);
  return Audio::mono(composer_->compose_waveform(keep), sample_rate_);
}

Matrix<float> WaveformFactorization::indicator(int64_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i >= 0 && i < size(), "component ", i, " of ", size());
  const int64_t source = i / segments();
  const int64_t segment = i % segments();
  const int64_t cells = n_mels() * frames();
  Matrix<float> out(n_mels(), frames());
  for (int64_t m = 0; m < n_mels(); ++m)
    for (int64_t t = 0; t < frames(); ++t)
      if (frame_segment_[static_cast<size_t>(t)] == segment)
        out(m, t) = shares_.empty() ? 1.0f : shares_[static_cast<size_t>(source * cells + m * frames() + t)];
  return out;
}

ComponentGeometry WaveformFactorization::geometry(int64_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i >= 0 && i < size(), "component ", i, " of ", size());
  const FrameSpan frames = segment_frames_[static_cast<size_t>(i % segments())];
  return {source_names_[static_cast<size_t>(i / segments())], frames.last > frames.first ? frames : FrameSpan{}, 0,
          n_mels(), std::nullopt};
}

std::vector<double> WaveformFactorization::pool(const Matrix<float>& map) const {
  HEARSAY_CHECK_AS(ShapeError, map.rows() == n_mels() && map.cols() == frames(), "pool: map is ", map.rows(), " x ",
                   map.cols(), ", the factorization's input is ", n_mels(), " x ", frames());
  std::vector<double> scores(static_cast<size_t>(size()), 0.0);
  const int64_t cells = n_mels() * frames();
  for (int64_t m = 0; m < n_mels(); ++m) {
    for (int64_t t = 0; t < frames(); ++t) {
      const int64_t segment = frame_segment_[static_cast<size_t>(t)];
      const double value = map(m, t);
      for (int64_t s = 0; s < sources(); ++s) {
        const double share = shares_.empty() ? 1.0 : shares_[static_cast<size_t>(s * cells + m * frames() + t)];
        scores[static_cast<size_t>(component(s, segment))] += value * share;
      }
    }
  }
  return scores;
}

}  // namespace hearsay::factorizations
