// libFuzzer target: dataset manifests (datasets/manifest.h), written by people and other programs.
// Input that starts with '{' (after blanks) is read as manifest.json, anything else as manifest.csv,
// so a seed is a plain manifest. Two tiny WAV files sit beside it (a.wav, b.wav) for examples and
// stems to point at; open_manifest probes every file an example names.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/audio.h"
#include "core/audio_io.h"
#include "datasets/manifest.h"
#include "fuzz/fuzz_input.h"

namespace {

void write_audio_files() {
  std::vector<float> samples(800);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = 0.001f * static_cast<float>(i % 100);
  hearsay::save_audio(hearsay::fuzz::scratch_dir() + "/a.wav", hearsay::Audio::mono(samples, 8000));
  hearsay::save_audio(hearsay::fuzz::scratch_dir() + "/b.wav", hearsay::Audio::mono(samples, 8000));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = (write_audio_files(), true);
  (void)ready;
  size_t first = 0;
  while (first < size && std::isspace(data[first])) ++first;
  const bool json = first < size && data[first] == '{';
  const std::string path = hearsay::fuzz::write_input(json ? "manifest.json" : "manifest.csv", data, size);
  hearsay::datasets::OpenOptions options;
  options.warn = [](const std::string&) {};
  hearsay::fuzz::expect_only_hearsay_errors([&] { hearsay::datasets::open_manifest(path, options); });
  options.strict = true;
  hearsay::fuzz::expect_only_hearsay_errors([&] { hearsay::datasets::open_manifest(path, options); });
  return 0;
}
