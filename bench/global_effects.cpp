#include "bench/global_effects.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>

#include "core/error.h"
#include "core/stft.h"

namespace hearsay::bench {

namespace {

using nlohmann::json;

const char* const kTempoReason =
    "the synthetic generator records each clip's tempo, but changing it means composing and rendering the clip "
    "again, which hearsay does not do; without an intervention there is no ALE";

double power(const Audio& a) {
  double sum = 0.0;
  for (float v : a.samples()) sum += static_cast<double>(v) * v;
  return sum;
}

// The clip's stems, fitted to the mix's length; ShapeError for one at another rate or channel count.
std::map<std::string, Audio> fitted_stems(const EffectClip& clip) {
  std::map<std::string, Audio> stems;
  for (const auto& [name, stem] : clip.stems) {
    HEARSAY_CHECK_AS(ShapeError, stem.channels() == 1 && stem.sample_rate() == clip.audio.sample_rate(), "clip '",
                     clip.id, "': stem '", name, "' must be mono at ", clip.audio.sample_rate(),
                     " Hz like the mix (got ", stem.channels(), " channels at ", stem.sample_rate(), " Hz)");
    stems[name] = stem.fitted(clip.audio.frames());
  }
  return stems;
}

// Mean power per STFT bin over the frames of `x` under `stft`.
std::vector<double> mean_power(const Stft& stft, const std::vector<float>& x) {
  const Matrix<Complex> spec = stft.forward(x.data(), static_cast<int64_t>(x.size()));
  std::vector<double> p(static_cast<size_t>(spec.cols()), 0.0);
  for (int64_t t = 0; t < spec.rows(); ++t)
    for (int64_t k = 0; k < spec.cols(); ++k) p[static_cast<size_t>(k)] += std::norm(spec(t, k));
  return p;
}

double centroid_of(const std::vector<double>& p, double bin_hz) {
  double weighted = 0.0, total = 0.0;
  for (size_t k = 0; k < p.size(); ++k) {
    weighted += static_cast<double>(k) * bin_hz * p[k];
    total += p[k];
  }
  HEARSAY_CHECK_AS(ShapeError, total > 0.0 && std::isfinite(total), "spectral centroid: the clip is silent");
  return weighted / total;
}

// Quantile edges (order statistics at k/K, duplicates merged).
std::vector<double> quantile_edges(std::vector<double> values, int bins) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  std::vector<double> edges{values.front()};
  for (int k = 1; k <= bins; ++k) {
    const auto at = static_cast<size_t>(std::ceil(k * n / bins)) - 1;
    const double z = values[std::min(at, values.size() - 1)];
    if (z > edges.back()) edges.push_back(z);
  }
  return edges;
}

// Bin k >= 1 of x: edges[k - 1] < x <= edges[k] (the lowest edge belongs to bin 1).
size_t bin_of(const std::vector<double>& edges, double x) {
  for (size_t k = 1; k < edges.size(); ++k)
    if (x <= edges[k]) return k;
  return edges.size() - 1;
}

// A descriptor: its clip values, how to move a clip to a value, and how to measure it back.
struct Descriptor {
  json head;  ///< name, kind, unit, intervention (and stem)
  std::function<double(const EffectClip&)> measure;
  std::function<EffectClip(const EffectClip&, double)> move;
};

json not_applicable(json head, const std::string& reason) {
  head["applicable"] = false;
  head["reason"] = reason;
  head.erase("unit");
  head.erase("intervention");
  return head;
}

json accumulated_effects(const models::Model& model, const std::vector<EffectClip>& clips, const Descriptor& d,
                         int bins, size_t& evaluations) {
  json out = d.head;
  json left_out = json::array(), values = json::array();
  std::vector<size_t> used;
  std::vector<double> x;
  for (size_t i = 0; i < clips.size(); ++i) {
    try {
      x.push_back(d.measure(clips[i]));
      used.push_back(i);
      values.push_back({{"clip", clips[i].id}, {"value", x.back()}});
    } catch (const Error& e) {
      left_out.push_back({{"clip", clips[i].id}, {"reason", e.what()}});
    }
  }
  if (used.size() < 2)
    return not_applicable(out, message("fewer than two clips have it (", used.size(), " of ", clips.size(), ")"));
  const std::vector<double> edges = quantile_edges(x, bins);
  if (edges.size() < 2) return not_applicable(out, message("every clip has the same value (", edges[0], ")"));
  // Each clip at the two edges of its bin; a clip no intervention can take there is left out.
  std::vector<Audio> inputs;
  std::vector<size_t> bin, kept;
  double landing = 0.0;
  for (size_t j = 0; j < used.size(); ++j) {
    const EffectClip& clip = clips[used[j]];
    const size_t k = bin_of(edges, x[j]);
    try {
      EffectClip low = d.move(clip, edges[k - 1]), high = d.move(clip, edges[k]);
      landing = std::max({landing, std::abs(d.measure(low) - edges[k - 1]), std::abs(d.measure(high) - edges[k])});
      inputs.push_back(std::move(low.audio));
      inputs.push_back(std::move(high.audio));
      bin.push_back(k);
      kept.push_back(j);
    } catch (const Error& e) {
      left_out.push_back({{"clip", clip.id}, {"reason", e.what()}});
    }
  }
  if (kept.size() < 2) return not_applicable(out, "fewer than two clips could be moved to their bin's edges");
  const Matrix<float> p = model.probabilities(inputs);
  evaluations += inputs.size();
  const auto K = edges.size() - 1;
  const auto classes = static_cast<size_t>(model.num_classes());
  std::vector<size_t> counts(K, 0);
  std::vector<std::vector<double>> delta(classes, std::vector<double>(K, 0.0));
  for (size_t m = 0; m < kept.size(); ++m) {
    ++counts[bin[m] - 1];
    for (size_t c = 0; c < classes; ++c)
      delta[c][bin[m] - 1] += static_cast<double>(p(static_cast<int64_t>(2 * m + 1), static_cast<int64_t>(c))) -
                              p(static_cast<int64_t>(2 * m), static_cast<int64_t>(c));
  }
  json curves = json::object();
  for (size_t c = 0; c < classes; ++c) {
    std::vector<double> g(K + 1, 0.0);
    for (size_t k = 1; k <= K; ++k) g[k] = g[k - 1] + (counts[k - 1] ? delta[c][k - 1] / counts[k - 1] : 0.0);
    // Centred: the curve, linear between edges, averages zero over the clips used.
    double mean = 0.0;
    for (size_t m = 0; m < kept.size(); ++m) {
      const size_t k = bin[m];
      const double t = (x[kept[m]] - edges[k - 1]) / (edges[k] - edges[k - 1]);
      mean += g[k - 1] + t * (g[k] - g[k - 1]);
    }
    mean /= static_cast<double>(kept.size());
    for (double& v : g) v -= mean;
    curves[model.class_names()[c]] = g;
  }
  out["applicable"] = true;
  out["values"] = values;
  out["edges"] = edges;
  out["counts"] = counts;
  out["clips_used"] = kept.size();
  out["left_out"] = left_out;
  out["curves"] = curves;
  out["landing_error"] = landing;
  return out;
}

// "0.12, 0.25, 0.40": a table cell.
std::string listed(const std::vector<double>& values, int decimals) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : ", ") + fixed(v, decimals);
  return text;
}

}  // namespace

