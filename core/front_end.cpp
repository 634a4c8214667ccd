#include "core/front_end.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearsay {

void FrontEndOptions::validate() const {
  stft().validate();
  HEARSAY_CHECK_AS(ConfigError, effective_f_max() <= sample_rate / 2.0 + 1e-9, "front_end: f_max (", f_max,
                   " Hz) is above the Nyquist frequency (", sample_rate / 2.0, " Hz)");
  HEARSAY_CHECK_AS(ConfigError, f_min < effective_f_max(), "front_end: f_min (", f_min, " Hz) must be below f_max (",
                   effective_f_max(), " Hz)");
  HEARSAY_CHECK_AS(ConfigError, power == 1.0 || power == 2.0,
                   "front_end: power must be 1 (magnitude) or 2 (power), got ", power);
}

StftOptions FrontEndOptions::stft() const {
  StftOptions o;
  o.n_fft = n_fft;
  o.hop_length = hop_length;
  o.win_length = win_length;
  o.center = center;
  o.pad_mode = pad_mode;
  return o;
}

namespace {
FrontEndOptions checked(const FrontEndOptions& options) {
  check_options(options, "front_end");
  return options;
}
}  // namespace

FrontEnd::FrontEnd(const FrontEndOptions& options)
    : options_(checked(options)),
      stft_(options_.stft()),
      filterbank_(options_.sample_rate, options_.n_fft, options_.n_mels, options_.f_min, options_.effective_f_max(),
                  options_.mel_scale, options_.mel_norm),
      amin_(static_cast<float>(options_.amin)),
      db_ref_(static_cast<float>(10.0 * std::log10(std::max(options_.amin, options_.ref)))),
      log_offset_(static_cast<float>(options_.log_offset)) {}

Matrix<float> FrontEnd::features(const float* x, int64_t n) const {
  return features_from_spectrum(stft_.forward(x, n));
}

Matrix<float> FrontEnd::features(const Audio& audio) const {
  HEARSAY_CHECK_AS(ShapeError, audio.channels() == 1, "front-end: expects mono audio, got ", audio.channels(),
                   " channels (mix down first)");
  HEARSAY_CHECK_AS(ConfigError, audio.sample_rate() == options_.sample_rate, "front-end: expects ",
                   options_.sample_rate, " Hz audio, got ", audio.sample_rate(), " Hz (resample first)");
  return features(audio.data(), audio.frames());
}

Matrix<float> FrontEnd::features_from_spectrum(const Matrix<Complex>& spectrum) const {
  HEARSAY_CHECK_AS(ShapeError, spectrum.cols() == n_bins(), "front-end: spectrum has ", spectrum.cols(),
                   " bins, expected ", n_bins());
  const int64_t frames = spectrum.rows();
  Matrix<float> out(n_mels(), frames);
  for (int64_t t = 0; t < frames; ++t) mel_frame(spectrum.row(t), out.data() + t, frames);
  compress(out.data(), out.size());
  return out;
}

void FrontEnd::mel_frame(const Complex* bins, float* out, int64_t stride) const {
  const int n = n_bins();
  thread_local std::vector<float> scratch;
  if (scratch.size() < static_cast<size_t>(n)) scratch.resize(static_cast<size_t>(n));
  float* power = scratch.data();
  if (options_.power == 2.0) {
    for (int k = 0; k < n; ++k) power[k] = std::norm(bins[k]);
  } else {
    for (int k = 0; k < n; ++k) power[k] = std::abs(bins[k]);
  }
  filterbank_.apply(power, out, stride);
}

float FrontEnd::compress_value(float x) const {
  switch (options_.log) {
    case LogMode::db:
      return 10.0f * std::log10(std::max(x, amin_)) - db_ref_;
    case LogMode::natural:
      return std::log(x + log_offset_);
    case LogMode::log10:
      return std::log10(x + log_offset_);
    case LogMode::none:
      break;
  }
  return x;
}

void FrontEnd::compress(float* values, int64_t count) const {
  if (options_.log == LogMode::none) return;
  for (int64_t i = 0; i < count; ++i) values[i] = compress_value(values[i]);
  if (options_.log == LogMode::db && options_.top_db && count > 0) {
    const float floor = *std::max_element(values, values + count) - static_cast<float>(*options_.top_db);
    for (int64_t i = 0; i < count; ++i) values[i] = std::max(values[i], floor);
  }
}

}  // namespace hearsay
