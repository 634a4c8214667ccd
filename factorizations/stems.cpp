#include "factorizations/stems.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/options.h"
#include "factorizations/segments.h"

namespace hearsay::factorizations {

namespace {

double rms(const std::vector<float>& x) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

}  // namespace

std::unique_ptr<Factorization> StemsFactorizer::factorize(const FactorizationInput& input,
                                                          const FrontEnd& front_end) const {
  require_audio_input(input, "stems");
  const auto& mix = checked_clip(input, front_end, "stems");
  const auto n = static_cast<int64_t>(mix.size());
  std::vector<WaveformFactorization::Source> sources;
  if (settings().source == StemSource::hpss) {
    HpssResult separated = hpss(mix, front_end.stft(), settings().hpss);
    sources.push_back({"harmonic", std::move(separated.harmonic)});
    sources.push_back({"percussive", std::move(separated.percussive)});
  } else {
    HEARSAY_CHECK_AS(ConfigError, !input.stems.empty(),
                     "stems: the input has no stems; give stem files (hearsay explain --stems DIR), use a dataset ",
                     "with true stems, or set \"source\": \"hpss\"");
    for (const auto& [name, stem] : input.stems) {
      HEARSAY_CHECK_AS(ShapeError, stem.channels() == 1 && stem.sample_rate() == front_end.sample_rate(),
                       "stems: stem '", name, "' must be mono at ", front_end.sample_rate(), " Hz like the mix (got ",
                       stem.channels(), " channels at ", stem.sample_rate(), " Hz)");
      const double mismatch = std::abs(static_cast<double>(stem.frames() - n)) / static_cast<double>(n);
      HEARSAY_CHECK_AS(ShapeError, mismatch <= settings().length_tolerance, "stems: stem '", name, "' has ",
                       stem.frames(), " samples, the mix ", n, " (more than ", settings().length_tolerance * 100,
                       " % apart)");
      sources.push_back({name, stem.fitted(n).samples()});
    }
  }
  std::vector<float> residual(mix);
  for (const auto& s : sources)
    for (int64_t k = 0; k < n; ++k) residual[static_cast<size_t>(k)] -= s.signal[static_cast<size_t>(k)];
  const double residual_db = 20.0 * std::log10(std::max(rms(residual), 1e-30) / std::max(rms(mix), 1e-30));
  if (settings().source == StemSource::given && settings().max_residual_db < 0.0) {
    char level[32];
    std::snprintf(level, sizeof level, "%.1f", residual_db);
    HEARSAY_CHECK_AS(ShapeError, residual_db <= settings().max_residual_db,
                     "stems: the stems do not add up to the mix: ", "mix minus stems is at ", level,
                     " dB re the mix (allowed: up to ", settings().max_residual_db,
                     " dB; stems of another recording, or at another gain?); to explain them anyway set ",
                     "\"max_residual_db\": 0 (hearsay explain --allow-residual)");
  }
  const bool as_component = settings().residual == ResidualMode::component ||
                            (settings().residual == ResidualMode::automatic && residual_db > settings().residual_db);
  std::vector<float> background;
  if (as_component) {
    for (const auto& s : sources)
      HEARSAY_CHECK_AS(ConfigError, s.name != "residual",
                       "stems: a stem is called 'residual', which names mix minus stems");
    sources.push_back({"residual", std::move(residual)});
  } else {
    background = std::move(residual);
  }
  auto boundaries = segment_boundaries(n, front_end.sample_rate(), settings().segments, settings().boundaries,
                                       front_end.options().hop_length);
  nlohmann::json used = options();
  used["residual_rms_db"] = residual_db;
  used["residual_is_component"] = as_component;
  return std::make_unique<WaveformFactorization>(front_end, std::move(sources), std::move(background),
                                                 std::move(boundaries), settings().fill, std::move(used));
}

}  // namespace hearsay::factorizations