double stem_share(const EffectClip& clip, const std::string& stem) {
  const auto stems = fitted_stems(clip);
  HEARSAY_CHECK_AS(ConfigError, stems.count(stem), "clip '", clip.id, "' has no stem '", stem, "'");
  double total = 0.0;
  for (const auto& [name, audio] : stems) total += power(audio);
  HEARSAY_CHECK_AS(ShapeError, total > 0.0, "clip '", clip.id, "': its stems are silent");
  return power(stems.at(stem)) / total;
}

EffectClip with_stem_share(const EffectClip& clip, const std::string& stem, double share) {
  HEARSAY_CHECK_AS(ConfigError, share >= 0.0 && share <= 1.0, "stem share ", share, " is outside [0, 1]");
  const auto stems = fitted_stems(clip);
  HEARSAY_CHECK_AS(ConfigError, stems.count(stem), "clip '", clip.id, "' has no stem '", stem, "'");
  const double own = power(stems.at(stem));
  double rest = 0.0;
  for (const auto& [name, audio] : stems)
    if (name != stem) rest += power(audio);
  // g² own / (g² own + rest) = share.
  HEARSAY_CHECK_AS(ShapeError,
                   (own > 0.0 || share == 0.0) && (rest > 0.0 || share == 1.0) && (share < 1.0 || rest == 0.0),
                   "clip '", clip.id, "': no gain of stem '", stem, "' gives it a share of ", share, " (its power ",
                   own, ", the other stems' ", rest, ")");
  const double gain = own > 0.0 && share < 1.0 ? std::sqrt(share * rest / ((1.0 - share) * own)) : 1.0;
  EffectClip out = clip;
  out.stems[stem] = stems.at(stem);
  out.stems[stem].scale(static_cast<float>(gain));
  const auto& s = stems.at(stem).samples();
  auto& mix = out.audio.samples();
  for (size_t k = 0; k < mix.size(); ++k) mix[k] += static_cast<float>((gain - 1.0) * s[k]);
  return out;
}

