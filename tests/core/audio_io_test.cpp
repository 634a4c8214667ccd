#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

using testing::TempDir;

// A 16-bit PCM WAV file's bytes, written by hand so tests can break any field.
std::string wav_bytes(int channels, int rate, const std::vector<int16_t>& samples) {
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); };
  const uint32_t data_bytes = static_cast<uint32_t>(samples.size() * 2);
  std::string out = "RIFF" + u32(36 + data_bytes) + "WAVE" + "fmt " + u32(16) + u16(1) +
                    u16(static_cast<uint16_t>(channels)) + u32(static_cast<uint32_t>(rate)) +
                    u32(static_cast<uint32_t>(rate * channels * 2)) + u16(static_cast<uint16_t>(channels * 2)) +
                    u16(16) + "data" + u32(data_bytes);
  out.append(reinterpret_cast<const char*>(samples.data()), samples.size() * 2);
  return out;
}

std::vector<int16_t> ramp(size_t n) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<int16_t>((i * 37) % 20000 - 10000);
  return s;
}

TEST(AudioIo, WavFlacRoundTrip) {
  TempDir dir;
  Audio a = testing::sine(440.0, 0.5, 22050, 0.7f);
  for (auto [name, format, tolerance] :
       {std::tuple{"a.wav", SampleFormat::float32, 0.0f}, std::tuple{"b.wav", SampleFormat::pcm16, 1.0f / 32767},
        std::tuple{"c.flac", SampleFormat::pcm24, 1.0f / 8388607},
        std::tuple{"d.flac", SampleFormat::pcm16, 1.0f / 32767}}) {
    save_audio(dir.file(name), a, format);
    const Audio b = load_audio(dir.file(name));
    ASSERT_EQ(b.frames(), a.frames()) << name;
    ASSERT_EQ(b.sample_rate(), 22050);
    for (int64_t i = 0; i < a.frames(); ++i)
      ASSERT_NEAR(b.samples()[static_cast<size_t>(i)], a.samples()[static_cast<size_t>(i)], tolerance) << name;
  }
  const AudioFileInfo info = probe_audio(dir.file("c.flac"));
  EXPECT_NE(info.format.find("FLAC"), std::string::npos);
  EXPECT_EQ(info.frames, a.frames());
  EXPECT_THROW_WITH(save_audio(dir.file("e.flac"), a, SampleFormat::float32), ConfigError, "e.flac", "PCM");
  EXPECT_THROW_WITH(save_audio(dir.file("e.mp4"), a), ConfigError, "e.mp4", ".wav");
}

TEST(AudioIo, ReadsAuLikeGtzan) {
  // GTZAN ships 16-bit big-endian Sun .au files at 22050 Hz; libsndfile reads them.
  TempDir dir;
  std::string au = ".snd";
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  au += be32(24) + be32(4 * 2) + be32(3) + be32(22050) + be32(1);
  for (int16_t s : {int16_t{1000}, int16_t{-1000}, int16_t{16384}, int16_t{0}})
    au += std::string{static_cast<char>(static_cast<uint16_t>(s) >> 8), static_cast<char>(s & 0xff)};
  testing::write_bytes(dir.file("blues.00000.au"), au);
  const Audio a = load_audio(dir.file("blues.00000.au"));
  EXPECT_EQ(a.sample_rate(), 22050);
  ASSERT_EQ(a.frames(), 4);
  EXPECT_NEAR(a.samples()[2], 0.5f, 1e-6f);
  EXPECT_NE(probe_audio(dir.file("blues.00000.au")).format.find("AU"), std::string::npos);
}

