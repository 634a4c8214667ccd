// Audio: interleaved float samples with a channel count and a sample rate, and the operations every
// layer needs (mono mix-down, resampling, excerpts, level normalisation).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearsay {

/// libsamplerate converters, best (slowest) first.
enum class ResampleQuality { sinc_best, sinc_medium, sinc_fastest, zero_order_hold, linear };

/// Name ↔ value for ResampleQuality ("sinc_best", ...); unknown names are a ConfigError.
ResampleQuality resample_quality_from_name(const std::string& name);
const char* resample_quality_name(ResampleQuality quality);

class Audio {
 public:
  Audio() = default;
  /// `interleaved` holds frame f, channel c at index f * channels + c. Throws ShapeError when the
  /// count is not a multiple of `channels`, or when channels < 1 or sample_rate < 1.
  Audio(std::vector<float> interleaved, int channels, int sample_rate);
  static Audio mono(std::vector<float> samples, int sample_rate) { return Audio(std::move(samples), 1, sample_rate); }
  static Audio silence(int64_t frames, int channels, int sample_rate);

  int channels() const { return channels_; }
  int sample_rate() const { return sample_rate_; }
  int64_t frames() const { return channels_ ? static_cast<int64_t>(samples_.size()) / channels_ : 0; }
  double duration() const { return sample_rate_ ? static_cast<double>(frames()) / sample_rate_ : 0.0; }
  bool empty() const { return samples_.empty(); }

  const std::vector<float>& samples() const { return samples_; }
  std::vector<float>& samples() { return samples_; }
  const float* data() const { return samples_.data(); }
  float* data() { return samples_.data(); }
  float at(int64_t frame, int channel) const { return samples_[static_cast<size_t>(frame * channels_ + channel)]; }

  /// The samples of one channel.
  std::vector<float> channel(int c) const;
  /// Average of all channels (a mono Audio is returned as a copy).
  Audio to_mono() const;
  /// Frames [start, start + count) clipped to the audio; ShapeError when start is past the end.
  Audio excerpt_frames(int64_t start, int64_t count) const;
  /// Excerpt by time in seconds; a negative duration means "to the end".
  Audio excerpt(double start_seconds, double duration_seconds) const;
  /// Zero-padded or cut to exactly `frames` frames.
  Audio fitted(int64_t frames) const;
  /// Converted to `target_rate` with libsamplerate (a copy when the rate already matches).
  Audio resampled(int target_rate, ResampleQuality quality = ResampleQuality::sinc_best) const;

  float peak() const;
  double rms() const;
  /// Scales so the peak is `target`; silent audio is left silent.
  Audio& normalize_peak(float target = 1.0f);
  /// Scales so the RMS is `target`; silent audio is left silent.
  Audio& normalize_rms(double target);
  Audio& scale(float gain);
  /// Adds `other` sample by sample; shapes and rates must match (ShapeError otherwise).
  Audio& operator+=(const Audio& other);

  /// Index of the first NaN or Inf sample, or -1 when all are finite.
  int64_t first_non_finite() const;

 private:
  std::vector<float> samples_;
  int channels_ = 1;
  int sample_rate_ = 0;
};

}  // namespace hearsay
