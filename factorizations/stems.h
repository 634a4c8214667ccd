// `stems`: separated sources × time segments (audioLIME's factorization, Haunschmid et al., ISMIR
// 2020). Sources come from the input (the dataset's true stems, or user stem files produced offline by
// Demucs, Spleeter or Open-Unmix), or from harmonic/percussive separation. What the sources do not
// explain (mix − Σ stems) is the residual: a component of its own when it carries energy, otherwise
// kept in every composition, so that compose(all ones) is always the clip itself.
#pragma once

#include <vector>

#include "core/configured.h"
#include "factorizations/hpss.h"
#include "factorizations/waveform_factorization.h"

namespace hearsay::factorizations {

enum class StemSource { given, hpss };
enum class ResidualMode { automatic, component, keep };

struct StemsOptions {
  int segments = 10;                      ///< equal time segments per stem (ignored when `boundaries` is given)
  std::vector<double> boundaries;         ///< interior cut points in seconds
  StemSource source = StemSource::given;  ///< given: the input's stems; hpss: separate harmonic/percussive
  ResidualMode residual = ResidualMode::automatic;  ///< auto: a component when its RMS > residual_db re the mix
  double residual_db = -60.0;                       ///< threshold of the automatic residual rule
  double max_residual_db = -20.0;  ///< stems that leave more than this (RMS re the mix) unexplained are refused
  double length_tolerance = 0.01;  ///< stems up to this fraction longer/shorter than the mix are cut/padded
  HpssOptions hpss;                ///< settings of the hpss source
  WaveformBaselineOptions fill;    ///< baseline, noise_db, seed

  template <class V>
  void visit(V& v) {
    v("segments", segments, "equal time segments per stem", Range::between(1, 1000));
    v("boundaries", boundaries, "interior cut points in seconds (overrides segments)", Range::greater_than(0));
    v.choice("source", source, {{"given", StemSource::given}, {"hpss", StemSource::hpss}}, "where the stems come from");
    v.choice("residual", residual,
             {{"auto", ResidualMode::automatic}, {"component", ResidualMode::component}, {"keep", ResidualMode::keep}},
             "what to do with mix minus the stems");
    v("residual_db", residual_db, "RMS re the mix above which the residual becomes a component (auto)",
      Range::between(-200, 0));
    v("max_residual_db", max_residual_db,
      "stems must add up to the mix: a residual RMS above this re the mix is an error (stems of another "
      "recording, a wrong gain); 0 accepts any",
      Range::between(-200, 0));
    v("length_tolerance", length_tolerance, "relative length mismatch of stems that is cut or padded",
      Range::between(0, 0.5));
    v.nested("hpss", hpss, "harmonic/percussive separation settings");
    fill.visit(v);
  }
};

class StemsFactorizer : public Configured<Factorizer, StemsOptions> {
 public:
  explicit StemsFactorizer(const nlohmann::json& options) : Configured("stems", options) {}
  std::unique_ptr<Factorization> factorize(const FactorizationInput& input, const FrontEnd& front_end) const override;
};

}  // namespace hearsay::factorizations