TEST(AudioIo, ExcerptByOffsetAndDurationAndMonoWhileReading) {
  TempDir dir;
  std::vector<float> stereo;
  for (int i = 0; i < 1000; ++i) {
    stereo.push_back(static_cast<float>(i) / 1000.0f);
    stereo.push_back(-static_cast<float>(i) / 2000.0f);
  }
  save_audio(dir.file("s.wav"), Audio(stereo, 2, 1000), SampleFormat::float32);
  LoadOptions o;
  o.offset_seconds = 0.1;
  o.duration_seconds = 0.2;
  o.mono = true;
  const Audio a = load_audio(dir.file("s.wav"), o);
  ASSERT_EQ(a.channels(), 1);
  ASSERT_EQ(a.frames(), 200);
  EXPECT_FLOAT_EQ(a.samples()[0], (0.1f - 0.05f) / 2.0f);
  o.offset_seconds = 5.0;
  EXPECT_THROW_WITH(load_audio(dir.file("s.wav"), o), ConfigError, "s.wav", "past the end");
  LoadOptions resample;
  resample.sample_rate = 2000;
  EXPECT_EQ(load_audio(dir.file("s.wav"), resample).sample_rate(), 2000);
}

TEST(AudioIo, EightChannelsLoadAndMixDown) {
  TempDir dir;
  std::vector<int16_t> s(8 * 100);
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<int16_t>((i % 8) * 1000);
  testing::write_bytes(dir.file("eight.wav"), wav_bytes(8, 8000, s));
  const Audio a = load_audio(dir.file("eight.wav"));
  EXPECT_EQ(a.channels(), 8);
  EXPECT_EQ(a.frames(), 100);
  LoadOptions mono;
  mono.mono = true;
  EXPECT_NEAR(load_audio(dir.file("eight.wav"), mono).samples()[0], 3500.0f / 32768.0f, 1e-6f);
}

TEST(AudioIoBadInput, MissingFile) {
  EXPECT_THROW_WITH(load_audio("/nonexistent/hearsay/x.wav"), IoError, "/nonexistent/hearsay/x.wav", "no such file");
  EXPECT_THROW_WITH(probe_audio("/nonexistent/hearsay/x.wav"), IoError, "x.wav");
}

TEST(AudioIoBadInput, Directory) {
  TempDir dir;
  EXPECT_THROW_WITH(load_audio(dir.path().string()), IoError, dir.path().string(), "directory");
}

TEST(AudioIoBadInput, EmptyFile) {
  TempDir dir;
  testing::write_bytes(dir.file("empty.wav"), "");
  EXPECT_THROW_WITH(load_audio(dir.file("empty.wav")), IoError, "empty.wav", "0 bytes");
}

TEST(AudioIoBadInput, TruncatedWav) {
  TempDir dir;
  const std::string full = wav_bytes(1, 8000, ramp(8000));
  testing::write_bytes(dir.file("cut.wav"), full.substr(0, full.size() / 2));
  EXPECT_THROW_WITH(load_audio(dir.file("cut.wav")), IoError, "cut.wav", "truncated");
  EXPECT_TRUE(probe_audio(dir.file("cut.wav")).truncated);
  LoadOptions lenient;
  lenient.allow_truncated = true;
  EXPECT_EQ(load_audio(dir.file("cut.wav"), lenient).frames(), (static_cast<int64_t>(full.size()) / 2 - 44) / 2);
}

TEST(AudioIoBadInput, NonAudioBytesWithWavName) {
  TempDir dir;
  std::string junk;
  for (int i = 0; i < 100; ++i) junk += "this is not audio ";
  testing::write_bytes(dir.file("fake.wav"), junk);
  EXPECT_THROW_WITH(load_audio(dir.file("fake.wav")), IoError, "fake.wav", "as audio");
}

TEST(AudioIoBadInput, HeaderlessAuIsNotReadAsRawULaw) {
  TempDir dir;
  std::string junk;
  for (int i = 0; i < 300; ++i) junk += "not a sun audio file ";
  testing::write_bytes(dir.file("blues.00007.au"), junk);
  EXPECT_THROW_WITH(load_audio(dir.file("blues.00007.au")), IoError, "blues.00007.au", "no audio header");
  EXPECT_THROW_WITH(probe_audio(dir.file("blues.00007.au")), IoError, "blues.00007.au", "no audio header");
}

TEST(AudioIoBadInput, ZeroLengthAudio) {
  TempDir dir;
  testing::write_bytes(dir.file("zero.wav"), wav_bytes(1, 8000, {}));
  EXPECT_THROW_WITH(load_audio(dir.file("zero.wav")), IoError, "zero.wav", "no audio frames");
  EXPECT_EQ(probe_audio(dir.file("zero.wav")).frames, 0);  // info still works
}

