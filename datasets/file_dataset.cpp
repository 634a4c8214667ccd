#include "datasets/file_dataset.h"

#include <set>

#include "core/audio_io.h"
#include "core/error.h"

namespace hearsay::datasets {

FileDataset::FileDataset(std::string root, std::string layout, std::vector<std::string> classes,
                         std::vector<FileEntry> entries, std::vector<DatasetProblem> problems)
    : root_(std::move(root)),
      layout_(std::move(layout)),
      classes_(std::move(classes)),
      entries_(std::move(entries)),
      problems_(std::move(problems)) {
  std::set<std::string> ids;
  for (const auto& e : entries_) detail::check_example(e.info, classes_.size(), ids);
}

const FileEntry& FileDataset::entry(size_t i) const {
  HEARSAY_CHECK_AS(ShapeError, i < entries_.size(), "dataset '", root_, "': example ", i, " of ", entries_.size());
  return entries_[i];
}

Example FileDataset::get(size_t i) const {
  const FileEntry& e = entry(i);
  Example example;
  example.info = e.info;
  if (e.info.label >= 0) example.label_name = classes_[static_cast<size_t>(e.info.label)];
  example.audio = load_audio(e.info.path);
  for (const auto& [name, path] : e.stems) example.stems[name] = load_audio(path);
  example.ground_truth = e.ground_truth;
  return example;
}

Audio FileDataset::excerpt(size_t i, double start_seconds, double seconds) const {
  LoadOptions options;
  options.offset_seconds = start_seconds;
  options.duration_seconds = seconds;
  return load_audio(entry(i).info.path, options);
}

}  // namespace hearsay::datasets
