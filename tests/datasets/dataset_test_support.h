// What the dataset tests share: writing audio files into a fresh tree and collecting the warnings a
// loader prints.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/audio_io.h"
#include "datasets/dataset.h"

namespace hearsay::testing {

/// Saves `audio` at `path` (format by extension), creating the folders on the way.
inline void write_wav(const std::filesystem::path& path, const Audio& audio) {
  std::filesystem::create_directories(path.parent_path());
  save_audio(path.string(), audio);
}

/// Collects the warnings a loader prints.
struct Warnings {
  std::vector<std::string> lines;
  datasets::OpenOptions options(bool strict = false) {
    datasets::OpenOptions o;
    o.strict = strict;
    o.warn = [this](const std::string& line) { lines.push_back(line); };
    return o;
  }
};

}  // namespace hearsay::testing
