#include "bench/adversarial_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bench/ranking.h"
#include "core/error.h"
#include "core/hash.h"
#include "metrics/rank_correlation.h"

namespace hearsay::bench {

namespace {

constexpr const char* kMetric = "adversarial_flip";

const nlohmann::json* flip_of(const Record& r) {
  if (!r.ok || !r.metric(kMetric)) return nullptr;
  return &r.metrics.at(kMetric);
}

std::optional<double> extra_number(const nlohmann::json& m, const char* key) {
  if (!m.contains("extra")) return std::nullopt;
  return json_number(m.at("extra"), key);
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

uint64_t seed_of(const std::string& text) {
  Fnv1a64 h;
  h.add(text.data(), text.size());
  return h.value();
}

std::string interval_cell(const Interval& i) {
  if (i.n == 0) return "-";
  if (i.n == 1) return fixed(i.mean, 2);
  return message(fixed(i.mean, 2), " [", fixed(i.low, 2), ", ", fixed(i.high, 2), "]");
}

// One (study, factorization) with adversarial_flip values: its records by method, in order.
struct FlipGroup {
  std::string study, factorization;
  std::vector<std::string> methods;
  std::map<std::string, std::vector<const Record*>> by_method;
  std::vector<const Record*> per_clip;  // one record per clip, for what does not depend on the method
  int top_k = 3;
};

std::vector<FlipGroup> flip_groups(const std::vector<Record>& records) {
  std::vector<FlipGroup> groups;
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::map<size_t, std::set<std::string>> clips;
  for (const Record& r : records) {
    const nlohmann::json* m = flip_of(r);
    if (!m) continue;
    const auto key = std::make_pair(r.field("study"), r.field("factorization"));
    const auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({key.first, key.second, {}, {}, {}, 3});
    FlipGroup& g = groups[it->second];
    if (const auto k = extra_number(*m, "top_k")) g.top_k = static_cast<int>(*k);
    const std::string method = r.field("method");
    if (!g.by_method.count(method)) g.methods.push_back(method);
    g.by_method[method].push_back(&r);
    if (clips[it->second].insert(r.field("clip")).second) g.per_clip.push_back(&r);
  }
  return groups;
}

Interval interval_over(const std::vector<const Record*>& rs, const std::string& seed,
                       const std::function<std::optional<double>(const Record&)>& value) {
  std::vector<double> v;
  for (const Record* r : rs)
    if (const auto x = value(*r)) v.push_back(*x);
  return bootstrap_mean(v, seed_of(seed));
}

std::string mean_cell(const std::vector<const Record*>& rs, const char* extra, int decimals = 2) {
  std::vector<double> v;
  for (const Record* r : rs)
    if (const auto x = extra_number(r->metrics.at(kMetric), extra)) v.push_back(*x);
  return v.empty() ? "-" : fixed(mean_of(v), decimals);
}

Table detection_table(const FlipGroup& g) {
  const bool partial = std::any_of(g.per_clip.begin(), g.per_clip.end(), [](const Record* r) {
    return extra_number(r->metrics.at(kMetric), "perturbed_count").has_value();
  });
  Table t;
  t.title = message(g.study, ", ", g.factorization, ": adversarial-flip detection (Praher et al. 2021)");
  t.header = {"method",
              message("top-", g.top_k, " flip ↑ [95 % CI]"),
              "n",
              "all positive: flip",
              "positive",
              "by norm, as many",
              "corr(R², flip)"};
  if (partial) {
    t.header.push_back("partial recall ↑");
    t.header.push_back("by norm");
  }
  std::map<std::string, Interval> head;
  for (const auto& m : g.methods)
    head[m] = interval_over(g.by_method.at(m), g.study + g.factorization + m,
                            [](const Record& r) { return r.metric(kMetric); });
  std::vector<std::string> order = g.methods;
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return head[a].mean > head[b].mean; });
  for (const auto& m : order) {
    const auto& rs = g.by_method.at(m);
    std::vector<double> r2, flip;
    for (const Record* r : rs)
      if (const auto fit = json_number(r->explanation, "r2")) {
        r2.push_back(*fit);
        flip.push_back(*r->metric(kMetric));
      }
    const auto corr = r2.size() >= 3 ? metrics::pearson(r2, flip) : std::nullopt;
    std::vector<std::string> row{m,
                                 interval_cell(head[m]),
                                 message(head[m].n),
                                 mean_cell(rs, "flip_positive"),
                                 mean_cell(rs, "positive_count", 1),
                                 mean_cell(rs, "oracle_flip_positive"),
                                 corr ? fixed(*corr, 2) : std::string("-")};
    if (partial) {
      row.push_back(mean_cell(rs, "recall"));
      row.push_back(mean_cell(rs, "oracle_recall"));
    }
    t.rows.push_back(std::move(row));
  }
  for (const auto& [label, extra] : {std::pair<const char*, const char*>{"norm oracle", "oracle_top_k"},
                                     std::pair<const char*, const char*>{"random components", "random_top_k"}}) {
    const Interval i = interval_over(g.per_clip, g.study + g.factorization + label,
                                     [&](const Record& r) { return extra_number(r.metrics.at(kMetric), extra); });
    std::vector<std::string> row{label, interval_cell(i), message(i.n), "-", "-", "-", "-"};
    if (partial) {
      row.push_back("-");
      row.push_back("-");
    }
    t.rows.push_back(std::move(row));
  }
  t.notes = {message("top-", g.top_k,
                     " flip: share of clips whose label returns to the adversarial one when the "
                     "perturbation is put back on the method's ",
                     g.top_k, " top components only (the norm oracle: on the ", g.top_k,
                     " components where it has most energy; random: on ", g.top_k, " random components)"),
             "all positive: the same with every positively scored component (positive: their mean count); by norm, as "
             "many: as many components chosen by the perturbation's energy",
             "corr(R², flip): Pearson correlation over clips of the surrogate's fit with detection (- where the method "
             "has no surrogate or either side has no spread)"};
  if (partial)
    t.notes.push_back(
        "partial recall: share of the perturbed components among the method's top |perturbed| (by norm: the "
        "oracle's)");
  return t;
}

Table curve_table(const FlipGroup& g) {
  size_t k_max = 0;
  for (const Record* r : g.per_clip) k_max = std::max(k_max, r->metrics.at(kMetric).at("curve").size());
  Table t;
  t.title = message(g.study, ", ", g.factorization, ": flip rate against k components");
  t.header = {"method"};
  for (size_t k = 1; k <= k_max; ++k) t.header.push_back(message("k=", k));
  auto row_of = [&](const std::string& label, const std::vector<const Record*>& rs, const char* extra) {
    std::vector<std::string> row{label};
    for (size_t k = 0; k < k_max; ++k) {
      std::vector<double> v;
      for (const Record* r : rs) {
        const nlohmann::json& m = r->metrics.at(kMetric);
        const nlohmann::json& curve = extra ? m.at("extra").at(extra) : m.at("curve");
        if (k < curve.size() && curve[k].is_number()) v.push_back(curve[k].get<double>());
      }
      row.push_back(v.empty() ? "-" : fixed(mean_of(v), 2));
    }
    t.rows.push_back(std::move(row));
  };
  for (const auto& m : g.methods) row_of(m, g.by_method.at(m), nullptr);
  row_of("norm oracle", g.per_clip, "oracle_curve");
  row_of("random components", g.per_clip, "random_curve");
  t.notes = {
      "share of clips whose label returns to the adversarial one with the perturbation on the top k "
      "components"};
  return t;
}

}  // namespace

