#include "core/audio.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#include <samplerate.h>

#include "core/error.h"

namespace hearsay {

namespace {
struct QualityName {
  ResampleQuality quality;
  const char* name;
  int converter;
};
constexpr QualityName kQualities[] = {
    {ResampleQuality::sinc_best, "sinc_best", SRC_SINC_BEST_QUALITY},
    {ResampleQuality::sinc_medium, "sinc_medium", SRC_SINC_MEDIUM_QUALITY},
    {ResampleQuality::sinc_fastest, "sinc_fastest", SRC_SINC_FASTEST},
    {ResampleQuality::zero_order_hold, "zero_order_hold", SRC_ZERO_ORDER_HOLD},
    {ResampleQuality::linear, "linear", SRC_LINEAR},
};
}  // namespace

ResampleQuality resample_quality_from_name(const std::string& name) {
  std::string valid;
  for (const auto& q : kQualities) {
    if (name == q.name) return q.quality;
    valid += (valid.empty() ? "" : ", ") + std::string(q.name);
  }
  throw ConfigError(message("unknown resampling quality '", name, "'; valid: ", valid));
}

const char* resample_quality_name(ResampleQuality quality) {
  for (const auto& q : kQualities)
    if (q.quality == quality) return q.name;
  return "?";
}

Audio::Audio(std::vector<float> interleaved, int channels, int sample_rate)
    : samples_(std::move(interleaved)), channels_(channels), sample_rate_(sample_rate) {
  HEARSAY_CHECK_AS(ShapeError, channels >= 1, "Audio: channel count must be >= 1, got ", channels);
  HEARSAY_CHECK_AS(ShapeError, sample_rate >= 1, "Audio: sample rate must be >= 1 Hz, got ", sample_rate);
  HEARSAY_CHECK_AS(ShapeError, samples_.size() % static_cast<size_t>(channels) == 0, "Audio: ", samples_.size(),
                   " samples are not a whole number of ", channels, "-channel frames");
}

Audio Audio::silence(int64_t frames, int channels, int sample_rate) {
  HEARSAY_CHECK_AS(ShapeError, frames >= 0, "Audio::silence: negative length ", frames);
  return Audio(std::vector<float>(static_cast<size_t>(frames * std::max(channels, 1)), 0.0f), channels, sample_rate);
}

std::vector<float> Audio::channel(int c) const {
  HEARSAY_CHECK_AS(ShapeError, c >= 0 && c < channels_, "Audio::channel: channel ", c, " of a ", channels_,
                   "-channel signal");
  std::vector<float> out(static_cast<size_t>(frames()));
  for (int64_t f = 0; f < frames(); ++f) out[static_cast<size_t>(f)] = at(f, c);
  return out;
}

Audio Audio::to_mono() const {
  if (channels_ == 1) return *this;
  std::vector<float> out(static_cast<size_t>(frames()));
  const float inv = 1.0f / static_cast<float>(channels_);
  for (int64_t f = 0; f < frames(); ++f) {
    float sum = 0.0f;
    for (int c = 0; c < channels_; ++c) sum += at(f, c);
    out[static_cast<size_t>(f)] = sum * inv;
  }
  return Audio(std::move(out), 1, sample_rate_);
}

Audio Audio::excerpt_frames(int64_t start, int64_t count) const {
  HEARSAY_CHECK_AS(ShapeError, start >= 0 && (start < frames() || (start == 0 && frames() == 0)),
                   "Audio::excerpt: start frame ", start, " is outside the ", frames(), "-frame signal");
  const int64_t end = count < 0 ? frames() : std::min(frames(), start + count);
  return Audio(std::vector<float>(samples_.begin() + start * channels_, samples_.begin() + end * channels_), channels_,
               sample_rate_);
}

Audio Audio::excerpt(double start_seconds, double duration_seconds) const {
  HEARSAY_CHECK_AS(ShapeError, start_seconds >= 0.0, "Audio::excerpt: negative start ", start_seconds, " s");
  const auto start = static_cast<int64_t>(std::llround(start_seconds * sample_rate_));
  const int64_t count =
      duration_seconds < 0.0 ? -1 : static_cast<int64_t>(std::llround(duration_seconds * sample_rate_));
  return excerpt_frames(start, count);
}

Audio Audio::fitted(int64_t target_frames) const {
  HEARSAY_CHECK_AS(ShapeError, target_frames >= 0, "Audio::fitted: negative length ", target_frames);
  std::vector<float> out(samples_.begin(), samples_.begin() + std::min(frames(), target_frames) * channels_);
  out.resize(static_cast<size_t>(target_frames * channels_), 0.0f);
  return Audio(std::move(out), channels_, sample_rate_);
}

Audio Audio::resampled(int target_rate, ResampleQuality quality) const {
  HEARSAY_CHECK_AS(ConfigError, target_rate >= 1, "resample: target rate must be >= 1 Hz, got ", target_rate);
  if (target_rate == sample_rate_ || empty()) {
    Audio copy = *this;
    copy.sample_rate_ = target_rate;
    return copy;
  }
  const double ratio = static_cast<double>(target_rate) / sample_rate_;
  HEARSAY_CHECK_AS(ConfigError, src_is_valid_ratio(ratio), "resample ", sample_rate_, " -> ", target_rate,
                   " Hz: libsamplerate converts by factors of 1/256 to 256 only (", ratio, " asked)");
  int converter = SRC_SINC_BEST_QUALITY;
  for (const auto& q : kQualities)
    if (q.quality == quality) converter = q.converter;
  // libsamplerate's sinc converters take at most 128 channels (and say "Channel count must be >= 1"
  // beyond); the others take any number.
  HEARSAY_CHECK_AS(ShapeError, channels_ <= 128 || converter == SRC_LINEAR || converter == SRC_ZERO_ORDER_HOLD,
                   "resample ", sample_rate_, " -> ", target_rate, " Hz: ", channels_, " channels; the ",
                   resample_quality_name(quality),
                   " converter takes at most 128 (mix down first, or use linear or zero_order_hold)");
  // libsamplerate 0.2.2's linear converter reads before its input when given a single frame (a
  // 512-channel one-frame file crashed it; found by fuzz/fuzz_audio, tests/data/bad/). One frame has
  // nothing to interpolate between, so it is held for the output's length instead.
  if (frames() == 1) {
    const auto held = std::max<int64_t>(1, std::llround(ratio));
    std::vector<float> out;
    out.reserve(static_cast<size_t>(held * channels_));
    for (int64_t f = 0; f < held; ++f) out.insert(out.end(), samples_.begin(), samples_.end());
    return Audio(std::move(out), channels_, target_rate);
  }
  // The output is sized before any work; a size that cannot be held is refused here, by name, rather
  // than as std::length_error or std::bad_alloc from the vector (both reach a user as "unexpected").
  const double out_frames_exact = std::ceil(static_cast<double>(frames()) * ratio) + 1.0;
  const double out_bytes = out_frames_exact * channels_ * sizeof(float);
  HEARSAY_CHECK_AS(ShapeError,
                   out_frames_exact * channels_ < static_cast<double>(std::vector<float>().max_size()) &&
                       out_frames_exact < static_cast<double>(std::numeric_limits<long>::max()),
                   "resample ", frames(), " frames ", sample_rate_, " -> ", target_rate, " Hz: the output (",
                   out_bytes / 1e9, " GB) cannot be allocated");
  const auto out_frames = static_cast<int64_t>(out_frames_exact);
  std::vector<float> out;
  try {
    out.resize(static_cast<size_t>(out_frames * channels_));
  } catch (const std::bad_alloc&) {
    throw ShapeError(message("resample ", frames(), " frames ", sample_rate_, " -> ", target_rate,
                             " Hz: not enough memory for the output (", out_bytes / 1e9, " GB)"));
  }
  SRC_DATA data{};
  data.data_in = samples_.data();
  data.input_frames = static_cast<long>(frames());
  data.data_out = out.data();
  data.output_frames = static_cast<long>(out_frames);
  data.src_ratio = ratio;
  const int err = src_simple(&data, converter, channels_);
  HEARSAY_CHECK(err == 0, "resample ", sample_rate_, " -> ", target_rate, " Hz failed: ", src_strerror(err));
  out.resize(static_cast<size_t>(data.output_frames_gen * channels_));
  return Audio(std::move(out), channels_, target_rate);
}

float Audio::peak() const {
  float p = 0.0f;
  for (float s : samples_) p = std::max(p, std::abs(s));
  return p;
}

double Audio::rms() const {
  if (samples_.empty()) return 0.0;
  double sum = 0.0;
  for (float s : samples_) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(samples_.size()));
}

Audio& Audio::normalize_peak(float target) {
  const float p = peak();
  if (p > 0.0f) scale(target / p);
  return *this;
}

Audio& Audio::normalize_rms(double target) {
  const double r = rms();
  if (r > 0.0) scale(static_cast<float>(target / r));
  return *this;
}

Audio& Audio::scale(float gain) {
  for (float& s : samples_) s *= gain;
  return *this;
}

Audio& Audio::operator+=(const Audio& other) {
  HEARSAY_CHECK_AS(
      ShapeError,
      other.channels_ == channels_ && other.samples_.size() == samples_.size() && other.sample_rate_ == sample_rate_,
      "Audio +=: shapes differ (", frames(), " frames x ", channels_, " ch @ ", sample_rate_, " Hz vs ", other.frames(),
      " x ", other.channels_, " @ ", other.sample_rate_, " Hz)");
  for (size_t i = 0; i < samples_.size(); ++i) samples_[i] += other.samples_[i];
  return *this;
}

int64_t Audio::first_non_finite() const {
  for (size_t i = 0; i < samples_.size(); ++i)
    if (!std::isfinite(samples_[i])) return static_cast<int64_t>(i);
  return -1;
}

}  // namespace hearsay