TEST(AudioIoBadInput, NanAndInfSamples) {
  TempDir dir;
  save_audio(dir.file("ok.wav"), Audio::mono({0.1f, 0.2f, 0.3f, 0.4f}, 8000), SampleFormat::float32);
  // Overwrite the third float sample (data starts after the header) with NaN, then Inf.
  std::string bytes = testing::read_bytes(dir.file("ok.wav"));
  const auto data = bytes.find("data") + 8;
  for (float bad : {std::nanf(""), INFINITY}) {
    std::memcpy(&bytes[data + 2 * sizeof(float)], &bad, sizeof bad);
    testing::write_bytes(dir.file("bad.wav"), bytes);
    EXPECT_THROW_WITH(load_audio(dir.file("bad.wav")), IoError, "bad.wav", "frame 2", std::isnan(bad) ? "NaN" : "Inf");
    EXPECT_EQ(measure_audio_file(dir.file("bad.wav")).non_finite, 1);
  }
  EXPECT_THROW_WITH(save_audio(dir.file("n.wav"), Audio::mono({std::nanf("")}, 8000)), ShapeError, "n.wav", "NaN");
}

TEST(AudioIoBadInput, SampleRateZero) {
  TempDir dir;
  testing::write_bytes(dir.file("rate0.wav"), wav_bytes(1, 0, ramp(100)));
  EXPECT_THROW_WITH(load_audio(dir.file("rate0.wav")), IoError, "rate0.wav", "sample rate of 0");
}

void load_long_file(const std::string& path) {
  const Audio a = load_audio(path);
  if (a.frames() != 3600LL * 8000) std::abort();
}

TEST(AudioIoBadInput, OneHourFileIsNotHeldTwice) {
  // One hour of 8 kHz mono 16-bit PCM: 57.6 MB on disk, 115.2 MB as floats. Loading must allocate the
  // float buffer once (plus small blocks), not a second full copy.
  TempDir dir;
  const std::string path = dir.file("hour.wav");
  {
    // Streamed to disk a second at a time so this process never holds the hour itself.
    const std::vector<int16_t> second(8000, 8192);
    const std::string header = wav_bytes(1, 8000, {});
    std::string sized = header;
    const uint32_t data_bytes = 3600u * 8000u * 2u;
    const uint32_t riff = 36 + data_bytes;
    std::memcpy(&sized[4], &riff, 4);
    std::memcpy(&sized[40], &data_bytes, 4);
    std::ofstream out(path, std::ios::binary);
    out << sized;
    for (int s = 0; s < 3600; ++s) out.write(reinterpret_cast<const char*>(second.data()), 16000);
  }
  const double payload = 3600.0 * 8000 * sizeof(float);
  const int64_t growth = testing::child_peak_memory_growth(&load_long_file, path);
  ASSERT_GT(growth, 0) << "child failed";
  EXPECT_LT(static_cast<double>(growth), 1.25 * payload) << "peak growth " << growth / 1e6 << " MB";
  EXPECT_GT(static_cast<double>(growth), 0.9 * payload);
  const AudioLevels levels = measure_audio_file(path);  // streams; constant memory
  EXPECT_NEAR(levels.peak, 0.25f, 1e-4f);
}

// Reproducers of crashes and runaway allocations, committed under tests/data/bad/ (see its README).
std::string bad_file(const std::string& name) { return (testing::data_dir() / "bad" / name).string(); }

// A load that must fail with IoError, run where its peak memory can be measured.
void load_expecting_io_error(const std::string& path) {
  try {
    load_audio(path);
  } catch (const IoError&) {
    return;
  }
  std::abort();
}

// A FLAC file's bytes with STREAMINFO's 36-bit total-samples field set to `frames`.
std::string flac_claiming(const std::string& flac, uint64_t frames) {
  std::string bytes = flac;
  if (bytes.compare(0, 4, "fLaC") != 0) return {};
  // STREAMINFO follows "fLaC" and its 4-byte block header; its bytes 10..17 hold, big-endian, the
  // sample rate (20 bits), channels - 1 (3), bits - 1 (5) and the total samples (36).
  uint64_t packed = 0;
  for (int i = 0; i < 8; ++i) packed = packed << 8 | static_cast<unsigned char>(bytes[18 + i]);
  packed = (packed & ~((uint64_t{1} << 36) - 1)) | (frames & ((uint64_t{1} << 36) - 1));
  for (int i = 7; i >= 0; --i, packed >>= 8) bytes[18 + i] = static_cast<char>(packed & 0xff);
  return bytes;
}

