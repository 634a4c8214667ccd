// A model-free check of how learnable a labelled set is: nearest-centroid classification of each
// clip's mean log-mel frame. Far above chance means the classes differ in their average spectrum;
// 100 % would mean one average spectrum gives every class away (a set too easy to tell models apart).
#pragma once

#include <cstddef>
#include <vector>

#include "core/front_end.h"
#include "datasets/dataset.h"

namespace hearsay::datasets {

struct CentroidBaseline {
  double accuracy = 0.0;  ///< share of `test` whose nearest centroid is its own class
  size_t train = 0;
  size_t test = 0;
  std::vector<std::vector<size_t>> confusion;  ///< [true class][predicted class] counts over `test`
};

/// Features: the mean over frames of the front-end's log-mel features of each example (mixed to mono
/// and resampled to the front-end's rate). Centroids: the mean feature of each class over `train`.
/// Prediction: the class of the nearest centroid (Euclidean) for each example of `test`. Examples are
/// read in parallel. ShapeError when `train` leaves a class of `test` without examples.
CentroidBaseline nearest_centroid_baseline(const Dataset& dataset, const std::vector<size_t>& train,
                                           const std::vector<size_t>& test, const FrontEndOptions& front_end = {});

}  // namespace hearsay::datasets
