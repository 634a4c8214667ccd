// Figures of explanations: the log-mel input in grey with the attribution overlaid in a diverging
// colour map (red: evidence for the class, blue: against), a colour bar, a time axis and a title.
#pragma once

#include <string>
#include <vector>

#include "core/front_end.h"
#include "core/matrix.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"

namespace hearsay::bench {

/// The explanation as a dense [n_mels × frames] map: the method's own map when it has one, else each
/// component's score spread over its cells (Σ_i score_i · indicator_i).
Matrix<float> attribution_map(const methods::Explanation& explanation, const factorizations::Factorization& f);

struct FigureText {
  std::string title;     ///< first line, e.g. "lime: jazz (p = 0.91)"
  std::string subtitle;  ///< second line, e.g. "top: lead.t03, drums.t01, bass.t03"
};

/// Writes a PNG of `features` [n_mels × frames] with `map` overlaid; `hop_seconds` labels the time axis.
void write_attribution_png(const std::string& path, const Matrix<float>& features, const Matrix<float>& map,
                           double hop_seconds, const FigureText& text);

}  // namespace hearsay::bench
