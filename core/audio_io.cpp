#include "core/audio_io.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <vector>

#include <sndfile.h>

#include "core/error.h"
#include "core/file_io.h"

namespace hearsay {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kBlockFrames = 1 << 16;

// Decoded samples reserved up front per byte of a compressed file. Music at the lowest bitrates
// people use (Opus at 6 kbit/s: 64 samples per byte) can exceed it; the buffer then grows as frames
// decode. It only keeps a lying header from reserving memory the file cannot fill.
constexpr int64_t kReserveSamplesPerByte = 16;

// No format libsndfile decodes holds more frames per byte than this: a FLAC frame of 65535 samples
// of one constant value still takes about 11 bytes (Vorbis, Opus and MP3 pack far fewer). A header
// claiming more cannot be telling the truth.
constexpr int64_t kMaxFramesPerByte = 8192;

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

// Bytes per sample of an uncompressed encoding, 0 for a compressed one (FLAC's sub-format says
// "16 bit PCM" too, so the container decides first).
int64_t uncompressed_sample_bytes(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_FLAC:
    case SF_FORMAT_OGG:
    case SF_FORMAT_MPEG:
      return 0;
    default:
      break;
  }
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
      return 1;
    case SF_FORMAT_PCM_16:
      return 2;
    case SF_FORMAT_PCM_24:
      return 3;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT:
      return 4;
    case SF_FORMAT_DOUBLE:
      return 8;
    default:
      return 0;
  }
}

// How far a header's frame count can be trusted.
enum class Claim {
  exact,        // the length, unless decoding proves the header wrong
  estimate,     // a guess (MP3, a FLAC written without its length): decode to count
  implausible,  // more frames than the file's bytes can hold: a damaged or hostile header
  missing_end,  // an Ogg stream whose last page (and so its length) is missing: truncated
};

