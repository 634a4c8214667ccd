// The stems of one clip from a folder of stem files, one file per source, as a separation tool
// (Demucs, Spleeter, Open-Unmix) or a multitrack session writes them: `drums.wav` is the stem "drums".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/audio.h"
#include "core/audio_io.h"

namespace hearsay::datasets {

struct StemFiles {
  std::map<std::string, std::string> files;  ///< stem name → path
  std::vector<std::string> skipped;          ///< files left out because they are not audio (song.ini, cover.png)
};

/// The audio files of `dir` by stem name. Hidden files and files that are not audio (by extension; see
/// is_audio_file) are skipped and listed. Refused with IoError naming the folder and the files: two files
/// for one stem name (drums.flac and drums.wav), a stem named like the mix ("mix", or `mix_name` when it
/// is given: the file name of the clip without its extension), a folder without audio files.
StemFiles find_stem_files(const std::string& dir, const std::string& mix_name = {});

/// Loads every stem of `stems` with `options` (use the mix's offset, duration, mono and rate).
std::map<std::string, Audio> load_stems(const StemFiles& stems, const LoadOptions& options);

}  // namespace hearsay::datasets
