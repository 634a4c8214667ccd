#include "models/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"

namespace hearsay::models {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Clips whose windows share network calls in evaluate_model (bounds the features held at once).
constexpr size_t kClipsPerCall = 8;

std::string plural(int64_t n, const char* word) { return message(n, " ", word, n == 1 ? "" : "s"); }

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

std::string percent(double x) {
  if (!std::isfinite(x)) return "  -   ";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%", 100.0 * x);
  return buf;
}

}  // namespace

void InputNotes::add(const Audio& clip, int rate, int64_t input_samples) {
  rate_ = rate;
  input_seconds_ = static_cast<double>(input_samples) / rate;
  if (clip.sample_rate() != rate) {
    ++resampled_;
    if (std::find(rates_.begin(), rates_.end(), clip.sample_rate()) == rates_.end())
      rates_.push_back(clip.sample_rate());
  }
  if (clip.channels() != 1) ++mixed_down_;
  if (clip.duration() < input_seconds_) ++padded_;
}

std::vector<std::string> InputNotes::lines() const {
  std::vector<std::string> out;
  if (resampled_) {
    std::string rates;
    for (int r : rates_) rates += (rates.empty() ? "" : ", ") + std::to_string(r);
    out.push_back(message(plural(resampled_, "clip"), " at ", rates, " Hz resampled to ", rate_, " Hz"));
  }
  if (mixed_down_) out.push_back(message(plural(mixed_down_, "clip"), " with several channels mixed down to mono"));
  if (padded_) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", input_seconds_);
    out.push_back(message(plural(padded_, "clip"), " shorter than the model input (", seconds,
                          " s) padded at the end with silence"));
  }
  return out;
}

Evaluation::Evaluation(std::vector<std::string> classes)
    : classes_(std::move(classes)),
      confusion_(static_cast<int64_t>(classes_.size()), static_cast<int64_t>(classes_.size()), 0) {}

void Evaluation::add(int truth, int predicted) {
  const int n = static_cast<int>(classes_.size());
  HEARSAY_CHECK_AS(ShapeError, truth >= 0 && truth < n && predicted >= 0 && predicted < n, "evaluation: class ", truth,
                   " / prediction ", predicted, " outside the ", n, " classes");
  ++confusion_(truth, predicted);
}

int64_t Evaluation::examples() const {
  int64_t n = 0;
  for (int64_t v : confusion_.values()) n += v;
  return n;
}

double Evaluation::accuracy() const {
  const int64_t n = examples();
  if (n == 0) return kNaN;
  int64_t right = 0;
  for (int64_t c = 0; c < confusion_.rows(); ++c) right += confusion_(c, c);
  return static_cast<double>(right) / static_cast<double>(n);
}

std::vector<double> Evaluation::recall() const {
  std::vector<double> out;
  for (int64_t c = 0; c < confusion_.rows(); ++c) {
    int64_t support = 0;
    for (int64_t p = 0; p < confusion_.cols(); ++p) support += confusion_(c, p);
    out.push_back(support ? static_cast<double>(confusion_(c, c)) / static_cast<double>(support) : kNaN);
  }
  return out;
}

nlohmann::json Evaluation::to_json() const {
  nlohmann::json per_class = nlohmann::json::array();
  const auto rec = recall();
  nlohmann::json confusion = nlohmann::json::array();
  for (int64_t c = 0; c < confusion_.rows(); ++c) {
    int64_t support = 0;
    nlohmann::json row = nlohmann::json::array();
    for (int64_t p = 0; p < confusion_.cols(); ++p) {
      support += confusion_(c, p);
      row.push_back(confusion_(c, p));
    }
    confusion.push_back(row);
    per_class.push_back(
        {{"class", classes_[static_cast<size_t>(c)]}, {"support", support}, {"recall", number_or_null(rec[c])}});
  }
  return {{"examples", examples()},
          {"accuracy", number_or_null(accuracy())},
          {"classes", classes_},
          {"per_class", per_class},
          {"confusion", confusion},
          {"confusion_axes", "rows: true class, columns: predicted class"},
          {"notes", notes},
          {"window_rule",
           "clip logits = mean of the logits of windows at 0, W, 2W, ... plus one ending at the last frame"}};
}

