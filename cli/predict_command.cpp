// hearsay predict CLIP... --model DIR [--json] [--windows]: what the model says about each clip: the
// logits and probabilities of every class and the predicted class, for the whole clip (the window
// rule of models/model.h, as evaluate and explain use it) and, with --windows, for each window. Clips
// are loaded as explain loads them (mono, resampled to the model's rate, notes on stderr). A clip that
// fails is reported by name and the others are still printed; the exit code is then 1.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/audio_io.h"
#include "core/error.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace {

struct PredictArgs {
  std::vector<std::string> clips;
  std::string model;
  bool json = false;
  bool windows = false;
  std::shared_ptr<FlagValues> inference = std::make_shared<FlagValues>();
};

// The model's answer for one clip or one window: logits, their softmax, the argmax.
struct Answer {
  std::vector<float> logits;
  std::vector<float> probabilities;
  int predicted = 0;
  double start_seconds = 0.0;  // windows only
  double end_seconds = 0.0;
};

struct Prediction {
  Answer clip;
  std::vector<Answer> windows;
  std::vector<std::string> notes;
};

// Row `r` of `logits` (and of their softmax `probabilities`) as an Answer; a NaN or Inf logit is an
// Error naming the model, the clip and where.
Answer answer(const models::Model& model, const std::string& clip, const Matrix<float>& logits,
              const Matrix<float>& probabilities, int64_t r, const std::string& where) {
  Answer a;
  a.logits.assign(logits.row(r), logits.row(r) + logits.cols());
  for (size_t c = 0; c < a.logits.size(); ++c)
    HEARSAY_CHECK(std::isfinite(a.logits[c]), "model '", model.name(), "' returned a non-finite logit (", a.logits[c],
                  ") for class '", model.class_names()[c], "' on '", clip, "'", where,
                  "; the clip may hold extreme sample values");
  a.probabilities.assign(probabilities.row(r), probabilities.row(r) + probabilities.cols());
  a.predicted = models::argmax_row(logits, r);
  return a;
}

Prediction predict_clip(const models::Model& model, const std::string& path, bool windows) {
  Prediction out;
  const Audio original = load_audio(path);
  const int rate = model.front_end().sample_rate();
  models::InputNotes notes;
  notes.add(original, rate, model.input_samples());
  out.notes = notes.lines();
  const Matrix<float> features = model.features(original);
  const Matrix<float> logits = model.logits_from_features(features.data(), 1, features.cols());
  out.clip = answer(model, path, logits, models::softmax_rows(logits), 0, "");
  if (!windows) return out;

  // Each window alone through the network, exactly as the window rule cuts and pads it.
  const int64_t n_mels = features.rows(), frames = features.cols(), window = model.input_frames();
  const std::vector<int64_t> starts = models::window_starts(frames, window);
  const int64_t batch = std::max<int64_t>(1, model.preferred_batch());
  const double frame_seconds = static_cast<double>(model.front_end().options().hop_length) / rate;
  for (size_t first = 0; first < starts.size(); first += static_cast<size_t>(batch)) {
    const size_t count = std::min(starts.size() - first, static_cast<size_t>(batch));
    std::vector<float> buffer(count * static_cast<size_t>(n_mels * window));
    for (size_t k = 0; k < count; ++k)
      models::copy_window(features.data(), n_mels, frames, starts[first + k], window, model.silence_value(),
                          buffer.data() + k * static_cast<size_t>(n_mels * window));
    const Matrix<float> window_logits = model.window_logits(buffer.data(), static_cast<int64_t>(count));
    const Matrix<float> window_probabilities = models::softmax_rows(window_logits);
    for (size_t k = 0; k < count; ++k) {
      const int64_t start = starts[first + k];
      Answer a = answer(model, path, window_logits, window_probabilities, static_cast<int64_t>(k),
                        message(" in the window at frame ", start));
      a.start_seconds = static_cast<double>(start) * frame_seconds;
      a.end_seconds = std::min(static_cast<double>(start + window) * frame_seconds, original.duration());
      out.windows.push_back(std::move(a));
    }
  }
  return out;
}

