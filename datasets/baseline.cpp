#include "datasets/baseline.h"

#include <algorithm>
#include <exception>
#include <limits>

#include "core/error.h"

namespace hearsay::datasets {

namespace {

std::vector<double> mean_frame(const FrontEnd& front_end, const Audio& audio) {
  Audio mono = audio.to_mono();
  if (mono.sample_rate() != front_end.sample_rate()) mono = mono.resampled(front_end.sample_rate());
  const Matrix<float> features = front_end.features(mono);
  std::vector<double> mean(static_cast<size_t>(features.rows()), 0.0);
  for (int64_t m = 0; m < features.rows(); ++m) {
    for (int64_t t = 0; t < features.cols(); ++t) mean[static_cast<size_t>(m)] += features(m, t);
    mean[static_cast<size_t>(m)] /= static_cast<double>(features.cols());
  }
  return mean;
}

}  // namespace

CentroidBaseline nearest_centroid_baseline(const Dataset& dataset, const std::vector<size_t>& train,
                                           const std::vector<size_t>& test, const FrontEndOptions& options) {
  const FrontEnd front_end(options);
  std::vector<size_t> all = train;
  all.insert(all.end(), test.begin(), test.end());
  std::vector<std::vector<double>> features(all.size());
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t k = 0; k < static_cast<int64_t>(all.size()); ++k) {
    try {
      features[static_cast<size_t>(k)] = mean_frame(front_end, dataset.get(all[static_cast<size_t>(k)]).audio);
    } catch (...) {
#pragma omp critical(hearsay_baseline_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  const size_t classes = dataset.classes().size();
  const size_t dims = static_cast<size_t>(front_end.n_mels());
  std::vector<std::vector<double>> centroid(classes, std::vector<double>(dims, 0.0));
  std::vector<size_t> count(classes, 0);
  for (size_t k = 0; k < train.size(); ++k) {
    const int label = dataset.info(train[k]).label;
    if (label < 0) continue;
    for (size_t d = 0; d < dims; ++d) centroid[static_cast<size_t>(label)][d] += features[k][d];
    ++count[static_cast<size_t>(label)];
  }
  for (size_t c = 0; c < classes; ++c)
    for (auto& v : centroid[c]) v /= static_cast<double>(std::max<size_t>(count[c], 1));

  CentroidBaseline out;
  out.train = train.size();
  out.confusion.assign(classes, std::vector<size_t>(classes, 0));
  size_t correct = 0;
  for (size_t k = 0; k < test.size(); ++k) {
    const int label = dataset.info(test[k]).label;
    if (label < 0) continue;
    HEARSAY_CHECK_AS(ShapeError, count[static_cast<size_t>(label)] > 0, "nearest-centroid baseline: class '",
                     dataset.classes()[static_cast<size_t>(label)], "' has no training example");
    size_t best = 0;
    double best_distance = std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < classes; ++c) {
      if (count[c] == 0) continue;
      double distance = 0.0;
      for (size_t d = 0; d < dims; ++d) {
        const double diff = features[train.size() + k][d] - centroid[c][d];
        distance += diff * diff;
      }
      if (distance < best_distance) {
        best_distance = distance;
        best = c;
      }
    }
    ++out.confusion[static_cast<size_t>(label)][best];
    correct += best == static_cast<size_t>(label);
    ++out.test;
  }
  out.accuracy = out.test ? static_cast<double>(correct) / static_cast<double>(out.test) : 0.0;
  return out;
}

}  // namespace hearsay::datasets
