// Dataset: a labelled collection of clips, loaded lazily one example at a time, with optional true
// stems and ground truth (where a planted cause sits) for the synthetic sets.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/audio.h"

namespace hearsay::datasets {

/// Where a cue sits in an example: which stem, when, and in which frequency band.
struct GroundTruth {
  std::string kind;            ///< "planted" (the cue decides the label) or "shortcut" (a spurious cue)
  std::string stem;            ///< stem holding the cue ("lead", ...); empty when not tied to a stem
  double start_seconds = 0.0;  ///< span of the cue in the clip
  double end_seconds = 0.0;
  double low_hz = 0.0;  ///< frequency band holding the cue's energy
  double high_hz = 0.0;
  std::string description;  ///< e.g. "lead motif, GM program 56 (trumpet), notes 72-79"
};

/// What is known about an example without loading its audio.
struct ExampleInfo {
  std::string id;    ///< unique and stable within the dataset, e.g. "jazz.00054"
  int label = -1;    ///< index into Dataset::classes(); -1 when unlabelled
  std::string path;  ///< source file; empty for examples built in memory
};

struct Example {
  ExampleInfo info;
  std::string label_name;                 ///< classes()[label], or empty
  Audio audio;                            ///< the mix, as stored (callers resample / mix down)
  std::map<std::string, Audio> stems;     ///< true stems when known; they sum to `audio`
  std::vector<GroundTruth> ground_truth;  ///< planted or shortcut cues when known
};

/// Something a loader noticed while opening a dataset.
struct DatasetProblem {
  enum class Kind {
    skipped_file,  ///< a file that could not be used; it is not in the dataset
    empty_class,   ///< a class folder without usable audio; the class is kept, with no examples
  };
  Kind kind = Kind::skipped_file;
  std::string path;    ///< the file or folder
  std::string reason;  ///< why, e.g. libsndfile's message for a corrupt file
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  /// Class names; labels index this list.
  virtual const std::vector<std::string>& classes() const = 0;
  /// Id, label and path of example i without loading audio.
  virtual ExampleInfo info(size_t i) const = 0;
  /// Loads example i (audio, and stems and ground truth where the dataset has them).
  virtual Example get(size_t i) const = 0;

  /// Duration of example i's audio in seconds. File datasets answer from the file header; the
  /// default loads the example.
  virtual double duration(size_t i) const { return get(i).audio.duration(); }
  /// `seconds` of example i's mix from `start_seconds` (shorter at the end of the clip; a negative
  /// `seconds` reads to the end, so excerpt(i, 0, -1) is the whole mix without the stems). File datasets
  /// read only that part of the file; the default loads the example and cuts.
  virtual Audio excerpt(size_t i, double start_seconds, double seconds) const {
    return get(i).audio.excerpt(start_seconds, seconds);
  }
  /// What the loader skipped or found wrong, in the order it met them (empty for datasets built in memory).
  virtual std::vector<DatasetProblem> problems() const { return {}; }
};

/// How open_dataset treats files it cannot read.
struct OpenOptions {
  bool strict = false;  ///< true: the first unreadable file is an IoError; false: skipped, counted, warned
  /// Receives one line per problem found (see DatasetProblem); empty: printed to stderr as
  /// "hearsay: warning: ...".
  std::function<void(const std::string&)> warn;
};

/// Opens a dataset folder: a manifest (manifest.json or manifest.csv) when present, else the GTZAN
/// layout (genres/<genre>/<genre>.NNNNN.{au,wav}), else one sub-folder per class. Every audio file is
/// probed (header only) when the dataset is opened; audio is read by get() and excerpt(), one example
/// at a time. See datasets/file_dataset.h for the rules of each layout.
namespace detail {
/// ShapeError unless info.label is -1 or indexes `num_classes` classes and info.id is not in `ids`
/// yet; the id then joins `ids`. Every dataset class checks its examples with it.
void check_example(const ExampleInfo& info, size_t num_classes, std::set<std::string>& ids);
}  // namespace detail

std::unique_ptr<Dataset> open_dataset(const std::string& path, const OpenOptions& options = {});

}  // namespace hearsay::datasets
