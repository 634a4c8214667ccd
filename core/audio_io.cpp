#include "core/audio_io.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <sndfile.h>

#include "core/error.h"

namespace hearsay {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kBlockFrames = 1 << 16;

// Reads the WAV header fields libsndfile refuses to explain ("SF_INFO struct incomplete").
std::string explain_wav_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[44] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (in.gcount() < 36 || std::memcmp(header, "RIFF", 4) != 0 || std::memcmp(header + 8, "WAVE", 4) != 0 ||
      std::memcmp(header + 12, "fmt ", 4) != 0)
    return {};
  const unsigned channels = header[22] | (header[23] << 8);
  const unsigned long rate =
      header[24] | (header[25] << 8) | (header[26] << 16) | (static_cast<unsigned long>(header[27]) << 24);
  if (rate == 0) return "its WAV header declares a sample rate of 0 Hz";
  if (channels == 0) return "its WAV header declares 0 channels";
  return {};
}

// libsndfile's name for one major or sub format code.
std::string format_name(int code) {
  SF_FORMAT_INFO info{};
  info.format = code;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name) return info.name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%x", code);
  return buf;
}

// libsndfile shortens the frame count of a file whose data chunk is cut off and notes it in its log
// as "data : <declared> (should be <present>)".
bool log_says_truncated(SNDFILE* file) {
  std::vector<char> log(16384, '\0');
  sf_command(file, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  std::istringstream lines(log.data());
  std::string line;
  while (std::getline(lines, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::string head = line.substr(first, 4);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (head == "data" && line.find("(should be") != std::string::npos) return true;
  }
  return false;
}

class SoundFile {
 public:
  explicit SoundFile(const std::string& path) : path_(path) {
    std::error_code ec;
    HEARSAY_CHECK_AS(IoError, fs::exists(path, ec), "cannot open '", path, "': no such file");
    HEARSAY_CHECK_AS(IoError, !fs::is_directory(path, ec), "cannot open '", path,
                     "': it is a directory, not an audio file");
    const auto bytes = fs::file_size(path, ec);
    HEARSAY_CHECK_AS(IoError, !ec, "cannot open '", path, "': ", ec.message());
    HEARSAY_CHECK_AS(IoError, bytes > 0, "cannot read '", path, "': the file is empty (0 bytes)");
    file_ = sf_open(path.c_str(), SFM_READ, &info_);
    if (!file_) {
      std::string why = explain_wav_header(path);
      if (why.empty())
        why = message("libsndfile says \"", sf_strerror(nullptr),
                      "\" (readable formats: WAV, FLAC, OGG/Vorbis, AU, AIFF, MP3 and others libsndfile knows)");
      throw IoError(message("cannot read '", path, "' as audio: ", why));
    }
    // libsndfile reads a .au file without its ".snd" header as raw 8 kHz u-law: any bytes become
    // "audio". hearsay never asks for raw input, so a raw format can only be that guess.
    if ((info_.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RAW) {
      sf_close(file_);
      file_ = nullptr;
      throw IoError(message("cannot read '", path, "' as audio: it has no audio header (libsndfile would read its ",
                            "bytes as header-less 8 kHz u-law)"));
    }
    HEARSAY_CHECK_AS(IoError, info_.samplerate > 0, "cannot read '", path, "': sample rate ", info_.samplerate);
    HEARSAY_CHECK_AS(IoError, info_.channels > 0, "cannot read '", path, "': ", info_.channels, " channels");
  }
  ~SoundFile() {
    if (file_) sf_close(file_);
  }
  SoundFile(const SoundFile&) = delete;
  SoundFile& operator=(const SoundFile&) = delete;

  SNDFILE* get() const { return file_; }
  const SF_INFO& info() const { return info_; }
  const std::string& path() const { return path_; }

  AudioFileInfo describe() {
    AudioFileInfo out;
    out.path = path_;
    out.format = format_name(info_.format & SF_FORMAT_TYPEMASK);
    out.encoding = format_name(info_.format & SF_FORMAT_SUBMASK);
    out.sample_rate = info_.samplerate;
    out.channels = info_.channels;
    out.frames = info_.frames;
    out.truncated = log_says_truncated(file_);
    return out;
  }

  // Reads up to `frames` frames into `out`; fails with the file's name on a read error.
  int64_t read(float* out, int64_t frames) {
    const sf_count_t got = sf_readf_float(file_, out, frames);
    HEARSAY_CHECK_AS(IoError, sf_error(file_) == SF_ERR_NO_ERROR, "error reading '", path_, "': ", sf_strerror(file_));
    return got;
  }

 private:
  std::string path_;
  SF_INFO info_{};
  SNDFILE* file_ = nullptr;
};

}  // namespace

AudioFileInfo probe_audio(const std::string& path) {
  SoundFile file(path);
  return file.describe();
}

Audio load_audio(const std::string& path, const LoadOptions& options) {
  HEARSAY_CHECK_AS(ConfigError, options.offset_seconds >= 0.0, "load '", path, "': negative offset ",
                   options.offset_seconds, " s");
  SoundFile file(path);
  const AudioFileInfo info = file.describe();
  HEARSAY_CHECK_AS(IoError, !info.truncated || options.allow_truncated, "cannot read '", path,
                   "': the file is truncated (its header promises more audio than it holds; ", info.frames,
                   " frames are present)");
  HEARSAY_CHECK_AS(IoError, info.frames > 0, "cannot read '", path, "': the file holds no audio frames");

  const int rate = info.sample_rate;
  const int channels = info.channels;
  const auto start = static_cast<int64_t>(std::llround(options.offset_seconds * rate));
  HEARSAY_CHECK_AS(ConfigError, start < info.frames, "load '", path, "': offset ", options.offset_seconds,
                   " s is past the end (", info.duration(), " s)");
  int64_t count = info.frames - start;
  if (options.duration_seconds >= 0.0)
    count = std::min(count, static_cast<int64_t>(std::llround(options.duration_seconds * rate)));
  HEARSAY_CHECK_AS(ConfigError, count > 0, "load '", path, "': the requested excerpt is empty");

  if (start > 0 && sf_seek(file.get(), start, SEEK_SET) < 0) {
    // Formats without seeking: read and drop the leading frames block by block.
    std::vector<float> skip(static_cast<size_t>(kBlockFrames * channels));
    for (int64_t left = start; left > 0;) {
      const int64_t got = file.read(skip.data(), std::min(left, kBlockFrames));
      HEARSAY_CHECK_AS(IoError, got > 0, "cannot read '", path, "': ended before the requested offset");
      left -= got;
    }
  }

  const int out_channels = options.mono ? 1 : channels;
  std::vector<float> samples(static_cast<size_t>(count * out_channels));
  int64_t done = 0;
  if (out_channels == channels) {
    while (done < count) {
      const int64_t got = file.read(samples.data() + done * channels, count - done);
      if (got <= 0) break;
      done += got;
    }
  } else {
    std::vector<float> block(static_cast<size_t>(kBlockFrames * channels));
    const float inv = 1.0f / static_cast<float>(channels);
    while (done < count) {
      const int64_t got = file.read(block.data(), std::min(kBlockFrames, count - done));
      if (got <= 0) break;
      for (int64_t f = 0; f < got; ++f) {
        float sum = 0.0f;
        for (int c = 0; c < channels; ++c) sum += block[static_cast<size_t>(f * channels + c)];
        samples[static_cast<size_t>(done + f)] = sum * inv;
      }
      done += got;
    }
  }
  HEARSAY_CHECK_AS(IoError, done == count || options.allow_truncated, "cannot read '", path, "': only ", done, " of ",
                   count, " frames could be read (truncated file?)");
  samples.resize(static_cast<size_t>(done * out_channels));
  HEARSAY_CHECK_AS(IoError, done > 0, "cannot read '", path, "': no frames could be read");

  Audio audio(std::move(samples), out_channels, rate);
  const int64_t bad = audio.first_non_finite();
  HEARSAY_CHECK_AS(IoError, bad < 0, "cannot use '", path, "': sample at frame ", start + bad / out_channels,
                   ", channel ", bad % out_channels, " is ",
                   std::isnan(audio.samples()[static_cast<size_t>(bad)]) ? "NaN" : "Inf", " (audio must be finite)");
  if (options.sample_rate > 0 && options.sample_rate != rate)
    audio = audio.resampled(options.sample_rate, options.quality);
  return audio;
}

AudioLevels measure_audio_file(const std::string& path) {
  SoundFile file(path);
  const int channels = file.info().channels;
  std::vector<float> block(static_cast<size_t>(kBlockFrames * channels));
  AudioLevels levels;
  double sum = 0.0;
  int64_t n = 0;
  for (;;) {
    const int64_t got = file.read(block.data(), kBlockFrames);
    if (got <= 0) break;
    for (int64_t i = 0; i < got * channels; ++i) {
      const float s = block[static_cast<size_t>(i)];
      if (!std::isfinite(s)) {
        ++levels.non_finite;
        continue;
      }
      levels.peak = std::max(levels.peak, std::abs(s));
      sum += static_cast<double>(s) * s;
      ++n;
    }
  }
  levels.rms = n ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
  return levels;
}

SampleFormat sample_format_from_name(const std::string& name) {
  if (name == "pcm16") return SampleFormat::pcm16;
  if (name == "pcm24") return SampleFormat::pcm24;
  if (name == "float32") return SampleFormat::float32;
  throw ConfigError(message("unknown sample format '", name, "'; valid: pcm16, pcm24, float32"));
}

void save_audio(const std::string& path, const Audio& audio, SampleFormat format) {
  HEARSAY_CHECK_AS(ShapeError, !audio.empty(), "cannot write '", path, "': the audio is empty");
  HEARSAY_CHECK_AS(ShapeError, audio.first_non_finite() < 0, "cannot write '", path,
                   "': the audio has NaN or Inf samples");
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  int major = 0;
  if (ext == ".wav")
    major = SF_FORMAT_WAV;
  else if (ext == ".flac")
    major = SF_FORMAT_FLAC;
  else
    throw ConfigError(message("cannot write '", path, "': unknown extension '", ext, "'; valid: .wav, .flac"));
  int sub = format == SampleFormat::pcm16   ? SF_FORMAT_PCM_16
            : format == SampleFormat::pcm24 ? SF_FORMAT_PCM_24
                                            : SF_FORMAT_FLOAT;
  HEARSAY_CHECK_AS(ConfigError, !(major == SF_FORMAT_FLAC && sub == SF_FORMAT_FLOAT), "cannot write '", path,
                   "': FLAC stores PCM only (use pcm16 or pcm24, or a .wav file for float32)");

  SF_INFO info{};
  info.samplerate = audio.sample_rate();
  info.channels = audio.channels();
  info.format = major | sub;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  HEARSAY_CHECK_AS(IoError, file, "cannot write '", path, "': ", sf_strerror(nullptr));
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t written = sf_writef_float(file, audio.data(), audio.frames());
  const int err = sf_error(file);
  sf_close(file);
  HEARSAY_CHECK_AS(IoError, written == audio.frames() && err == SF_ERR_NO_ERROR, "cannot write '", path, "': wrote ",
                   written, " of ", audio.frames(), " frames");
}

}  // namespace hearsay
