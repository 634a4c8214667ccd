// A torch-free Model for the models_api tests: 8 mels at 8 kHz, windows of 4 frames, two classes
// whose logits are +/- (the window's mean feature value + 50): "loud" above -50 dB. It records the
// batch sizes it was called with.
#pragma once

#include <numeric>
#include <vector>

#include "models/model.h"

namespace hearsay::models::testing {

inline FrontEndOptions toy_front_end() {
  FrontEndOptions o;
  o.sample_rate = 8000;
  o.n_fft = 256;
  o.hop_length = 128;
  o.n_mels = 8;
  return o;
}

class ToyModel : public Model {
 public:
  explicit ToyModel(int64_t batch = 3) : front_end_(toy_front_end()), batch_(batch) {}
  std::string name() const override { return "toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 4; }
  int64_t preferred_batch() const override { return batch_; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    calls.push_back(count);
    const int64_t per = front_end_.n_mels() * input_frames();
    Matrix<float> out(count, 2);
    for (int64_t i = 0; i < count; ++i) {
      const float mean = std::accumulate(windows + i * per, windows + (i + 1) * per, 0.0f) / static_cast<float>(per);
      out(i, 0) = mean + kOffset;
      out(i, 1) = -(mean + kOffset);
    }
    return out;
  }
  static constexpr float kOffset = 50.0f;
  mutable std::vector<int64_t> calls;

 private:
  FrontEnd front_end_;
  std::vector<std::string> classes_ = {"loud", "quiet"};
  int64_t batch_;
};

}  // namespace hearsay::models::testing
