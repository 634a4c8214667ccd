#include "factorizations/tf_grid.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "factorizations/segments.h"

namespace hearsay::factorizations {

std::vector<int64_t> equal_divisions(int64_t n, int64_t parts) {
  std::vector<int64_t> starts;
  for (int64_t j = 0; j < parts; ++j) starts.push_back(j * (n / parts));
  starts.push_back(n);
  return starts;
}

std::unique_ptr<Factorization> TfGridFactorizer::factorize(const FactorizationInput& input,
                                                           const FrontEnd& front_end) const {
  Matrix<float> features = input_features(input, front_end, "tf_grid");
  const int64_t T = settings().time_segments;
  const int64_t F = settings().frequency_bands;
  HEARSAY_CHECK_AS(ShapeError, T <= features.cols(), "tf_grid: ", T, " time segments for a ", features.cols(),
                   "-frame input; use at most ", features.cols());
  HEARSAY_CHECK_AS(ShapeError, F <= features.rows(), "tf_grid: ", F, " frequency bands for ", features.rows(),
                   " mel bands; use at most ", features.rows());
  const auto time = equal_divisions(features.cols(), T);
  const auto freq = equal_divisions(features.rows(), F);
  Matrix<int32_t> labels(features.rows(), features.cols());
  std::vector<std::string> names;
  for (int64_t j = 0; j < T; ++j)
    for (int64_t b = 0; b < F; ++b) {
      names.push_back("t" + index_label(j, T) + ".f" + index_label(b, F));
      for (int64_t m = freq[static_cast<size_t>(b)]; m < freq[static_cast<size_t>(b + 1)]; ++m)
        for (int64_t t = time[static_cast<size_t>(j)]; t < time[static_cast<size_t>(j + 1)]; ++t)
          labels(m, t) = static_cast<int32_t>(j * F + b);
    }
  return std::make_unique<LabelMapFactorization>(front_end, input.audio, std::move(features), std::move(labels),
                                                 std::move(names), settings().fill, options());
}

}  // namespace hearsay::factorizations