std::string Evaluation::to_text() const {
  std::string out = message("accuracy ", percent(accuracy()), " on ", plural(examples(), "example"), "\n");
  size_t width = 5;
  for (const auto& c : classes_) width = std::max(width, c.size());
  const auto rec = recall();
  out += "\nper-class recall\n";
  for (size_t c = 0; c < classes_.size(); ++c) {
    int64_t support = 0;
    for (int64_t p = 0; p < confusion_.cols(); ++p) support += confusion_(static_cast<int64_t>(c), p);
    out += message("  ", classes_[c], std::string(width - classes_[c].size(), ' '), "  ", percent(rec[c]), "  (",
                   support, ")\n");
  }
  // Confusion matrix: rows are true classes, columns predicted classes, headed by index.
  out += "\nconfusion matrix (rows: true class, columns: predicted class)\n";
  out += std::string(width + 6, ' ');
  char cell[32];
  for (size_t p = 0; p < classes_.size(); ++p) {
    std::snprintf(cell, sizeof cell, "%5zu", p);
    out += cell;
  }
  out += "\n";
  for (size_t c = 0; c < classes_.size(); ++c) {
    std::snprintf(cell, sizeof cell, "%3zu ", c);
    out += message("  ", cell, classes_[c], std::string(width - classes_[c].size(), ' '));
    for (int64_t p = 0; p < confusion_.cols(); ++p) {
      std::snprintf(cell, sizeof cell, "%5lld", static_cast<long long>(confusion_(static_cast<int64_t>(c), p)));
      out += cell;
    }
    out += "\n";
  }
  for (const auto& note : notes) out += "note: " + note + "\n";
  return out;
}

int argmax_row(const Matrix<float>& values, int64_t r) {
  const float* row = values.row(r);
  return static_cast<int>(std::max_element(row, row + values.cols()) - row);
}

Evaluation evaluate_model(const Model& model, const datasets::Dataset& dataset, const std::vector<size_t>& indices) {
  // Dataset label index → model class index, by name.
  std::vector<int> to_model;
  for (const auto& name : dataset.classes()) to_model.push_back(model.class_index(name));
  Evaluation evaluation(model.class_names());
  InputNotes notes;
  std::vector<Audio> clips;
  std::vector<int> truths;
  std::vector<std::string> ids;
  auto flush = [&] {
    if (clips.empty()) return;
    const Matrix<float> logits = model.logits(clips);
    for (size_t i = 0; i < clips.size(); ++i) {
      // argmax over a NaN would count a guess as a prediction: silently wrong accuracy.
      for (int64_t c = 0; c < logits.cols(); ++c)
        HEARSAY_CHECK(std::isfinite(logits(static_cast<int64_t>(i), c)), "model '", model.name(),
                      "' returned a non-finite logit (", logits(static_cast<int64_t>(i), c), ") for class '",
                      model.class_names()[static_cast<size_t>(c)], "' on '", ids[i],
                      "'; the clip may hold extreme sample values");
      evaluation.add(truths[i], argmax_row(logits, static_cast<int64_t>(i)));
    }
    clips.clear();
    truths.clear();
    ids.clear();
  };
  for (size_t index : indices) {
    if (dataset.info(index).label < 0) continue;
    datasets::Example example = dataset.get(index);
    notes.add(example.audio, model.front_end().sample_rate(), model.input_samples());
    truths.push_back(to_model[static_cast<size_t>(example.info.label)]);
    ids.push_back(example.info.path.empty() ? example.info.id : example.info.path);
    clips.push_back(std::move(example.audio));
    if (clips.size() == kClipsPerCall) flush();
  }
  flush();
  evaluation.notes = notes.lines();
  return evaluation;
}

}  // namespace hearsay::models