TEST(AudioIoBadInput, FlacHeaderClaiming2e36FramesIsRefusedWithoutAllocating) {
  // Once a 256 GiB allocation (ASan: out of memory; without it std::bad_alloc).
  const std::string path = bad_file("frames_2e36.flac");
  EXPECT_THROW_WITH(load_audio(path), IoError, "frames_2e36.flac", "claims 68719476735 frames", "882 bytes");
  const AudioFileInfo info = probe_audio(path);
  EXPECT_TRUE(info.truncated);
  EXPECT_EQ(info.frames, 2205);  // what decodes, as loading gives it
  LoadOptions lenient;
  lenient.allow_truncated = true;
  EXPECT_EQ(load_audio(path, lenient).frames(), 2205);
  const int64_t growth = testing::child_peak_memory_growth(&load_expecting_io_error, path);
  ASSERT_GE(growth, 0) << "child failed";
  EXPECT_LT(growth, 16 << 20) << "peak growth " << growth / 1e6 << " MB";
}

TEST(AudioIoBadInput, FlacHeaderClaiming200MFramesDoesNotReserveThem) {
  // Once 800 MB allocated and zeroed before "only 2205 of 200000000 frames could be read".
  const std::string path = bad_file("frames_200M.flac");
  EXPECT_THROW_WITH(load_audio(path), IoError, "frames_200M.flac", "claims 200000000 frames");
  const int64_t growth = testing::child_peak_memory_growth(&load_expecting_io_error, path);
  ASSERT_GE(growth, 0) << "child failed";
  EXPECT_LT(growth, 16 << 20) << "peak growth " << growth / 1e6 << " MB";
}

TEST(AudioIoBadInput, FlacHeaderClaimingMoreThanDecodesWithinWhatItsSizeAllows) {
  // A claim the file's size cannot rule out is checked against what decodes, and memory follows the
  // decoded frames (88 kB of floats), not the claim (80 MB).
  TempDir dir;
  save_audio(dir.file("ok.flac"), testing::sine(440.0, 1.0, 22050), SampleFormat::pcm16);
  const std::string lying = flac_claiming(testing::read_bytes(dir.file("ok.flac")), 20000000);
  ASSERT_FALSE(lying.empty());
  testing::write_bytes(dir.file("lying.flac"), lying);
  EXPECT_THROW_WITH(load_audio(dir.file("lying.flac")), IoError, "lying.flac", "claims 20000000 frames",
                    "only 22050 decode");
  LoadOptions lenient;
  lenient.allow_truncated = true;
  EXPECT_EQ(load_audio(dir.file("lying.flac"), lenient).frames(), 22050);
  const int64_t growth = testing::child_peak_memory_growth(&load_expecting_io_error, dir.file("lying.flac"));
  ASSERT_GE(growth, 0) << "child failed";
  EXPECT_LT(growth, 16 << 20) << "peak growth " << growth / 1e6 << " MB";
}

TEST(AudioIoBadInput, FlacWithoutALengthIsReadToItsEnd) {
  // FLAC's total-samples field 0 means "unknown" (a streamed encoder); libsndfile says SF_COUNT_MAX.
  TempDir dir;
  save_audio(dir.file("ok.flac"), testing::sine(440.0, 0.5, 22050), SampleFormat::pcm16);
  testing::write_bytes(dir.file("stream.flac"), flac_claiming(testing::read_bytes(dir.file("ok.flac")), 0));
  EXPECT_EQ(load_audio(dir.file("stream.flac")).frames(), 11025);
  EXPECT_EQ(probe_audio(dir.file("stream.flac")).frames, 11025);
  EXPECT_FALSE(probe_audio(dir.file("stream.flac")).truncated);
}