nlohmann::json answer_json(const models::Model& model, const Answer& a) {
  return {{"predicted", model.class_names()[static_cast<size_t>(a.predicted)]},
          {"predicted_index", a.predicted},
          {"probability", a.probabilities[static_cast<size_t>(a.predicted)]},
          {"logits", a.logits},
          {"probabilities", a.probabilities}};
}

void print_answer_table(const models::Model& model, const Answer& a) {
  size_t width = 5;
  for (const auto& c : model.class_names()) width = std::max(width, c.size());
  std::printf("  %-*s  %10s  %11s\n", static_cast<int>(width), "class", "logit", "probability");
  for (size_t c = 0; c < a.logits.size(); ++c)
    std::printf("  %-*s  %10.4f  %11.4f%s\n", static_cast<int>(width), model.class_names()[c].c_str(), a.logits[c],
                a.probabilities[c], static_cast<int>(c) == a.predicted ? "  <" : "");
}

int run_predict(const PredictArgs& args) {
  const auto inference = read_options<models::InferenceOptions>(flags_to_json(*args.inference), "predict");
  const auto model = models::load_model(args.model, inference);
  nlohmann::json report = {{"model", args.model}, {"model_name", model->name()}, {"classes", model->class_names()}};
  report["clips"] = nlohmann::json::array();
  int failed = 0;
  for (const auto& clip : args.clips) {
    Prediction p;
    try {
      p = predict_clip(*model, clip, args.windows);
    } catch (const Error& e) {
      ++failed;
      std::cerr << "hearsay: error: " << clip << ": " << e.what() << "\n";
      report["clips"].push_back({{"clip", clip}, {"ok", false}, {"error", e.what()}});
      continue;
    }
    for (const auto& line : p.notes) std::cerr << "hearsay: note: " << clip << ": " << line << "\n";
    nlohmann::json j = {{"clip", clip}, {"ok", true}};
    j.update(answer_json(*model, p.clip));
    j["notes"] = p.notes;
    if (args.windows) {
      j["windows"] = nlohmann::json::array();
      for (const auto& w : p.windows) {
        nlohmann::json wj = {{"start_seconds", w.start_seconds}, {"end_seconds", w.end_seconds}};
        wj.update(answer_json(*model, w));
        j["windows"].push_back(std::move(wj));
      }
    }
    report["clips"].push_back(std::move(j));
    if (args.json) continue;
    const auto& names = model->class_names();
    std::printf("%s: %s (p = %.3f)\n", clip.c_str(), names[static_cast<size_t>(p.clip.predicted)].c_str(),
                p.clip.probabilities[static_cast<size_t>(p.clip.predicted)]);
    print_answer_table(*model, p.clip);
    for (const auto& w : p.windows)
      std::printf("  window %.2f-%.2f s: %s (p = %.3f)\n", w.start_seconds, w.end_seconds,
                  names[static_cast<size_t>(w.predicted)].c_str(), w.probabilities[static_cast<size_t>(w.predicted)]);
  }
  if (args.json) std::cout << report.dump(2) << "\n";
  if (failed > 0) {
    std::cerr << "hearsay: error: " << failed << " of " << args.clips.size() << " clips failed\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Print a model's logits, probabilities and predicted class for each clip (and each window with --windows)");
  cmd->add_option("clips", args->clips, "Audio files to classify")->required();
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_flag("--json", args->json,
                "Print JSON: {model, classes, clips: [{clip, predicted, probability, logits, "
                "probabilities, windows}]}");
  cmd->add_flag("--windows", args->windows, "Also the answer for each network window of each clip");
  add_option_flags<models::InferenceOptions>(*cmd, args->inference);
  cmd->footer(
      "Exit codes: 0 every clip was classified; 1 a clip could not be read or the model returned NaN/Inf "
      "(the other clips are still printed); 2 bad options.");
  cmd->callback([args] {
    const int code = run_predict(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
