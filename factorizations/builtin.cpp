// The built-in factorizers: one registration line each.
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "factorizations/segments.h"
#include "factorizations/stems.h"
#include "factorizations/superpixels.h"
#include "factorizations/tf_grid.h"

namespace hearsay::factorizations {

const Registry<Factorizer>& factorizer_registry() {
  static const Registry<Factorizer> registry = [] {
    Registry<Factorizer> r("factorization");
    r.add<SegmentsFactorizer>("segments", "equal time segments of the clip");
    r.add<StemsFactorizer>("stems", "separated sources x time segments (audioLIME)");
    r.add<SuperpixelsFactorizer>("superpixels", "k-means regions of the log-mel spectrogram");
    r.add<TfGridFactorizer>("tf_grid", "time x mel-band patches of the log-mel spectrogram (SoundLIME)");
    return r;
  }();
  return registry;
}

}  // namespace hearsay::factorizations