TEST(AudioIoBadInput, TruncatedOggWithoutALengthIsAnIoError) {
  // libsndfile reports SF_COUNT_MAX frames; sizing a vector from it threw std::length_error.
  const std::string path = bad_file("truncated_unknown_length.ogg");
  EXPECT_THROW_WITH(load_audio(path), IoError, "truncated_unknown_length.ogg", "truncated");
  LoadOptions mono;
  mono.mono = true;
  EXPECT_THROW_WITH(load_audio(path, mono), IoError, "truncated_unknown_length.ogg", "truncated");
  const AudioFileInfo info = probe_audio(path);
  EXPECT_TRUE(info.truncated);
  LoadOptions lenient;
  lenient.allow_truncated = true;
  const Audio a = load_audio(path, lenient);
  EXPECT_EQ(a.frames(), info.frames);
  EXPECT_GT(a.frames(), 0);
  EXPECT_EQ(a.channels(), 2);
}

TEST(AudioIoBadInput, ImplausibleSampleRatesAreRefusedByName) {
  // A header claiming 1 Hz made resampling to 22050 Hz try to allocate 7.8 GB.
  LoadOptions to_model;
  to_model.sample_rate = 22050;
  EXPECT_THROW_WITH(load_audio(bad_file("rate_1hz.wav"), to_model), IoError, "rate_1hz.wav", "sample rate of 1 Hz",
                    "1000 to 768000 Hz");
  EXPECT_THROW_WITH(probe_audio(bad_file("rate_1hz.wav")), IoError, "rate_1hz.wav", "sample rate");
  TempDir dir;
  testing::write_bytes(dir.file("fast.wav"), wav_bytes(1, 4000000, ramp(100)));
  EXPECT_THROW_WITH(load_audio(dir.file("fast.wav")), IoError, "fast.wav", "4000000 Hz");
  testing::write_bytes(dir.file("low.wav"), wav_bytes(1, kMinFileSampleRate, ramp(100)));
  EXPECT_EQ(load_audio(dir.file("low.wav")).frames(), 100);
}

TEST(AudioIoBadInput, OneFrameOfManyChannelsResamples) {
  // Crashed libsamplerate's linear converter (found by fuzz/fuzz_audio).
  LoadOptions to_model;
  to_model.sample_rate = 22050;
  to_model.quality = ResampleQuality::linear;
  to_model.allow_truncated = true;
  const Audio a = load_audio(bad_file("one_frame_512_channels.au"), to_model);
  EXPECT_EQ(a.channels(), 512);
  EXPECT_EQ(a.frames(), 3);
  to_model.quality = ResampleQuality::sinc_best;
  EXPECT_THROW_WITH(load_audio(bad_file("one_frame_512_channels.au"), to_model), ShapeError, "512 channels");
  to_model.mono = true;
  EXPECT_EQ(load_audio(bad_file("one_frame_512_channels.au"), to_model).channels(), 1);
}

TEST(AudioIoBadInput, OffsetsPastTheEndOfAnyLengthAreConfigErrors) {
  TempDir dir;
  save_audio(dir.file("ok.flac"), testing::sine(440.0, 0.5, 22050), SampleFormat::pcm16);
  testing::write_bytes(dir.file("stream.flac"), flac_claiming(testing::read_bytes(dir.file("ok.flac")), 0));
  for (const std::string name : {"ok.flac", "stream.flac"}) {
    LoadOptions late;
    late.offset_seconds = 2.0;
    EXPECT_THROW_WITH(load_audio(dir.file(name), late), ConfigError, name, "past the end (0.5 s)");
    late.offset_seconds = 1e300;
    EXPECT_THROW_WITH(load_audio(dir.file(name), late), ConfigError, name, "past the end");
    late.offset_seconds = 0.25;
    late.duration_seconds = 1e300;
    EXPECT_EQ(load_audio(dir.file(name), late).frames(), 11025 - 5513) << name;
  }
}

