// A dataset of audio files on disk: what open_dataset returns for every layout. It holds paths, labels,
// stem paths, ground truth and each mix's duration (read from the file header when the dataset was
// opened), never audio: get() and excerpt() read one example from disk when asked, so a set of
// thousands of tracks costs a few hundred bytes per track in memory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace hearsay::datasets {

/// One example of a file dataset: where its mix, stems and ground truth are.
struct FileEntry {
  ExampleInfo info;                          ///< id, label, and the mix's path
  std::map<std::string, std::string> stems;  ///< stem name → file holding that stem
  std::vector<GroundTruth> ground_truth;     ///< cues recorded for this example
  double duration = 0.0;                     ///< seconds, from the mix's header
};

class FileDataset : public Dataset {
 public:
  /// `layout` names where the dataset came from ("manifest.json", "gtzan", "folders", ...). Labels must
  /// index `classes` and ids must be unique (ShapeError otherwise); class names and ids must be valid
  /// UTF-8 (IoError naming the folder or file, with the bad bytes shown as \xNN).
  FileDataset(std::string root, std::string layout, std::vector<std::string> classes, std::vector<FileEntry> entries,
              std::vector<DatasetProblem> problems);

  size_t size() const override { return entries_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  ExampleInfo info(size_t i) const override { return entry(i).info; }
  /// Reads the mix and the stems of example i; IoError naming the file when one has become unreadable.
  Example get(size_t i) const override;
  double duration(size_t i) const override { return entry(i).duration; }
  /// Reads only the requested part of the mix (seeking in the file).
  Audio excerpt(size_t i, double start_seconds, double seconds) const override;
  std::vector<DatasetProblem> problems() const override { return problems_; }

  /// The folder the dataset was opened from.
  const std::string& root() const { return root_; }
  /// "manifest.json", "manifest.csv", "gtzan" or "folders".
  const std::string& layout() const { return layout_; }
  const FileEntry& entry(size_t i) const;

 private:
  std::string root_;
  std::string layout_;
  std::vector<std::string> classes_;
  std::vector<FileEntry> entries_;
  std::vector<DatasetProblem> problems_;
};

}  // namespace hearsay::datasets
