// Scoring a model on labelled clips: accuracy, per-class recall and the confusion matrix. Whole
// tracks are scored by the window rule of models/model.h (windows at 0, W, 2W, ... plus one ending at
// the last frame; the clip's logits are the mean of its windows' logits), the same rule that serves
// explanations of long clips.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audio.h"
#include "core/matrix.h"
#include "datasets/dataset.h"
#include "models/model.h"

namespace hearsay::models {

/// What a model had to do to clips on their way in: resample, mix down, pad short clips. Each is
/// documented behaviour, reported as a note rather than hidden.
class InputNotes {
 public:
  /// Records one clip fed to a model expecting `rate` Hz mono and windows of `input_samples` samples.
  void add(const Audio& clip, int rate, int64_t input_samples);
  /// One line per kind of change, e.g. "3 clips at 44100 Hz were resampled to 22050 Hz"; empty when
  /// every clip fitted as it was.
  std::vector<std::string> lines() const;

 private:
  std::vector<int> rates_;  // distinct input rates that were resampled
  int rate_ = 0;
  int64_t resampled_ = 0;
  int64_t mixed_down_ = 0;
  int64_t padded_ = 0;
  double input_seconds_ = 0.0;
};

class Evaluation {
 public:
  explicit Evaluation(std::vector<std::string> classes);

  /// Counts one example: true class and predicted class (indices into classes()).
  void add(int truth, int predicted);

  const std::vector<std::string>& classes() const { return classes_; }
  /// Counts [true class × predicted class].
  const Matrix<int64_t>& confusion() const { return confusion_; }
  int64_t examples() const;
  /// Fraction of examples predicted right (NaN without examples).
  double accuracy() const;
  /// Per class: fraction of its examples predicted right (NaN for a class without examples).
  std::vector<double> recall() const;

  /// Notes on how inputs were adapted (see InputNotes).
  std::vector<std::string> notes;

  /// {"examples", "accuracy", "classes", "per_class": [{class, support, recall}], "confusion", "notes",
  /// "window_rule"}; NaN is written as null.
  nlohmann::json to_json() const;
  /// Accuracy, a per-class recall table and the confusion matrix as console text.
  std::string to_text() const;

 private:
  std::vector<std::string> classes_;
  Matrix<int64_t> confusion_;
};

/// Scores `model` on the dataset examples `indices` (whole tracks, window rule). Dataset labels are
/// matched to the model's classes by name (ConfigError naming a class the model lacks); unlabelled
/// examples are skipped.
Evaluation evaluate_model(const Model& model, const datasets::Dataset& dataset, const std::vector<size_t>& indices);

/// The index of the largest value of row `r` (the first one on ties).
int argmax_row(const Matrix<float>& values, int64_t r);

}  // namespace hearsay::models
