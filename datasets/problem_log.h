// What the loaders share: probing each audio file once when a dataset is opened, and recording (or,
// in strict mode, throwing on) every file that cannot be used, so the dataset can say exactly what it
// skipped and why.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/audio_io.h"
#include "datasets/dataset.h"

namespace hearsay::datasets {

class ProblemLog {
 public:
  /// `dataset` names the dataset in messages (its folder or manifest).
  ProblemLog(std::string dataset, const OpenOptions& options);

  /// The header of a usable audio file, or nullopt after recording why the file cannot be used: it is
  /// unreadable, has no header (libsndfile's raw fallback for .au/.snd), is truncated, or holds no frames.
  std::optional<AudioFileInfo> probe(const std::string& path);
  /// Records a file that is left out; in strict mode throws IoError instead.
  void skip(const std::string& path, const std::string& reason);
  /// Records a class folder that ended up without examples (never an error: the class is kept).
  void empty_class(const std::string& folder, const std::string& class_name);
  /// The problems recorded so far; warns once more with the count of skipped files when there are any.
  std::vector<DatasetProblem> finish(size_t examples);

 private:
  void warn(const std::string& line) const;

  std::string dataset_;
  OpenOptions options_;
  std::vector<DatasetProblem> problems_;
};

/// Whether the extension is one hearsay reads as audio (.wav, .au, .snd, .flac, .ogg, .oga, .opus, .aif,
/// .aiff, .aifc, .mp3, .w64, .caf; any case).
bool is_audio_file(const std::filesystem::path& path);

/// The audio files in `folder` (and below it when `recursive`), sorted by path; names starting with a
/// dot are left out.
std::vector<std::filesystem::path> list_audio_files(const std::filesystem::path& folder, bool recursive);

/// The sub-folders of `folder`, sorted by name; names starting with a dot are left out.
std::vector<std::filesystem::path> list_folders(const std::filesystem::path& folder);

}  // namespace hearsay::datasets