double spectral_centroid(const FrontEnd& front_end, const Audio& audio) {
  HEARSAY_CHECK_AS(ShapeError, audio.channels() == 1 && audio.sample_rate() == front_end.sample_rate(),
                   "spectral centroid: expects mono audio at ", front_end.sample_rate(), " Hz, got ", audio.channels(),
                   " channels at ", audio.sample_rate(), " Hz");
  const Stft& stft = front_end.stft();
  return centroid_of(mean_power(stft, audio.samples()), static_cast<double>(front_end.sample_rate()) / stft.n_fft());
}

Audio with_spectral_centroid(const FrontEnd& front_end, const Audio& audio, double hz) {
  const double original = spectral_centroid(front_end, audio);
  const Stft& stft = front_end.stft();
  const auto n = audio.frames();
  const Matrix<Complex> spec = stft.forward(audio.data(), n);
  const double rms = audio.rms();
  const auto tilted = [&](double alpha) {
    Matrix<Complex> s = spec;
    for (int64_t k = 0; k < s.cols(); ++k) {
      const double f = static_cast<double>(k) / static_cast<double>(s.cols() - 1);  // 0 .. Nyquist as 0 .. 1
      const auto amplitude = static_cast<float>(std::exp(0.5 * alpha * (f - 0.5)));
      for (int64_t t = 0; t < s.rows(); ++t) s(t, k) *= amplitude;
    }
    Audio out = Audio::mono(stft.inverse(s, n), audio.sample_rate());
    const double now = out.rms();
    if (now > 0.0) out.scale(static_cast<float>(rms / now));
    return out;
  };
  const double tolerance = 1e-4 * std::max(std::abs(hz), 1.0);
  if (std::abs(original - hz) <= tolerance) return audio;
  // The centroid grows with the tilt; ±40 spans about ±87 dB from band edge to band edge.
  double low = -40.0, high = 40.0;
  const double reach_low = spectral_centroid(front_end, tilted(low)),
               reach_high = spectral_centroid(front_end, tilted(high));
  HEARSAY_CHECK_AS(ShapeError, reach_low <= hz && hz <= reach_high,
                   "spectral centroid: a tilt moves this clip within [", reach_low, ", ", reach_high, "] Hz, not to ",
                   hz, " Hz");
  std::optional<Audio> best;
  double best_error = 0.0;
  for (int step = 0; step < 60; ++step) {
    const double alpha = 0.5 * (low + high);
    Audio candidate = tilted(alpha);
    const double c = spectral_centroid(front_end, candidate);
    if (!best || std::abs(c - hz) < best_error) {
      best_error = std::abs(c - hz);
      best = std::move(candidate);
    }
    if (best_error <= tolerance) break;
    (c < hz ? low : high) = alpha;
  }
  return *best;
}

