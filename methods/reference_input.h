// The reference input x′ of methods that attribute the change f(x) − f(x′) (integrated gradients'
// path start, DeepLIFT's reference; Sundararajan et al. 2017, Shrikumar et al. 2017), and the clip
// output f at a point, so both measure that change the same way.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/matrix.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/model.h"

namespace hearsay::methods {

/// How x′ is made from the clip's features x.
enum class ReferenceInput {
  factorization,  ///< the factorization's input with no component kept, compose(all zeros)
  zero,           ///< every feature cell 0
  mean,           ///< every feature cell the mean of the clip's features
  noise           ///< uniform noise from the lowest to the highest cell of the clip and its all-removed input, seeded
};

/// The choices as options name them (for an options struct's visit: v.choice("baseline", ...)).
const std::vector<std::pair<const char*, ReferenceInput>>& reference_input_choices();

/// x′ for the clip's features `x` [n_mels × frames] under `factorization`; `seed` drives the noise.
Matrix<float> reference_input(ReferenceInput kind, const factorizations::Factorization& factorization,
                              const Matrix<float>& x, uint64_t seed);

/// The clip's output for class `target` at `features` [n_mels × frames] (logit or probability).
double clip_output(const models::Model& model, const Matrix<float>& features, int target, models::Output output);

/// How far a method's map or scores sum from the change f(x) − f(x′) they attribute (integrated
/// gradients' completeness, DeepLIFT's summation-to-delta): diagnostics[key] = total − change and
/// diagnostics["relative_" + key] = |total − change| / |change| (null when the change is 0), and, when
/// that exceeds `max_relative`, a warning "<method>: <summed> <total> but <change_name> = <change>
/// (<percent> % off; <property>)<advice>".
void report_sum_error(const std::string& key, const std::string& property, const std::string& summed,
                      const std::string& change_name, double total, double change, double max_relative,
                      const std::string& advice, Explanation& out);

}  // namespace hearsay::methods