std::vector<std::string> attack_lines(const std::vector<Record>& records) {
  struct Tally {
    std::string domain;
    std::set<std::string> clips;
    int changed = 0;
    std::vector<double> snr, steps;
  };
  std::vector<std::string> order;
  std::map<std::string, Tally> by_study;
  for (const Record& r : records) {
    if (!r.ok || !r.explanation.contains("attack")) continue;
    const std::string study = r.field("study");
    if (!by_study.count(study)) order.push_back(study);
    Tally& t = by_study[study];
    if (!t.clips.insert(r.field("clip")).second) continue;
    const nlohmann::json& a = r.explanation.at("attack");
    t.domain = a.value("domain", std::string());
    if (a.value("success", false)) {
      ++t.changed;
      t.snr.push_back(a.value("snr_db", 0.0));
      t.steps.push_back(a.value("iterations", 0.0));
    }
  }
  std::vector<std::string> lines;
  for (const auto& study : order) {
    const Tally& t = by_study[study];
    std::string line =
        message(study, " (", t.domain, " attack): the label changed on ", t.changed, " of ", t.clips.size(), " clips");
    if (t.changed)
      line += message("; SNR ", fixed(mean_of(t.snr), 1), " dB and ", fixed(mean_of(t.steps), 0),
                      " steps on average where it did");
    lines.push_back(line);
  }
  return lines;
}

std::vector<Table> adversarial_tables(const std::vector<Record>& records) {
  std::vector<Table> tables;
  for (const FlipGroup& g : flip_groups(records)) {
    tables.push_back(detection_table(g));
    tables.push_back(curve_table(g));
  }
  return tables;
}

}  // namespace hearsay::bench
