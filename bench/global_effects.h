// Global effects of interpretable audio descriptors on the class probabilities: accumulated local
// effects (ALE; Apley & Zhu 2020, "Visualizing the effects of predictor variables in black box
// supervised learning models", JRSS B 82(4)), as the xai_for_audio study uses them (issue 15).
//
// ALE needs the model at the two edges of a descriptor's bin for each clip in the bin, with the rest of
// the clip unchanged: an intervention on the audio, not a look-up. So a descriptor takes part only where
// hearsay can move it alone:
// - stem share of stem s: share_s = rms(stem_s)² / Σ_stems rms², moved to a value by scaling stem s
//   alone (its gain solved in closed form); the new mix is the old mix with stem s scaled (what the
//   stems do not cover, mix minus stems, stays). Needs true stems (the synthetic sets).
// - spectral centroid (Hz) of the clip's power spectrum averaged over the frames of the model's own
//   front-end STFT: Σ f·P̄(f) / Σ P̄(f). Moved by a spectral tilt of the STFT, power × exp(α (f / f_Nyquist
//   − ½)), resynthesised by the inverse STFT and brought back to the clip's RMS (the tilt changes the
//   balance, not the loudness); α is found by bisection on the centroid measured on the resynthesised
//   clip, so the clip lands on the edge as the model's front-end sees it.
// - tempo: the synthetic generator records it, but changing it means composing and rendering the clip
//   again; hearsay does not, so it is reported as not applicable with that reason.
//
// Per descriptor: quantile bin edges over the clips (edges are order statistics, so no bin is empty),
// each clip's local effect f(upper edge) − f(lower edge) for every class probability, averaged per
// bin, accumulated from the lowest edge, then centred so that the curve (linear between edges)
// averages zero over the clips. Cost: two model inputs per clip and descriptor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/config.h"
#include "bench/study.h"
#include "bench/table.h"
#include "core/audio.h"
#include "core/front_end.h"
#include "core/options.h"
#include "models/model.h"

namespace hearsay::bench {

/// One clip as the model hears it, with its true stems when known.
struct EffectClip {
  std::string id;
  Audio audio;                         ///< mono at the model's sample rate
  std::map<std::string, Audio> stems;  ///< mono at the same rate, about as long; empty when unknown
};

struct GlobalEffectsOptions {
  int bins = 5;                   ///< quantile bins per descriptor, [1, 20]
  bool stem_shares = true;        ///< one descriptor per stem: its share of the stems' power
  bool spectral_centroid = true;  ///< the spectral centroid under the model's STFT
  /// study_global_effects: at most this many clips, the first in the order given (0: all), >= 0
  int max_clips = 8;

  template <class V>
  void visit(V& v) {
    v("bins", bins, "quantile bins of each descriptor over the clips", Range::between(1, 20));
    v("stem_shares", stem_shares, "ALE of each stem's share of the stems' power (needs true stems)");
    v("spectral_centroid", spectral_centroid, "ALE of the spectral centroid, moved by a spectral tilt");
    v("max_clips", max_clips, "at most this many of a study's clips, the first in order (0: all)", Range::at_least(0));
  }
};

/// Stem `stem`'s share of the power of all the clip's stems, in [0, 1]. ConfigError when the clip has
/// no such stem, ShapeError when its stems are silent.
double stem_share(const EffectClip& clip, const std::string& stem);
/// The clip with stem `stem` scaled so that its share is `share` (the other stems and mix minus stems
/// unchanged). ShapeError when no gain reaches it (a silent stem asked for a share above 0, a share
/// of 1 while other stems sound).
EffectClip with_stem_share(const EffectClip& clip, const std::string& stem, double share);

/// Spectral centroid in Hz of `audio` (mono, at the front-end's rate): the mean power spectrum of its
/// frames under front_end.stft(), Σ f P / Σ P. ShapeError for silence.
double spectral_centroid(const FrontEnd& front_end, const Audio& audio);
/// `audio` tilted (see above) so that spectral_centroid gives `hz` within 1e-4 relative; ShapeError
/// naming the reachable range when no tilt gets there.
Audio with_spectral_centroid(const FrontEnd& front_end, const Audio& audio, double hz);

/// ALE of each descriptor on each class probability of `model` over `clips` (at least two). JSON:
/// {"method", "output": "probability", "model", "classes", "clips": [ids], "bins", "evaluations" (model
///  inputs run), "descriptors": [
///    {"name" ("share:<stem>", "spectral_centroid", "tempo", or "stem_shares" when no clip has stems),
///     "kind" ("stem_share", "spectral_centroid", "tempo"), "applicable": bool,
///     when not applicable: "reason";
///     when applicable: "stem" (stem shares), "unit", "intervention", "values": [{"clip", "value"}],
///     "edges": [K + 1 values], "counts": [K clips per bin], "clips_used", "left_out": [{"clip", "reason"}],
///     "curves": {class: [K + 1 centred ALE values at the edges]}, "landing_error" (largest |descriptor
///     measured back − edge| over the edited clips)}]}.
/// A descriptor with fewer than two clips or one distinct value is not applicable, with the reason.
nlohmann::json global_effects(const models::Model& model, const std::vector<EffectClip>& clips,
                              const GlobalEffectsOptions& options = {});

/// global_effects on clips of a prepared study, loaded as the bench explains them (study.excerpt_start,
/// study.excerpt_seconds, mono, at the model's rate, stems cut alike), with "study" added. `clip_ids`
/// empty: the study's own clips (prepared.clips, whose classes take turns). Only the first
/// options.max_clips are loaded. ConfigError for an id the dataset lacks.
nlohmann::json study_global_effects(const PreparedStudy& prepared, const StudyConfig& study,
                                    const std::vector<std::string>& clip_ids, const GlobalEffectsOptions& options = {});

/// For summary.md: one table per JSON (a row per applicable descriptor and class: the bin edges, clips,
/// the centred curve at the edges and its span), descriptors not applicable in the notes with their reason.
std::vector<Table> global_effect_tables(const nlohmann::json& effects);

}  // namespace hearsay::bench
