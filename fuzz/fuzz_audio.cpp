// libFuzzer target: the audio loader on arbitrary bytes. Every audio file hearsay reads (explain's
// clip, --stems, datasets) goes through probe_audio, load_audio and measure_audio_file, and their
// input comes from anywhere: downloads, other tools, damaged disks.
//
// The bytes are written to a file, since libsndfile reads files. One load reads the whole file as is;
// a second uses options picked from the input's size and last byte (mono mix-down, an excerpt, a
// truncated file allowed, resampling), so each option's path is fuzzed without a byte of the file
// being spent on choosing it: a seed is a plain, valid audio file.
#include <cstddef>
#include <cstdint>

#include "core/audio_io.h"
#include "fuzz/fuzz_input.h"

namespace {

hearsay::LoadOptions options_for(const uint8_t* data, size_t size) {
  const unsigned pick = static_cast<unsigned>(size) ^ (size ? data[size - 1] : 0u);
  hearsay::LoadOptions options;
  options.mono = pick & 1u;
  options.allow_truncated = pick & 2u;
  if (pick & 4u) options.offset_seconds = 0.01 * ((pick >> 4) & 7u);
  // An excerpt bounds the decoded audio: a few KB of FLAC can legitimately decode to hours of
  // silence, and that is memory the audio really needs, not a finding.
  options.duration_seconds = (pick & 8u) ? 0.05 : 2.0;
  // The fastest converter keeps executions quick; every converter shares the sizing code under test.
  if (pick & 128u) {
    options.sample_rate = 22050;
    options.quality = hearsay::ResampleQuality::linear;
  }
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hearsay::fuzz::write_input("input.audio", data, size);
  hearsay::fuzz::expect_only_hearsay_errors([&] { hearsay::probe_audio(path); });
  hearsay::fuzz::expect_only_hearsay_errors([&] {
    hearsay::LoadOptions whole;
    whole.duration_seconds = 2.0;
    hearsay::load_audio(path, whole);
  });
  hearsay::fuzz::expect_only_hearsay_errors([&] { hearsay::load_audio(path, options_for(data, size)); });
  hearsay::fuzz::expect_only_hearsay_errors([&] { hearsay::measure_audio_file(path); });
  return 0;
}
