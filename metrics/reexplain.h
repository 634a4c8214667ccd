// What the metrics that change the input share (sensitivity: the same clip with noise; granularity: the
// same clip cut finer): factorize another input the way the explained one was factorized, explain it
// the way the explanation was made, and compare rankings.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/model.h"

namespace hearsay::metrics {

/// The options `factorizer` was given to make `factorization`: its options() less the keys the
/// factorizer adds to describe what it did (stems' residual_rms_db), which it would refuse as input.
nlohmann::json factorizer_options(const std::string& factorizer, const factorizations::Factorization& factorization);

/// `input` factorized by `factorizer` with `options` for `model`'s front-end.
std::unique_ptr<factorizations::Factorization> factorize(const std::string& factorizer, const nlohmann::json& options,
                                                         const factorizations::FactorizationInput& input,
                                                         const models::Model& model);

/// `original`'s method with its options, target, output and seed, explaining `factorization` of `model`
/// on a fresh Evaluator (the original's cache composes another input).
methods::Explanation reexplain(const methods::Explanation& original, const models::Model& model,
                               const factorizations::Factorization& factorization);

/// What an explanation cost: its model evaluations and gradient passes.
int64_t evaluations(const methods::Explanation& e);

/// |A ∩ B| / |A ∪ B| of the first k entries of two rankings (component indices, best first).
double top_k_jaccard(const std::vector<int64_t>& a, const std::vector<int64_t>& b, int64_t k);

}  // namespace hearsay::metrics
