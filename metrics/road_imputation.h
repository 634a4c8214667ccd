// Noisy linear imputation, the fill of ROAD (Rong, Leemann, Borisov, Kasneci & Kasneci, "A Consistent
// and Efficient Evaluation Strategy for Attribution Methods", ICML 2022). Removing a patch by setting
// it to a constant (silence, the mean) makes an input the model never saw in training, so a deletion
// curve also measures how the model reacts to that artefact, and the artefact's shape can leak which
// cells were removed. ROAD instead fills every removed cell with the weighted mean of its 8 neighbours
// (edge neighbours 1/6, diagonal ones 1/12, as in the paper; at the border of the map only the
// neighbours inside it, their weights renormalised), all removed cells at once: one sparse linear
// system whose unknowns are the removed cells and whose known values are the kept ones. On a linear
// ramp the solution is the ramp itself, on a constant map the constant. Small Gaussian noise is added
// to each imputed cell, as in the paper, so that the fill is not a perfectly smooth surface either.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.h"

namespace hearsay::metrics {

/// `features` with each cell where `removed` is non-zero (features.size() bytes, row-major) replaced
/// by the solution of the neighbour-mean system, plus Gaussian noise of standard deviation `noise_sd`
/// (0: none). The noise is drawn for every cell of the map in row-major order from `seed`, and only
/// the removed cells take theirs: with the same seed, a cell gets the same noise whichever other cells
/// are removed (every method on an input meets the same noise). Kept cells are returned unchanged.
/// ShapeError when `removed` does not match the map or removes every cell (nothing to impute from).
Matrix<float> impute_from_neighbours(const Matrix<float>& features, const std::vector<uint8_t>& removed,
                                     double noise_sd, uint64_t seed);

}  // namespace hearsay::metrics