// Makes `samples` hold `size` values, growing its capacity by half again when full: a header that
// understates the length costs amortised linear time, and memory stays proportional to what decodes.
void grow_to(std::vector<float>& samples, size_t size) {
  if (size > samples.capacity()) samples.reserve(std::max(size, samples.capacity() + samples.capacity() / 2));
  samples.resize(size);
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
    bytes_ = static_cast<int64_t>(bytes);
    // Owned from here on: a check below that throws leaves the constructor without running the
    // destructor, and the handle (about 40 KB of libsndfile buffers) must be closed all the same.
    file_.reset(sf_open(path.c_str(), SFM_READ, &info_));
    if (!file_) {
      std::string why = explain_wav_header(path);
      if (why.empty())
        why = message("libsndfile says \"", sf_strerror(nullptr),
                      "\" (readable formats: WAV, FLAC, OGG/Vorbis, AU, AIFF, MP3 and others libsndfile knows)");
      throw IoError(message("cannot read '", path, "' as audio: ", why));
    }
    // libsndfile reads a .au file without its ".snd" header as raw 8 kHz u-law: any bytes become
    // "audio". hearsay never asks for raw input, so a raw format can only be that guess.
    if ((info_.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RAW)
      throw IoError(message("cannot read '", path, "' as audio: it has no audio header (libsndfile would read its ",
                            "bytes as header-less 8 kHz u-law)"));
    HEARSAY_CHECK_AS(IoError, info_.samplerate > 0, "cannot read '", path, "': sample rate ", info_.samplerate);
    HEARSAY_CHECK_AS(IoError, info_.channels > 0, "cannot read '", path, "': ", info_.channels, " channels");
    // A rate far outside what audio uses is a damaged header; taken at its word, resampling 1 Hz
    // to 22050 Hz would allocate 22050 output frames per frame of the file.
    HEARSAY_CHECK_AS(IoError, info_.samplerate >= kMinFileSampleRate && info_.samplerate <= kMaxFileSampleRate,
                     "cannot read '", path, "': its header declares a sample rate of ", info_.samplerate,
                     " Hz; accepted: ", kMinFileSampleRate, " to ", kMaxFileSampleRate, " Hz");
    claim_ = judge_claim();
  }
  const SF_INFO& info() const { return info_; }
  int64_t bytes() const { return bytes_; }
  Claim claim() const { return claim_; }

  // The header's view of the file; `frames` is the header's count, which only an exact claim makes
  // the length (see probe_audio).
  AudioFileInfo describe() {
    AudioFileInfo out;
    out.path = path_;
    out.format = format_name(info_.format & SF_FORMAT_TYPEMASK);
    out.encoding = format_name(info_.format & SF_FORMAT_SUBMASK);
    out.sample_rate = info_.samplerate;
    out.channels = info_.channels;
    out.frames = info_.frames == SF_COUNT_MAX ? 0 : info_.frames;
    out.truncated = claim_ == Claim::implausible || claim_ == Claim::missing_end || log_says_truncated(file_.get());
    return out;
  }

  // Reads up to `frames` frames into `out`; fails with the file's name on a read error.
  int64_t read(float* out, int64_t frames) {
    const sf_count_t got = sf_readf_float(file_.get(), out, frames);
    HEARSAY_CHECK_AS(IoError, sf_error(file_.get()) == SF_ERR_NO_ERROR, "error reading '", path_,
                     "': ", sf_strerror(file_.get()));
    return got;
  }

  // Moves to frame `start`, decoding and dropping frames where the format cannot seek; returns how
  // many frames it got past (less than `start` when the audio ends first).
  int64_t skip(int64_t start) {
    if (start == 0 || (claim_ == Claim::exact && sf_seek(file_.get(), start, SEEK_SET) == start)) return start;
    std::vector<float> dropped(static_cast<size_t>(kBlockFrames * info_.channels));
    int64_t done = 0;
    while (done < start) {
      const int64_t got = read(dropped.data(), std::min(start - done, kBlockFrames));
      if (got <= 0) break;
      done += got;
    }
    return done;
  }

  // Decodes from the current position to the end, counting frames in constant memory.
  int64_t count_to_end() {
    std::vector<float> block(static_cast<size_t>(kBlockFrames * info_.channels));
    int64_t done = 0;
    for (int64_t got; (got = read(block.data(), kBlockFrames)) > 0;) done += got;
    return done;
  }

 private:
  Claim judge_claim() const {
    const int format = info_.format;
    if (info_.frames == SF_COUNT_MAX)
      return (format & SF_FORMAT_TYPEMASK) == SF_FORMAT_OGG ? Claim::missing_end : Claim::estimate;
    if ((format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) return Claim::estimate;
    const int64_t sample_bytes = uncompressed_sample_bytes(format);
    const int64_t most = sample_bytes > 0 ? bytes_ / (sample_bytes * info_.channels)
                                          : (bytes_ > std::numeric_limits<int64_t>::max() / kMaxFramesPerByte
                                                 ? std::numeric_limits<int64_t>::max()
                                                 : bytes_ * kMaxFramesPerByte);
    return info_.frames > most ? Claim::implausible : Claim::exact;
  }

  std::string path_;
  int64_t bytes_ = 0;
  SF_INFO info_{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> file_{nullptr, &sf_close};
  Claim claim_ = Claim::exact;
};

}  // namespace

AudioFileInfo probe_audio(const std::string& path) {
  SoundFile file(path);
  AudioFileInfo info = file.describe();
  // Where the header's count is not the length, the length is what decodes: `hearsay info` then
  // reports the frames that loading gives.
  if (file.claim() != Claim::exact) info.frames = file.count_to_end();
  return info;
}

Audio load_audio(const std::string& path, const LoadOptions& options) {
  HEARSAY_CHECK_AS(ConfigError, options.offset_seconds >= 0.0 && std::isfinite(options.offset_seconds), "load '", path,
                   "': offset must be a finite number of seconds >= 0, got ", options.offset_seconds);
  HEARSAY_CHECK_AS(ConfigError, !std::isnan(options.duration_seconds), "load '", path, "': duration is NaN");
  SoundFile file(path);
  const AudioFileInfo info = file.describe();
  const Claim claim = file.claim();
  if (!options.allow_truncated) {
    HEARSAY_CHECK_AS(IoError, claim != Claim::implausible, "cannot read '", path, "': its header claims ", info.frames,
                     " frames, more than its ", file.bytes(), " bytes can hold (a damaged or truncated file)");
    HEARSAY_CHECK_AS(IoError, claim != Claim::missing_end, "cannot read '", path,
                     "': the file is truncated (its last Ogg page, which gives the length, is missing)");
    HEARSAY_CHECK_AS(IoError, !info.truncated, "cannot read '", path,
                     "': the file is truncated (its header promises more audio than it holds; ", info.frames,
                     " frames are present)");
  }
  // Only an exact claim bounds the read; otherwise the audio is read to its end and what decodes is
  // the length (an MP3's count is an estimate, a damaged header's a lie).
  const bool bounded = claim == Claim::exact;
  HEARSAY_CHECK_AS(IoError, !bounded || info.frames > 0, "cannot read '", path, "': the file holds no audio frames");

  const int rate = info.sample_rate;
  const int channels = info.channels;
  const double start_frames = std::round(options.offset_seconds * rate);
  const double max_frames = static_cast<double>(std::numeric_limits<int64_t>::max() / 2);
  HEARSAY_CHECK_AS(ConfigError, start_frames < max_frames && (!bounded || start_frames < info.frames), "load '", path,
                   "': offset ", options.offset_seconds, " s is past the end (", info.duration(), " s)");
  const auto start = static_cast<int64_t>(start_frames);
  // Frames wanted from `start`; -1 reads to the end.
  int64_t wanted = bounded ? info.frames - start : -1;
  if (options.duration_seconds >= 0.0) {
    const double duration_frames = std::round(std::min(options.duration_seconds * rate, max_frames));
    wanted =
        wanted < 0 ? static_cast<int64_t>(duration_frames) : std::min(wanted, static_cast<int64_t>(duration_frames));
    HEARSAY_CHECK_AS(ConfigError, wanted > 0, "load '", path, "': the requested excerpt is empty");
  }

  const int64_t skipped = file.skip(start);
  if (skipped < start) {
    HEARSAY_CHECK_AS(IoError, !bounded, "cannot read '", path, "': its header claims ", info.frames,
                     " frames but only ", skipped, " decode (a truncated or damaged file)");
    throw ConfigError(message("load '", path, "': offset ", options.offset_seconds, " s is past the end (",
                              static_cast<double>(skipped) / rate, " s)"));
  }

  // Reserve what the header promises, but never more than the file's bytes can fill; past that the
  // buffer grows only as frames actually decode.
  const int out_channels = options.mono ? 1 : channels;
  const int64_t sample_bytes = uncompressed_sample_bytes(file.info().format);
  const int64_t fillable =
      sample_bytes > 0 ? file.bytes() / (sample_bytes * channels) : file.bytes() * kReserveSamplesPerByte / channels;
  std::vector<float> samples;
  const int64_t expected = wanted >= 0                                       ? wanted
                           : claim == Claim::estimate && info.frames > start ? info.frames - start
                                                                             : fillable;
  samples.reserve(static_cast<size_t>(std::min(expected, fillable) * out_channels));
  std::vector<float> block(out_channels == channels ? 0 : static_cast<size_t>(kBlockFrames * channels));
  const float inv = 1.0f / static_cast<float>(channels);
  int64_t done = 0;
  while (wanted < 0 || done < wanted) {
    const int64_t ask = wanted < 0 ? kBlockFrames : std::min(kBlockFrames, wanted - done);
    grow_to(samples, static_cast<size_t>((done + ask) * out_channels));
    int64_t got = 0;
    if (out_channels == channels) {
      got = file.read(samples.data() + done * channels, ask);
    } else {
      got = file.read(block.data(), ask);
      for (int64_t f = 0; f < got; ++f) {
        float sum = 0.0f;
        for (int c = 0; c < channels; ++c) sum += block[static_cast<size_t>(f * channels + c)];
        samples[static_cast<size_t>(done + f)] = sum * inv;
      }
    }
    if (got <= 0) break;
    done += got;
  }
  samples.resize(static_cast<size_t>(done * out_channels));
  if (samples.capacity() > samples.size() + samples.size() / 4) samples.shrink_to_fit();
  if (bounded)
    HEARSAY_CHECK_AS(IoError, done == wanted || options.allow_truncated, "cannot read '", path, "': its header claims ",
                     info.frames, " frames but only ", start + done, " decode (a truncated or damaged file)");
  if (done == 0 && start > 0)
    throw ConfigError(message("load '", path, "': offset ", options.offset_seconds, " s is past the end (",
                              static_cast<double>(start) / rate, " s)"));
  HEARSAY_CHECK_AS(IoError, done > 0, "cannot read '", path, "': no audio frames decode from it");

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

  // Written under a temporary name and renamed when complete, so a full disk or a crash leaves the
  // old file or none, never a short one that a later run would read as truncated audio.
  write_file_atomically(path, [&](const std::string& temporary) {
    SF_INFO info{};
    info.samplerate = audio.sample_rate();
    info.channels = audio.channels();
    info.format = major | sub;
    errno = 0;
    SNDFILE* file = sf_open(temporary.c_str(), SFM_WRITE, &info);
    HEARSAY_CHECK_AS(IoError, file, "cannot write '", path,
                     "': ", errno ? io_error_text(errno) : std::string(sf_strerror(nullptr)));
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    errno = 0;
    const sf_count_t written = sf_writef_float(file, audio.data(), audio.frames());
    int error = written == audio.frames() && sf_error(file) == SF_ERR_NO_ERROR ? 0 : (errno ? errno : EIO);
    // Closing writes the header's final sizes (and FLAC's last frames): its failure counts too.
    errno = 0;
    if (sf_close(file) != 0 && !error) error = errno ? errno : EIO;
    HEARSAY_CHECK_AS(IoError, !error, "cannot write '", path, "': ", io_error_text(error), " (wrote ", written, " of ",
                     audio.frames(), " frames)");
  });
}

}  // namespace hearsay
