#include "models/train.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "models/model_config.h"
#include "models/network_model.h"
#include "models/networks.h"
#include "models/training_data.h"

namespace hearsay::models {

namespace {

using Clock = std::chrono::steady_clock;

// Windows per forward pass when scoring whole validation tracks.
constexpr int64_t kEvalBatch = 64;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double learning_rate_at(const TrainOptions& o, int epoch) {
  if (o.schedule == LrSchedule::constant || o.epochs == 1) return o.learning_rate;
  // Cosine annealing from learning_rate (first epoch) to 1 % of it (last epoch).
  const double t = static_cast<double>(epoch - 1) / static_cast<double>(o.epochs - 1);
  const double low = 0.01 * o.learning_rate;
  return low + 0.5 * (o.learning_rate - low) * (1.0 + std::cos(M_PI * t));
}

// Clip logits [tracks × classes] of whole tracks by the window rule, with the network in eval mode.
torch::Tensor clip_logits(SequentialNetworkImpl& network, const std::vector<TrackFeatures>& tracks, int64_t window,
                          float pad) {
  const int64_t n_mels = network.shape().n_mels;
  std::vector<int64_t> owner;
  std::vector<float> windows;
  for (size_t t = 0; t < tracks.size(); ++t) {
    const Matrix<float>& f = tracks[t].features;
    for (int64_t start : window_starts(f.cols(), window)) {
      owner.push_back(static_cast<int64_t>(t));
      windows.resize(windows.size() + static_cast<size_t>(n_mels * window));
      copy_window(f.data(), n_mels, f.cols(), start, window, pad, windows.data() + windows.size() - n_mels * window);
    }
  }
  const auto count = static_cast<int64_t>(owner.size());
  const torch::Tensor all = torch::from_blob(windows.data(), {count, 1, n_mels, window}, torch::kFloat);
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < count; first += kEvalBatch)
    parts.push_back(network.forward(all.slice(0, first, std::min(count, first + kEvalBatch))));
  const torch::Tensor logits = torch::cat(parts);
  const torch::Tensor index = torch::tensor(owner, torch::kLong);
  const auto tracks_n = static_cast<int64_t>(tracks.size());
  const torch::Tensor sums = torch::zeros({tracks_n, logits.size(1)}).index_add_(0, index, logits);
  const torch::Tensor counts = torch::zeros({tracks_n}).index_add_(0, index, torch::ones({count}));
  return sums / counts.unsqueeze(1);
}

torch::Tensor labels_of(const std::vector<TrackFeatures>& tracks) {
  std::vector<int64_t> labels;
  for (const auto& t : tracks) labels.push_back(t.label);
  return torch::tensor(labels, torch::kLong);
}

// Copies of every parameter and buffer (the best epoch's state).
std::vector<torch::Tensor> snapshot(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& p : module.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : module.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(torch::nn::Module& module, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : module.parameters()) p.copy_(state[i++]);
  for (auto& b : module.buffers()) b.copy_(state[i++]);
}

TrainResult train_network(const datasets::Dataset& dataset, const datasets::Split& split,
                          const FrontEndOptions& front_end_options, const nlohmann::json& network_options,
                          const TrainOptions& options, const ProgressCallback& progress,
                          const InferenceOptions& inference) {
  check_options(options, "train");
  const auto start = Clock::now();
  HEARSAY_CHECK_AS(ConfigError, dataset.classes().size() >= 2, "train: the dataset has ", dataset.classes().size(),
                   " class(es); training needs at least 2");
  HEARSAY_CHECK_AS(ConfigError, !split.train.empty(), "train: the split has no training examples");

  ModelConfig config;
  config.architecture = options.model;
  config.front_end = front_end_options;
  config.classes = dataset.classes();
  config.input_frames = frames_for_seconds(front_end_options, options.seconds);
  const auto builder = network_registry().create(options.model, network_options);
  config.network_options = builder->options();
  const FrontEnd front_end(front_end_options);
  const int64_t n_mels = front_end.n_mels();
  const int64_t window = config.input_frames;
  const int64_t per_window = n_mels * window;
  const float pad = front_end.compress_value(0.0f);

  torch::manual_seed(static_cast<uint64_t>(options.seed));
  SequentialNetwork network = builder->build({n_mels, window, static_cast<int64_t>(config.classes.size())});

  // Features once per track; every epoch cuts its windows from these.
  InputNotes notes;
  DataFingerprint fingerprint;
  const int64_t input_samples =
      (window - 1) * front_end_options.hop_length + (front_end_options.center ? 0 : front_end_options.n_fft);
  const auto train = compute_track_features(dataset, split.train, front_end, input_samples, notes, fingerprint);
  const auto val = compute_track_features(dataset, split.val, front_end, input_samples, notes, fingerprint);
  const auto test = compute_track_features(dataset, split.test, front_end, input_samples, notes, fingerprint);
  HEARSAY_CHECK_AS(ConfigError, !train.empty(), "train: none of the ", split.train.size(),
                   " training examples has a label");
  const double feature_seconds = seconds_since(start);
  const auto& val_tracks = val.empty() ? train : val;
  const torch::Tensor val_labels = labels_of(val_tracks);

  torch::optim::Adam optimizer(network->parameters(),
                               torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

  const auto items_per_epoch = static_cast<int64_t>(train.size()) * options.crops_per_track;
  const int64_t steps = (items_per_epoch + options.batch_size - 1) / options.batch_size;
  std::vector<float> batch(static_cast<size_t>(options.batch_size * per_window));
  std::vector<int64_t> batch_labels(static_cast<size_t>(options.batch_size));
  std::vector<torch::Tensor> best_state = snapshot(*network);
  double best_accuracy = -1.0;
  double best_loss = INFINITY;
  int best_epoch = 0;
  int epochs_run = 0;
  bool stopped_early = false;
  int64_t steps_done = 0;
  nlohmann::json history = nlohmann::json::array();
  const auto training_start = Clock::now();

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    TrainProgress report;
    report.epoch = epoch;
    report.epochs = options.epochs;
    report.steps = steps;
    report.learning_rate = learning_rate_at(options, epoch);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(report.learning_rate);

    // This epoch's windows: crops_per_track random crops of every track, in a seeded order.
    Rng rng(derive_seed(static_cast<uint64_t>(options.seed), static_cast<uint64_t>(epoch)));
    std::vector<size_t> items;
    for (size_t t = 0; t < train.size(); ++t)
      for (int c = 0; c < options.crops_per_track; ++c) items.push_back(t);
    rng.shuffle(items);

    network->train();
    double loss_sum = 0.0;
    int64_t correct = 0;
    int64_t seen = 0;
    for (int64_t step = 0; step < steps; ++step) {
      const int64_t first = step * options.batch_size;
      const int64_t n = std::min<int64_t>(options.batch_size, items_per_epoch - first);
      for (int64_t i = 0; i < n; ++i) {
        const TrackFeatures& track = train[items[static_cast<size_t>(first + i)]];
        const int64_t frames = track.features.cols();
        float* out = batch.data() + i * per_window;
        copy_window(track.features.data(), n_mels, frames, random_window_start(frames, window, rng), window, pad, out);
        if (options.gain_db > 0)
          apply_gain_db(front_end, rng.uniform(-options.gain_db, options.gain_db), out, per_window);
        batch_labels[static_cast<size_t>(i)] = track.label;
      }
      const torch::Tensor x = torch::from_blob(batch.data(), {n, 1, n_mels, window}, torch::kFloat);
      const torch::Tensor y = torch::from_blob(batch_labels.data(), {n}, torch::kLong);
      optimizer.zero_grad();
      const torch::Tensor logits = network->forward(x);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
      loss.backward();
      optimizer.step();

      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(y).sum().item<int64_t>();
      seen += n;
      ++steps_done;
      if (progress) {
        report.step = step + 1;
        report.loss = loss_sum / static_cast<double>(seen);
        report.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        report.elapsed_seconds = seconds_since(start);
        report.eta_seconds = seconds_since(training_start) / static_cast<double>(steps_done) *
                             static_cast<double>(steps * options.epochs - steps_done);
        progress(report);
      }
    }

    // Whole validation tracks by the window rule.
    network->eval();
    torch::Tensor val_logits;
    {
      torch::NoGradGuard no_grad;
      val_logits = clip_logits(*network, val_tracks, window, pad);
    }
    report.val_loss = torch::nn::functional::cross_entropy(val_logits, val_labels).item<double>();
    report.val_accuracy = val_logits.argmax(1).eq(val_labels).to(torch::kDouble).mean().item<double>();
    report.improved =
        report.val_accuracy > best_accuracy || (report.val_accuracy == best_accuracy && report.val_loss < best_loss);
    if (report.improved) {
      best_accuracy = report.val_accuracy;
      best_loss = report.val_loss;
      best_epoch = epoch;
      best_state = snapshot(*network);
    }
    epochs_run = epoch;
    report.step = steps;
    report.loss = loss_sum / static_cast<double>(std::max<int64_t>(1, seen));
    report.accuracy = static_cast<double>(correct) / static_cast<double>(std::max<int64_t>(1, seen));
    report.elapsed_seconds = seconds_since(start);
    report.eta_seconds = seconds_since(training_start) / static_cast<double>(steps_done) *
                         static_cast<double>(steps * options.epochs - steps_done);
    report.epoch_done = true;
    history.push_back({{"epoch", epoch},
                       {"loss", report.loss},
                       {"accuracy", report.accuracy},
                       {"val_loss", report.val_loss},
                       {"val_accuracy", report.val_accuracy},
                       {"learning_rate", report.learning_rate},
                       {"seconds", seconds_since(epoch_start)}});
    if (progress) progress(report);
    if (options.patience > 0 && epoch - best_epoch >= options.patience) {
      stopped_early = epoch < options.epochs;
      break;
    }
  }
  restore(*network, best_state);

  auto model = std::make_unique<NetworkModel>(config, network, inference);
  // Test tracks: whole tracks by the window rule, through the model as it will be used.
  Evaluation evaluation(config.classes);
  for (const auto& track : test) {
    const Matrix<float> logits = model->logits_from_features(track.features.data(), 1, track.features.cols());
    evaluation.add(track.label, argmax_row(logits, 0));
  }
  evaluation.notes = notes.lines();
  if (val.empty()) evaluation.notes.push_back("no validation tracks: early stopping watched the training tracks");

  nlohmann::json summary = {{"options", write_options(options)},
                            {"tracks", {{"train", train.size()}, {"val", val.size()}, {"test", test.size()}}},
                            {"validation_on_training_tracks", val.empty()},
                            {"epochs_run", epochs_run},
                            {"best_epoch", best_epoch},
                            {"best_val_accuracy", best_accuracy},
                            {"stopped_early", stopped_early},
                            {"feature_seconds", feature_seconds},
                            {"seconds", seconds_since(start)},
                            {"threads", torch::get_num_threads()},
                            {"history", history},
                            {"notes", evaluation.notes}};
  if (!test.empty()) summary["test"] = evaluation.to_json();
  nlohmann::json data = fingerprint.to_json();
  data["classes"] = config.classes;
  model->set_provenance(summary, data);
  return {std::move(model), std::move(summary), std::move(evaluation)};
}

}  // namespace

TrainResult train_model(const datasets::Dataset& dataset, const datasets::Split& split,
                        const FrontEndOptions& front_end, const nlohmann::json& network_options,
                        const TrainOptions& options, const ProgressCallback& progress,
                        const InferenceOptions& inference) {
  // A LibTorch failure (out of memory for the batch, an unexpected shape) is named, not a traceback.
  try {
    return train_network(dataset, split, front_end, network_options, options, progress, inference);
  } catch (const c10::Error& e) {
    throw Error(message("train: LibTorch failed while training ", options.model, ": ", first_line(e),
                        " (a smaller batch_size or seconds needs less memory)"));
  }
}

}  // namespace hearsay::models
