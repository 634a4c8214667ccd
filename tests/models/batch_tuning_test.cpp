// models::tune_batch on a torch-free network whose cost is known: each call takes a fixed time
// whatever the batch, so the time per window falls with the batch and the largest batch must win.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "core/error.h"
#include "models/batch_tuning.h"
#include "tests/models/toy_model.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

class FixedCostModel : public testing::ToyModel {
 public:
  explicit FixedCostModel(int64_t batch) : ToyModel(batch) {}
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return ToyModel::window_logits(windows, count);
  }
};

TEST(BatchTuning, TheBatchWithTheLowestTimePerWindowWins) {
  std::vector<int64_t> made;
  const BatchTuning t = tune_batch(
      [&](int64_t batch) {
        made.push_back(batch);
        return std::make_unique<FixedCostModel>(batch);
      },
      {1, 4, 2}, 3, 0.01);
  EXPECT_EQ(made, (std::vector<int64_t>{1, 4, 2}));  // one model per batch, in the order given
  ASSERT_EQ(t.times.size(), 3u);
  EXPECT_EQ(t.times[1].batch, 4);
  // 2 ms per call: about 2, 0.5 and 1 ms per window.
  EXPECT_GT(t.times[0].seconds_per_window, 2.0 * t.times[2].seconds_per_window * 0.8);
  EXPECT_GT(t.times[2].seconds_per_window, 2.0 * t.times[1].seconds_per_window * 0.8);
  EXPECT_EQ(t.best, 4);
  ASSERT_NE(t.best_model, nullptr);
  EXPECT_EQ(t.best_model->preferred_batch(), 4);
}

TEST(BatchTuning, BadArgumentsAreConfigErrors) {
  const auto make = [](int64_t batch) { return std::make_unique<testing::ToyModel>(batch); };
  EXPECT_THROW_WITH(tune_batch(make, {}), ConfigError, "no batch sizes");
  EXPECT_THROW_WITH(tune_batch(make, {0, 4}), ConfigError, "1 to 4096", "0");
  EXPECT_THROW_WITH(tune_batch(make, {4, 4}), ConfigError, "listed twice");
  EXPECT_THROW_WITH(tune_batch(make, {4}, 0), ConfigError, "rounds");
  EXPECT_THROW_WITH(tune_batch(make, {4}, 1, 0.0), ConfigError, "seconds");
}

}  // namespace
}  // namespace hearsay::models
