// A float64 log-mel front-end for tests: the same definition as core/front_end (centred frames with
// reflect padding, periodic Hann window of n_fft, power spectrum, the same mel filter weights, dB
// with amin and ref), computed in double with FFTW's double-precision transform. It is the "exact"
// answer that float32 paths are measured against. Only the options the tests use are supported.
#pragma once

#include <vector>

#include "core/front_end.h"

namespace hearsay::testing {

/// Log-mel [n_mels × frames] of x, row-major, in double.
std::vector<double> reference_log_mel(const FrontEnd& front_end, const std::vector<double>& x);

}  // namespace hearsay::testing