json global_effects(const models::Model& model, const std::vector<EffectClip>& clips,
                    const GlobalEffectsOptions& options) {
  check_options(options, "global effects");
  HEARSAY_CHECK_AS(ConfigError, clips.size() >= 2, "global effects: need at least two clips, got ", clips.size());
  const FrontEnd& front_end = model.front_end();
  json ids = json::array();
  for (const auto& c : clips) {
    HEARSAY_CHECK_AS(ShapeError, c.audio.channels() == 1 && c.audio.sample_rate() == front_end.sample_rate(),
                     "global effects: clip '", c.id, "' must be mono at the model's ", front_end.sample_rate(),
                     " Hz (got ", c.audio.channels(), " channels at ", c.audio.sample_rate(), " Hz)");
    ids.push_back(c.id);
  }
  std::vector<Descriptor> descriptors;
  json descriptors_out = json::array();
  if (options.stem_shares) {
    std::vector<std::string> stems;
    for (const auto& c : clips)
      for (const auto& [name, audio] : c.stems)
        if (std::find(stems.begin(), stems.end(), name) == stems.end()) stems.push_back(name);
    if (stems.empty())
      descriptors_out.push_back(not_applicable(
          {{"name", "stem_shares"}, {"kind", "stem_share"}},
          "none of the clips has stems: stem shares need a dataset with true stems (hearsay synth's sets)"));
    for (const auto& stem : stems)
      descriptors.push_back(
          {{{"name", "share:" + stem},
            {"kind", "stem_share"},
            {"stem", stem},
            {"unit", "share of the stems' power"},
            {"intervention", "stem '" + stem + "' scaled alone (the other stems and mix minus stems unchanged)"}},
           [stem](const EffectClip& c) { return stem_share(c, stem); },
           [stem](const EffectClip& c, double v) { return with_stem_share(c, stem, v); }});
  }
  if (options.spectral_centroid)
    descriptors.push_back({{{"name", "spectral_centroid"},
                            {"kind", "spectral_centroid"},
                            {"unit", "Hz"},
                            {"intervention",
                             "spectral tilt of the STFT, power × exp(α (f / f_Nyquist − 1/2)), resynthesised and "
                             "brought back to the clip's RMS; α by bisection on the measured centroid"}},
                           [&front_end](const EffectClip& c) { return spectral_centroid(front_end, c.audio); },
                           [&front_end](const EffectClip& c, double v) {
                             return EffectClip{c.id, with_spectral_centroid(front_end, c.audio, v), {}};
                           }});
  size_t evaluations = 0;
  for (const auto& d : descriptors)
    descriptors_out.push_back(accumulated_effects(model, clips, d, options.bins, evaluations));
  descriptors_out.push_back(not_applicable({{"name", "tempo"}, {"kind", "tempo"}}, kTempoReason));
  return {{"method", "accumulated local effects (Apley & Zhu 2020)"},
          {"output", "probability"},
          {"model", model.name()},
          {"classes", model.class_names()},
          {"clips", ids},
          {"bins", options.bins},
          {"evaluations", evaluations},
          {"descriptors", descriptors_out}};
}

json study_global_effects(const PreparedStudy& prepared, const StudyConfig& study,
                          const std::vector<std::string>& clip_ids, const GlobalEffectsOptions& options) {
  const datasets::Dataset& dataset = *prepared.dataset;
  check_options(options, "global effects");
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < dataset.size(); ++i) index[dataset.info(i).id] = i;
  std::vector<std::string> ids = clip_ids;
  if (ids.empty())
    for (size_t i : prepared.clips) ids.push_back(dataset.info(i).id);
  if (options.max_clips > 0 && ids.size() > static_cast<size_t>(options.max_clips))
    ids.resize(static_cast<size_t>(options.max_clips));
  const int rate = prepared.model->front_end().sample_rate();
  const auto cut = [&](const Audio& a) { return study_excerpt(a, study.excerpt_start, study.excerpt_seconds, rate); };
  std::vector<EffectClip> clips;
  for (const auto& id : ids) {
    const auto it = index.find(id);
    HEARSAY_CHECK_AS(ConfigError, it != index.end(), "global effects: study '", study.name, "' has no clip '", id, "'");
    datasets::Example example = dataset.get(it->second);
    EffectClip clip{id, cut(example.audio), {}};
    for (const auto& [stem, audio] : example.stems) clip.stems[stem] = cut(audio);
    clips.push_back(std::move(clip));
  }
  json out = global_effects(*prepared.model, clips, options);
  out["study"] = study.name;
  return out;
}

std::vector<Table> global_effect_tables(const json& effects) {
  Table t;
  t.title = "global effects (ALE on class probabilities)";
  if (effects.contains("study")) t.title += ", " + effects.at("study").get<std::string>();
  t.header = {"descriptor", "class", "edges", "clips", "ALE at the edges", "span"};
  for (const auto& d : effects.at("descriptors")) {
    const std::string name = d.at("name").get<std::string>();
    if (!d.at("applicable").get<bool>()) {
      t.notes.push_back(name + ": not applicable: " + d.at("reason").get<std::string>());
      continue;
    }
    const auto edges = d.at("edges").get<std::vector<double>>();
    const int decimals = d.at("kind") == "spectral_centroid" ? 0 : 3;
    for (const auto& cls : effects.at("classes")) {
      const auto g = d.at("curves").at(cls.get<std::string>()).get<std::vector<double>>();
      const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
      t.rows.push_back({name, cls.get<std::string>(), listed(edges, decimals),
                        std::to_string(d.at("clips_used").get<size_t>()), listed(g, 3), fixed(*hi - *lo, 3)});
    }
  }
  t.notes.insert(t.notes.begin(),
                 "Accumulated local effects (Apley & Zhu 2020): each clip moved to the two edges of its quantile bin "
                 "of the descriptor by an intervention on its audio, the change in the class probability averaged per "
                 "bin, accumulated and centred over the clips; span = max − min of the curve.");
  return {t};
}

}  // namespace hearsay::bench
