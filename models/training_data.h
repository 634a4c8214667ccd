// The torch-free half of training: each track's features are computed ONCE by the model's front-end
// over the whole track and kept in memory; every epoch cuts random windows of input_frames frames
// from them. Cutting in feature frames is the window rule that evaluation and explanations use, so
// the network trains on exactly what it is later shown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/front_end.h"
#include "core/matrix.h"
#include "core/random.h"
#include "datasets/dataset.h"
#include "models/evaluation.h"
#include "core/hash.h"

namespace hearsay::models {

/// One track's features [n_mels × frames] and its label.
struct TrackFeatures {
  std::string id;
  int label = -1;
  Matrix<float> features;
};

/// A 64-bit FNV-1a hash over ids, labels, rates, channels and samples: which data a model was trained on.
class DataFingerprint {
 public:
  void add(const datasets::Example& example);
  /// {"examples": n, "hash": "fnv1a64:<16 hex digits>"}.
  nlohmann::json to_json() const;

 private:
  Fnv1a64 hash_;
  int64_t examples_ = 0;
};

/// Loads the examples `indices` and computes their features with `front_end` (mono, resampled to its
/// rate; what had to be adapted is counted in `notes`). Unlabelled examples are skipped. Each example
/// is also added to `fingerprint`.
std::vector<TrackFeatures> compute_track_features(const datasets::Dataset& dataset, const std::vector<size_t>& indices,
                                                  const FrontEnd& front_end, int64_t input_samples, InputNotes& notes,
                                                  DataFingerprint& fingerprint);

/// Start frame of a random window of `window` frames in a track of `frames` frames: uniform over
/// [0, frames − window] (a random time shift), 0 when the track is not longer than the window.
int64_t random_window_start(int64_t frames, int64_t window, Rng& rng);

/// Applies a gain of `gain_db` dB to the audio behind front-end features, in place. The mel power is
/// linear in the power spectrum, so the gain is a factor k on it (10^(gain/10) for power 2,
/// 10^(gain/20) for magnitude) and, after the log stage:
///  - db: x + 10·log10(k), floored at the value of silence; values at the floor stay there. Exact
///    except at the amin floor, where a positive gain could have lifted a value from below it;
///  - natural: log(k·(e^x − offset) + offset), exact up to rounding;
///  - none: k·x, exact.
void apply_gain_db(const FrontEnd& front_end, double gain_db, float* values, int64_t count);

}  // namespace hearsay::models
