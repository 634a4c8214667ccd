// Sources × time segments, composed in the STFT domain (SpectralComposer). With one source ("mix")
// this is the `segments` factorization; with several it is audioLIME's stems × segments.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "factorizations/factorization.h"
#include "factorizations/spectral_composer.h"

namespace hearsay::factorizations {

/// What fills a removed waveform component.
///
/// There is no "mean" baseline: a waveform's mean is its DC offset, about 0, so it gave the same
/// explanations as silence. `shaped_noise` is the informative alternative: sound with the clip's
/// average spectrum and level but none of its structure in time, so a component scores by what it adds
/// beyond its spectral colour (the audio analogue of a blurred image baseline).
enum class WaveformBaseline { zero, noise, shaped_noise };

/// Options shared by the waveform factorizers.
struct WaveformBaselineOptions {
  /// zero: silence; noise: white noise at noise_db; shaped_noise: Gaussian noise with the clip's
  /// average power spectrum (per STFT bin, over all frames) and RMS
  WaveformBaseline baseline = WaveformBaseline::zero;
  double noise_db = -30.0;  ///< white noise level relative to the clip's RMS, in dB (noise baseline only)
  uint64_t seed = 0;        ///< seed of the noise and shaped_noise baselines

  template <class V>
  void visit(V& v) {
    v.choice("baseline", baseline,
             {{"zero", WaveformBaseline::zero},
              {"noise", WaveformBaseline::noise},
              {"shaped_noise", WaveformBaseline::shaped_noise}},
             "what replaces a removed component: silence, white noise, or noise with the clip's average spectrum and "
             "level");
    v("noise_db", noise_db, "noise level relative to the clip RMS in dB (baseline noise)", Range::between(-120, 20));
    v("seed", seed, "seed of the noise and shaped_noise baselines");
  }
};

/// Gaussian noise, n = mix.size() samples, whose average power spectrum over STFT frames (with
/// `stft`'s settings) is the mix's, at the mix's RMS: white noise from `seed`, each STFT bin scaled by
/// sqrt(P_mix(k) / P_noise(k)) and inverted (three passes, each correcting what the inverse smoothed),
/// then rescaled to the mix's RMS. Zeros for a silent mix.
std::vector<float> shaped_noise(const std::vector<float>& mix, const Stft& stft, uint64_t seed);

/// Sample boundaries of time segments: `count` equal segments (the last takes the remainder), or the
/// interior cut points `cuts_seconds` when given. Every segment must span at least one hop.
std::vector<int64_t> segment_boundaries(int64_t n_samples, int sample_rate, int count,
                                        const std::vector<double>& cuts_seconds, int hop_length);

class WaveformFactorization : public Factorization {
 public:
  struct Source {
    std::string name;
    std::vector<float> signal;  ///< full clip length
  };
  /// `sources` sum (with `background`) to the clip; components are sources × segments, source-major.
  WaveformFactorization(const FrontEnd& front_end, std::vector<Source> sources, std::vector<float> background,
                        std::vector<int64_t> boundaries, const WaveformBaselineOptions& baseline,
                        nlohmann::json options);

  std::string domain() const override { return "waveform"; }
  std::string baseline() const override { return baseline_text_; }
  void compose(const uint8_t* keep, float* features) const override;
  using Factorization::compose;
  bool frame_local() const override { return front_end_->frame_local(); }
  void compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const override {
    composer_->compose_frames(keep, first, count, out);
  }
  /// Spectra mixed by gain (SpectralComposer::compose_gains).
  void compose_gains(const double* gains, float* features) const override { composer_->compose_gains(gains, features); }
  using Factorization::compose_gains;
  std::vector<double> gains_vjp(const double* gains, const Matrix<float>& upstream) const override;
  Audio render(const std::vector<uint8_t>& keep) const override;
  std::vector<double> pool(const Matrix<float>& map) const override;
  FrameSpan span(int64_t i) const override { return composer_->span(i); }
  Matrix<float> indicator(int64_t i) const override;
  bool overlapping() const override { return sources() > 1; }
  bool additive() const override { return true; }
  /// Its source, the frames whose centre lies in its segment, every mel bin.
  ComponentGeometry geometry(int64_t i) const override;

  const std::vector<int64_t>& boundaries() const { return boundaries_; }
  int64_t segments() const { return static_cast<int64_t>(boundaries_.size()) - 1; }
  int64_t sources() const { return static_cast<int64_t>(source_names_.size()); }
  /// Component index of (source, segment).
  int64_t component(int64_t source, int64_t segment) const { return source * segments() + segment; }

 private:
  std::shared_ptr<const FrontEnd> front_end_;
  std::vector<std::string> source_names_;
  std::vector<int64_t> boundaries_;
  std::string baseline_text_;
  std::unique_ptr<SpectralComposer> composer_;
  std::vector<int64_t> frame_segment_;     // segment holding each frame's centre sample
  std::vector<FrameSpan> segment_frames_;  // frames whose centre lies in each segment
  std::vector<float> shares_;              // [sources × n_mels × frames] energy share; empty for one source
  int sample_rate_;
};

}  // namespace hearsay::factorizations
