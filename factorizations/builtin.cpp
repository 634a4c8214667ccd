// The built-in factorizers: one registration line each.
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "factorizations/segments.h"
#include "factorizations/stems.h"
#include "factorizations/superpixels.h"
#include "factorizations/tf_grid.h"

namespace hearsay::factorizations {

namespace {
template <class T>
typename Registry<Factorizer>::Factory make() {
  return [](const nlohmann::json& options) { return std::make_unique<T>(options); };
}
}  // namespace

const Registry<Factorizer>& factorizer_registry() {
  static const Registry<Factorizer> registry = [] {
    Registry<Factorizer> r("factorization");
    r.add("segments", make<SegmentsFactorizer>(), "equal time segments of the clip");
    r.add("stems", make<StemsFactorizer>(), "separated sources x time segments (audioLIME)");
    r.add("superpixels", make<SuperpixelsFactorizer>(), "k-means regions of the log-mel spectrogram");
    r.add("tf_grid", make<TfGridFactorizer>(), "time x mel-band patches of the log-mel spectrogram (SoundLIME)");
    return r;
  }();
  return registry;
}

}  // namespace hearsay::factorizations