// Runs save_audio in a child whose file-size limit (RLIMIT_FSIZE) is `limit` bytes; the child exits 0
// when save_audio threw IoError naming the file and the cause, 1 when it wrote, 2 otherwise.
int save_with_file_size_limit(const std::string& path, const Audio& audio, rlim_t limit) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead of killing the process
    rlimit r{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &r);
    try {
      save_audio(path, audio, SampleFormat::float32);
    } catch (const IoError& e) {
      const std::string what = e.what();
      ::_exit(what.find(path) != std::string::npos && what.find(io_error_text(EFBIG)) != std::string::npos ? 0 : 2);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(AudioIo, FailedSaveLeavesNoPartialFileAndKeepsTheOldOne) {
  // A write cut short (here by a file-size limit, as a full disk would, with "disk full" from
  // io_error_text) is an IoError naming the file; the target keeps its old content and no temporary
  // is left beside it.
  TempDir dir;
  const std::string path = dir.file("out.wav");
  EXPECT_EQ(save_with_file_size_limit(path, testing::sine(440.0, 1.0, 22050), 4096), 0);
  EXPECT_FALSE(std::filesystem::exists(path));
  save_audio(path, Audio::mono({0.25f, -0.25f}, 8000), SampleFormat::float32);
  EXPECT_EQ(save_with_file_size_limit(path, testing::sine(440.0, 1.0, 22050), 4096), 0);
  EXPECT_EQ(load_audio(path).frames(), 2);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1) << "a temporary was left beside " << path;
}

// Encodes `audio` as MP3 with Debian's lame (scripts/install-deps.sh installs it); fails the test
// rather than skipping it when lame is missing, so MP3 support is never silently untested.
std::string encode_mp3(const TempDir& dir, const std::string& name, const Audio& audio) {
  const std::string wav = dir.file(name + ".wav");
  const std::string mp3 = dir.file(name + ".mp3");
  save_audio(wav, audio, SampleFormat::pcm16);
  const std::string command = "lame --quiet '" + wav + "' '" + mp3 + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command << " failed: is lame installed (scripts/install-deps.sh)?";
  return mp3;
}

TEST(AudioIoMp3, LoadsWithTheFrameCountProbeReportsAndExcerptsAgree) {
  // libsndfile's MP3 frame count is an estimate: a lame file at 22050 Hz claims 150 frames more than
  // decode, and every MP3 once failed with "only N of M frames could be read (truncated file?)".
  TempDir dir;
  for (const auto& [channels, rate] :
       {std::pair{1, 22050}, std::pair{2, 22050}, std::pair{1, 44100}, std::pair{2, 44100}}) {
    const std::string name = std::to_string(channels) + "ch_" + std::to_string(rate);
    std::vector<float> samples = testing::noise(static_cast<int64_t>(1.3 * rate) * channels, 7, 0.3f);
    const std::string mp3 = encode_mp3(dir, name, Audio(std::move(samples), channels, rate));
    ASSERT_TRUE(std::filesystem::exists(mp3)) << name;
    const AudioFileInfo info = probe_audio(mp3);
    EXPECT_NE(info.format.find("MPEG"), std::string::npos) << info.format;
    EXPECT_FALSE(info.truncated) << name;
    const Audio full = load_audio(mp3);
    EXPECT_EQ(full.frames(), info.frames) << name;
    EXPECT_EQ(full.channels(), channels);
    EXPECT_EQ(full.sample_rate(), rate);
    EXPECT_GE(full.frames(), static_cast<int64_t>(1.3 * rate)) << name;  // lame adds, never drops
    LoadOptions part;
    part.offset_seconds = 0.5;
    part.duration_seconds = 0.25;
    const Audio excerpt = load_audio(mp3, part);
    EXPECT_EQ(excerpt.samples(), full.excerpt(0.5, 0.25).samples()) << name;
    part.mono = true;
    EXPECT_EQ(load_audio(mp3, part).samples(), full.excerpt(0.5, 0.25).to_mono().samples()) << name;
    part.duration_seconds = -1.0;
    EXPECT_EQ(load_audio(mp3, part).frames(), info.frames - rate / 2) << name;
    part.offset_seconds = static_cast<double>(info.frames) / rate;
    EXPECT_THROW_WITH(load_audio(mp3, part), ConfigError, name, "past the end");
  }
}

}  // namespace
}  // namespace hearsay
