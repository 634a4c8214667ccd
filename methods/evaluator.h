// Evaluator: the only way methods reach the model. It composes the inputs of a batch of keep-masks in
// parallel (OpenMP, one mask per iteration, outside any LibTorch call), runs the model on the batch,
// caches mask → logits for this one input so several methods share evaluations, and counts every
// forward pass. The composed inputs of one batch are all that is ever held: a 30 s clip explained with
// 4096 masks holds batch_size inputs, never 4096.
//
// Window cache: the model sees a long clip as windows (the window rule in models/model.h), and a
// window's input depends only on the components that reach its frames. When the factorization is
// frame-local, the evaluator runs the network per window and reuses a window's logits for every mask
// that agrees with an earlier one on those components; only the frames of windows that must run are
// composed. A clip's logits are then the mean of its windows' logits in window order, the same
// arithmetic as Model::logits_from_features, so the result is bit-identical to the plain path.
// Without the window cache a frame-local factorization is still composed window by window, straight
// into the batch the network runs (no clip-sized input, no copy of its windows): the same windows, the
// same arithmetic, so the same logits as composing whole clips (tests/methods/evaluator_test.cpp).
// Either way the windows run window by window (every mask's first window, then every mask's second,
// ...): a batch then reads one stretch of the factorization's data, which stays in the CPU's caches
// between the network's calls, and a window's logits do not depend on its batch-mates.
//
// Non-finite outputs: logits that are NaN or infinite are an Error naming the model, the input and
// the mask (and window) that produced them, thrown before they are cached or reach a method. A NaN
// fed to a solver has no meaningful answer (LIME's forward selection once picked column -1 from NaN
// R² values and corrupted the heap), so the evaluator is where it stops.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/matrix.h"
#include "factorizations/factorization.h"
#include "models/model.h"

namespace hearsay::methods {

struct EvaluatorOptions {
  int64_t batch_size = 0;                ///< network inputs (windows) per model call; 0: the model's preferred batch
  bool cache = true;                     ///< reuse logits of masks (and of windows) already evaluated for this input
  bool window_cache = true;              ///< per-window evaluation and reuse (frame-local factorizations only)
  std::string input_name = "the input";  ///< the clip's path or id, named in errors about its outputs
};

class Evaluator {
 public:
  Evaluator(const models::Model& model, const factorizations::Factorization& factorization,
            EvaluatorOptions options = {});

  const models::Model& model() const { return model_; }
  const factorizations::Factorization& factorization() const { return factorization_; }
  int64_t components() const { return factorization_.size(); }
  /// The clip's path or id (EvaluatorOptions::input_name), as errors name it.
  const std::string& input_name() const { return options_.input_name; }

  /// Logits [n × classes] for each row of `masks` [n × components] (non-zero = keep).
  Matrix<float> logits(const Matrix<uint8_t>& masks);
  /// The explained quantity for class `target` (its logit, or its softmax probability) per mask.
  std::vector<double> outputs(const Matrix<uint8_t>& masks, int target, models::Output output);
  /// Same for a single mask.
  double output(const std::vector<uint8_t>& mask, int target, models::Output output);
  /// The class the model predicts for the unperturbed input (argmax of the all-ones logits). With the
  /// cache on, the empty mask is evaluated in the same call: every explanation asks for both ends
  /// (Explainer::explain), and for a clip of few windows the empty input's windows ride in the padding
  /// of the full batch the model runs anyway, so a gradient method's first call runs no network batch
  /// of its own.
  int predicted_class();

  /// Starts counting the distinct masks asked for from now on (one explanation's cost if run alone).
  void begin_tally() { tally_.clear(); }
  int64_t tally() const { return static_cast<int64_t>(tally_.size()); }

  int64_t requests() const { return requests_; }              ///< masks asked for
  int64_t forward_passes() const { return forward_passes_; }  ///< masks the model actually ran
  int64_t windows_run() const { return windows_run_; }        ///< network windows actually run
  int64_t windows_per_input() const { return static_cast<int64_t>(starts_.size()); }
  bool uses_window_cache() const { return window_mode_; }
  double compose_seconds() const { return compose_seconds_; }
  double model_seconds() const { return model_seconds_; }
  /// Largest number of composed network inputs (windows) held at once (the batch size in practice).
  int64_t peak_inputs_held() const { return peak_inputs_; }

 private:
  std::string key(const uint8_t* mask) const;
  std::string window_key(const uint8_t* mask, size_t window) const;
  // Logits of the masks in rows `todo`, written to out rows [0, todo.size()).
  void run_clips(const Matrix<uint8_t>& masks, const std::vector<int64_t>& todo, float* out);
  // Composes each window of each mask into the network's batch; reuses cached windows in window mode.
  void run_windows(const Matrix<uint8_t>& masks, const std::vector<int64_t>& todo, float* out);
  // Throws when a row of `logits` is not finite: `inputs` holds the composed input of each row,
  // [n_mels × frames], and `where(row)` describes the row's mask (and window) for the message.
  template <class Where>
  void check_finite(const Matrix<float>& logits, const float* inputs, int64_t frames, Where&& where) const;
  std::string describe_mask(const uint8_t* mask) const;

  const models::Model& model_;
  const factorizations::Factorization& factorization_;
  EvaluatorOptions options_;
  int64_t batch_size_;
  std::unordered_map<std::string, std::vector<float>> cache_;
  bool window_mode_ = false;                 // per_window_ and the window cache on
  std::vector<int64_t> starts_;              // first frame of each window
  std::vector<std::vector<int32_t>> reach_;  // components reaching each window
  std::vector<std::unordered_map<std::string, std::vector<float>>> window_cache_;
  int64_t windows_run_ = 0;
  std::vector<float> features_;  // batch_size × n_mels × frames, reused
  std::unordered_set<std::string> tally_;
  int64_t requests_ = 0;
  int64_t forward_passes_ = 0;
  int64_t peak_inputs_ = 0;
  double compose_seconds_ = 0.0;
  double model_seconds_ = 0.0;
  bool per_window_ = false;  // frame-local: inputs composed window by window (run_windows)
};

/// Converts a logits row to the explained quantity for `target`.
double output_of(const float* logits, int classes, int target, models::Output output);

}  // namespace hearsay::methods
