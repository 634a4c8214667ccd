// The spectrogram front-end every model owns: STFT → power (or magnitude) → mel → log.
// Defaults follow the music-tagging literature at 22.05 kHz (n_fft 1024, hop 512, 96 mels) with
// librosa's Slaney mel scale and normalisation. The dB stage has no top_db clamp by default
// (torchaudio's AmplitudeToDB default): a clamp relative to the clip's maximum makes every frame
// depend on the whole clip, which breaks frame-local composition of perturbed inputs.
#pragma once

#include <cstdint>
#include <optional>

#include "core/audio.h"
#include "core/matrix.h"
#include "core/mel.h"
#include "core/options.h"
#include "core/stft.h"

namespace hearsay {

enum class LogMode { db, natural, log10, none };

struct FrontEndOptions {
  int sample_rate = 22050;              ///< input rate in Hz; other rates are resampled by the model
  int n_fft = 1024;                     ///< FFT size in samples
  int hop_length = 512;                 ///< frame advance in samples
  int win_length = 0;                   ///< Hann window length (0: n_fft)
  bool center = true;                   ///< centred frames (reflect padding of n_fft/2)
  PadMode pad_mode = PadMode::reflect;  ///< padding of the centred signal
  int n_mels = 96;                      ///< mel bands
  double f_min = 0.0;                   ///< lowest filter edge in Hz
  double f_max = 0.0;                   ///< highest filter edge in Hz (0: sample_rate / 2)
  MelScale mel_scale = MelScale::slaney;
  MelNorm mel_norm = MelNorm::slaney;
  double power = 2.0;  ///< 2: power spectrum, 1: magnitude
  /// db: 10·log10(max(x, amin)/ref); natural: log(x + log_offset); log10: log10(x + log_offset), no factor
  /// 10 and no ref (PyTorch front-ends' torch.log10(mel + 1e-6)); none: x
  LogMode log = LogMode::db;
  std::optional<double> top_db;  ///< clamp dB values to (max − top_db); null: no clamp
  double amin = 1e-10;           ///< floor of the dB stage
  double ref = 1.0;              ///< reference of the dB stage
  double log_offset = 1e-6;      ///< offset of the natural and log10 stages

  template <class V>
  void visit(V& v) {
    v("sample_rate", sample_rate, "input sample rate in Hz", Range::between(1000, 384000));
    v("n_fft", n_fft, "FFT size in samples", Range::between(16, 65536));
    v("hop_length", hop_length, "frame advance in samples", Range::at_least(1));
    v("win_length", win_length, "Hann window length in samples (0: n_fft)", Range::at_least(0));
    v("center", center, "centre frames on multiples of the hop");
    v.choice("pad_mode", pad_mode, {{"reflect", PadMode::reflect}, {"constant", PadMode::constant}},
             "padding of the centred signal");
    v("n_mels", n_mels, "number of mel bands", Range::between(1, 512));
    v("f_min", f_min, "lowest mel filter edge in Hz", Range::at_least(0));
    v("f_max", f_max, "highest mel filter edge in Hz (0: sample_rate / 2)", Range::at_least(0));
    v.choice("mel_scale", mel_scale, {{"slaney", MelScale::slaney}, {"htk", MelScale::htk}}, "mel scale");
    v.choice("mel_norm", mel_norm, {{"slaney", MelNorm::slaney}, {"none", MelNorm::none}},
             "filter normalisation (slaney: constant area)");
    v("power", power, "exponent of the magnitude spectrum (1 or 2)", Range::between(1, 2));
    v.choice("log", log,
             {{"db", LogMode::db}, {"natural", LogMode::natural}, {"log10", LogMode::log10}, {"none", LogMode::none}},
             "log compression: db 10·log10(max(x, amin)/ref), natural log(x + log_offset), log10 log10(x + "
             "log_offset), none x");
    v("top_db", top_db, "dB clamp below the maximum (null: none)", Range::greater_than(0));
    v("amin", amin, "floor of the dB stage", Range::greater_than(0));
    v("ref", ref, "reference power of the dB stage", Range::greater_than(0));
    v("log_offset", log_offset, "offset of the natural and log10 stages", Range::greater_than(0));
  }
  void validate() const;

  StftOptions stft() const;
  double effective_f_max() const { return f_max > 0.0 ? f_max : sample_rate / 2.0; }
};

class FrontEnd {
 public:
  explicit FrontEnd(const FrontEndOptions& options);

  const FrontEndOptions& options() const { return options_; }
  const Stft& stft() const { return stft_; }
  const MelFilterbank& filterbank() const { return filterbank_; }
  int n_mels() const { return options_.n_mels; }
  int n_bins() const { return stft_.n_bins(); }
  int sample_rate() const { return options_.sample_rate; }
  int64_t num_frames(int64_t n_samples) const { return stft_.num_frames(n_samples); }
  /// Whether each output frame depends only on its own STFT frame (true unless top_db is set).
  bool frame_local() const { return !(options_.log == LogMode::db && options_.top_db); }

  /// Features [n_mels × frames] of a mono signal sampled at options().sample_rate.
  Matrix<float> features(const float* x, int64_t n) const;
  /// Same for an Audio, which must be mono at the front-end's rate (ShapeError/ConfigError otherwise).
  Matrix<float> features(const Audio& audio) const;
  /// Features [n_mels × frames] from a complex spectrogram [frames × bins].
  Matrix<float> features_from_spectrum(const Matrix<Complex>& spectrum) const;

  /// One frame: spectrum bins → mel values before compression, out[m * stride] for m < n_mels.
  void mel_frame(const Complex* bins, float* out, int64_t stride = 1) const;
  /// Log stage over a whole [n_mels × frames] block (top_db needs all of it at once).
  void compress(float* values, int64_t count) const;
  /// Log stage of a single value (frame-local modes only; top_db is not applied).
  float compress_value(float x) const;

 private:
  FrontEndOptions options_;
  Stft stft_;
  MelFilterbank filterbank_;
  float amin_;
  float db_ref_;
  float log_offset_;
};

}  // namespace hearsay
