// Reading and writing audio files with libsndfile: WAV, FLAC, OGG/Vorbis, AU (GTZAN's format),
// AIFF and, where the library was built with it (Debian's is), MP3.
//
// Documented behaviour for unusual files:
//  - missing path, a directory, a 0-byte file, bytes that are no known format: IoError naming the file;
//  - a header declaring a sample rate or channel count of 0: IoError naming the field; a sample rate
//    outside kMinFileSampleRate..kMaxFileSampleRate (1000 to 768000 Hz): IoError naming the rate;
//  - a file whose header promises more audio than the file holds (truncated download, a header that
//    claims more frames than decode or than the file's bytes could hold, an Ogg stream without its
//    last page): IoError naming the file, unless LoadOptions::allow_truncated, which loads the frames
//    that decode;
//  - MP3 (whose frame count libsndfile only estimates) and FLAC written without a length: read to the
//    end, and the frames that decode are the length; probe_audio decodes them to count;
//  - a valid header with no frames: IoError ("holds no audio frames");
//  - NaN or Inf samples (float files): IoError naming the first bad frame and channel;
//  - any channel count the format allows (8 is fine): kept as is, or averaged with `mono`.
// Loading reads straight into the returned buffer (the mono mix-down works block by block), so a
// long file is never held twice; `offset_seconds`/`duration_seconds` seek instead of reading all.
// No buffer is sized from a header alone: the reservation is capped by what the file's bytes can hold
// (exactly for PCM, generously for compressed formats) and grows only as frames decode, so memory is
// proportional to the audio that decodes, whatever the header claims.
#pragma once

#include <cstdint>
#include <string>

#include "core/audio.h"

namespace hearsay {

/// Sample rates a file may declare. Outside this range a header is damaged (no audio is sampled at
/// 1 Hz), and resampling such a rate to a model's would need an absurd buffer.
constexpr int kMinFileSampleRate = 1000;
constexpr int kMaxFileSampleRate = 768000;

/// What a file's header says, without decoding its samples (except where the header only estimates
/// the length: see `frames`).
struct AudioFileInfo {
  std::string path;
  std::string format;    ///< container, e.g. "WAV (Microsoft)", "AU (Sun/NeXT)"
  std::string encoding;  ///< sample encoding, e.g. "Signed 16 bit PCM"
  int sample_rate = 0;
  int channels = 0;
  int64_t frames = 0;      ///< the header's count, or the frames that decode where it is an estimate
  bool truncated = false;  ///< the header promises more audio than the file holds
  double duration() const { return sample_rate ? static_cast<double>(frames) / sample_rate : 0.0; }
};

/// Opens the file's header; IoError for anything that is not a readable audio file.
AudioFileInfo probe_audio(const std::string& path);

struct LoadOptions {
  double offset_seconds = 0.0;     ///< where to start reading (>= 0)
  double duration_seconds = -1.0;  ///< how much to read; < 0 reads to the end
  bool mono = false;               ///< average the channels while reading
  int sample_rate = 0;             ///< resample to this rate; 0 keeps the file's rate
  ResampleQuality quality = ResampleQuality::sinc_best;
  bool allow_truncated = false;  ///< load what a truncated file holds instead of failing
};

Audio load_audio(const std::string& path, const LoadOptions& options = {});

/// Peak and RMS over all channels, computed block by block in constant memory.
struct AudioLevels {
  float peak = 0.0f;
  double rms = 0.0;
  int64_t non_finite = 0;  ///< NaN/Inf samples seen (excluded from peak and RMS)
};
AudioLevels measure_audio_file(const std::string& path);

enum class SampleFormat { pcm16, pcm24, float32 };
SampleFormat sample_format_from_name(const std::string& name);

/// Writes WAV (.wav) or FLAC (.flac), chosen by the extension. FLAC stores PCM only. Samples are
/// clipped to [-1, 1] for PCM formats; NaN/Inf samples are refused (ShapeError). The write is atomic
/// (core/file_io.h): a failure leaves no partial file and throws IoError naming the file ("disk full"
/// when that is the cause).
void save_audio(const std::string& path, const Audio& audio, SampleFormat format = SampleFormat::pcm16);

}  // namespace hearsay
