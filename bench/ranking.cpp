#include "bench/ranking.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "core/error.h"
#include "core/hash.h"
#include "core/random.h"

namespace hearsay::bench {

namespace {

// One number of a record: a metric's value (extra null) or one of its extras.
struct Column {
  const char* metric;
  const char* extra;
  bool higher_is_better;
  const char* label;
};

struct Family {
  const char* name;
  std::vector<Column> columns;  ///< the first with values in a group is the headline
};

// Data, so that a new metric joins a family with one line here.
const std::vector<Family>& families() {
  static const std::vector<Family> list{
      {"localisation",
       {{"localisation", nullptr, true, "rank accuracy"},
        {"localisation", "mass_accuracy", true, "mass accuracy"},
        {"localisation", "pointing_game", true, "pointing game"},
        {"ground_truth_rank", "hit_at_1", true, "cue first"}}},
      {"faithfulness",
       {{"fidelity", nullptr, true, "faithfulness r"},
        {"deletion", nullptr, false, "deletion AUC"},
        {"deletion", "insertion_auc", true, "insertion AUC"},
        {"deletion", "road_deletion_auc", false, "ROAD deletion AUC"}}},
      // Not infidelity: it is in the units of each method's scores (a logit map, a probability share),
      // so it ranks scales as much as faithfulness; results.csv has it.
      {"agreement", {{"agreement", nullptr, true, "Spearman to reference"}, {"agreement", "top1", true, "same top"}}},
      {"sanity",
       {{"sanity", nullptr, false, "similarity after randomisation"},
        {"sanity", "random_logit", false, "random-logit similarity"}}},
      {"stability",
       {{"sensitivity", nullptr, false, "max-sensitivity"},
        {"stability", nullptr, true, "seed Spearman"},
        {"granularity", nullptr, true, "granularity Spearman"}}},
      {"complexity",
       {{"complexity", nullptr, true, "Gini"}, {"complexity", "effective_components", false, "effective components"}}},
  };
  return list;
}

std::optional<double> value_of(const Record& r, const Column& c) {
  return c.extra ? r.metric_extra(c.metric, c.extra) : r.metric(c.metric);
}

std::string header_of(const Column& c) { return message(c.label, c.higher_is_better ? " ↑" : " ↓"); }

// Percentile of sorted values by linear interpolation between order statistics.
double quantile(const std::vector<double>& sorted, double p) {
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(at));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

uint64_t text_seed(const std::string& text) {
  Fnv1a64 hash;
  hash.add(text.data(), text.size());
  return hash.value();
}

// The records of one (study, factorization) group, by method in first-appearance order.
struct Group {
  std::string study, factorization;
  std::vector<std::string> methods;
  std::map<std::string, std::vector<const Record*>> by_method;
};

std::vector<Group> groups_of(const std::vector<Record>& records) {
  std::vector<Group> groups;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const Record& r : records) {
    if (!r.ok) continue;  // a failed job has no values; the summary table counts it
    const auto key = std::make_pair(r.field("study"), r.field("factorization"));
    const auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({key.first, key.second, {}, {}});
    Group& g = groups[it->second];
    const std::string method = r.field("method");
    if (!g.by_method.count(method)) g.methods.push_back(method);
    g.by_method[method].push_back(&r);
  }
  return groups;
}

std::string interval_text(const Interval& i) {
  if (i.n == 0) return "-";
  if (i.n == 1) return message(fixed(i.mean, 3), " (1 clip)");
  return message(fixed(i.mean, 3), " [", fixed(i.low, 3), ", ", fixed(i.high, 3), "]");
}

Interval column_interval(const Group& g, const std::string& method, const Column& c) {
  std::vector<double> values;
  for (const Record* r : g.by_method.at(method))
    if (const auto v = value_of(*r, c)) values.push_back(*v);
  return bootstrap_mean(values, text_seed(message(g.study, "\n", g.factorization, "\n", method, "\n", c.metric, "\n",
                                                  c.extra ? c.extra : "")));
}

Ranking family_ranking(const Group& g, const Family& family, const std::vector<const Column*>& shown) {
  const Column& headline = *shown.front();
  std::map<std::string, Interval> head;
  for (const auto& m : g.methods) head[m] = column_interval(g, m, headline);
  std::vector<std::string> order = g.methods;
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    const Interval &x = head[a], &y = head[b];
    if ((x.n > 0) != (y.n > 0)) return x.n > 0;
    if (x.n == 0) return false;
    return headline.higher_is_better ? x.mean > y.mean : x.mean < y.mean;
  });
  Ranking ranking{g.study, g.factorization, family.name, headline.label, headline.higher_is_better, {}, {}};
  Table& t = ranking.table;
  t.title = message(g.study, ", ", g.factorization, ": ", family.name);
  t.header = {"method", header_of(headline) + " [95 % CI]", "n"};
  for (size_t c = 1; c < shown.size(); ++c) t.header.push_back(header_of(*shown[c]));
  t.header.push_back("vs best");
  const Interval& best = head[order.front()];
  for (const auto& m : order) {
    const Interval& h = head[m];
    // One clip has no spread to compare: no verdict rather than one the data cannot carry.
    const char* verdict = h.n == 0                ? "-"
                          : m == order.front()    ? "best"
                          : h.n < 2 || best.n < 2 ? "?"
                          : h.disjoint(best)      ? "worse"
                                                  : "≈ best";
    ranking.methods.push_back({m, h, verdict});
    std::vector<std::string> cells{m, interval_text(h), message(h.n)};
    for (size_t c = 1; c < shown.size(); ++c) {
      const Interval i = column_interval(g, m, *shown[c]);
      cells.push_back(i.n ? fixed(i.mean, 3) : "-");
    }
    cells.push_back(verdict);
    t.rows.push_back(std::move(cells));
  }
  t.notes.push_back(message("Ranked by ", headline.label, " (", headline.higher_is_better ? "higher" : "lower",
                            " is better); intervals: percentile bootstrap over clips; \"worse\": the interval "
                            "does not overlap the best method's (\"?\": fewer than 2 clips)."));
  return ranking;
}

}  // namespace

Interval bootstrap_mean(const std::vector<double>& values, uint64_t seed, int resamples) {
  Interval result;
  result.n = values.size();
  if (values.empty()) return result;
  double sum = 0.0;
  for (double v : values) sum += v;
  result.mean = sum / static_cast<double>(values.size());
  result.low = result.high = result.mean;
  if (values.size() == 1) return result;
  HEARSAY_CHECK(resamples >= 2, "bootstrap_mean: resamples must be at least 2, got ", resamples);
  Rng rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  const auto last = static_cast<int64_t>(values.size()) - 1;
  for (double& m : means) {
    double s = 0.0;
    for (size_t k = 0; k < values.size(); ++k) s += values[static_cast<size_t>(rng.uniform_int(0, last))];
    m = s / static_cast<double>(values.size());
  }
  std::sort(means.begin(), means.end());
  result.low = quantile(means, 0.025);
  result.high = quantile(means, 0.975);
  return result;
}

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  for (const Family& f : families()) names.push_back(f.name);
  return names;
}

std::vector<Ranking> rankings(const std::vector<Record>& records) {
  std::vector<Ranking> out;
  for (const Group& g : groups_of(records))
    for (const Family& family : families()) {
      std::vector<const Column*> shown;
      for (const Column& c : family.columns) {
        bool any = false;
        for (const auto& [method, list] : g.by_method)
          for (const Record* r : list) any = any || value_of(*r, c).has_value();
        if (any) shown.push_back(&c);
      }
      if (!shown.empty()) out.push_back(family_ranking(g, family, shown));
    }
  return out;
}

std::vector<Table> ranking_tables(const std::vector<Record>& records) {
  std::vector<Table> tables;
  for (Ranking& r : rankings(records)) tables.push_back(std::move(r.table));
  return tables;
}

std::vector<Table> misled_tables(const std::vector<Record>& records) {
  std::vector<Table> tables;
  const Column hit{"ground_truth_rank", "hit_at_1", true, "cue first"};
  const Column rank{"ground_truth_rank", nullptr, false, "cue rank"};
  for (const Group& g : groups_of(records)) {
    Table t;
    t.title = message(g.study, ", ", g.factorization, ": misclassified clips with a known cue");
    t.header = {"method", "clips", "top component holds the cue", "mean cue rank"};
    for (const auto& m : g.methods) {
      size_t clips = 0, hits = 0;
      double ranks = 0.0;
      for (const Record* r : g.by_method.at(m)) {
        const std::string predicted = r->explanation.is_object() ? r->explanation.value("predicted", "") : "";
        const auto h = value_of(*r, hit);
        const auto k = value_of(*r, rank);
        if (!h || !k || predicted.empty() || predicted == r->field("label")) continue;
        ++clips;
        hits += *h > 0.5;
        ranks += *k;
      }
      if (clips)
        t.rows.push_back({m, message(clips), message(hits, "/", clips), fixed(ranks / static_cast<double>(clips), 2)});
    }
    if (t.rows.empty()) continue;
    t.notes.push_back(
        "The model's prediction is not the clip's label, and the clip carries a cue (on a shortcut set, the tone "
        "that fooled it): a method whose top component holds the cue shows why the model was wrong.");
    tables.push_back(std::move(t));
  }
  return tables;
}

std::vector<std::string> clip_accuracy_lines(const std::vector<Record>& records) {
  std::vector<std::string> studies;
  std::map<std::string, std::map<std::string, bool>> right;  // study -> clip -> predicted == label
  for (const Record& r : records) {
    if (!r.ok || !r.explanation.is_object()) continue;
    const std::string study = r.field("study"), label = r.field("label");
    const std::string predicted = r.explanation.value("predicted", "");
    if (label.empty() || predicted.empty()) continue;
    if (!right.count(study)) studies.push_back(study);
    right[study][r.field("clip")] = predicted == label;
  }
  std::vector<std::string> lines;
  for (const auto& study : studies) {
    size_t n = 0;
    for (const auto& [clip, ok] : right[study]) n += ok;
    lines.push_back(message(study, ": the model is right on ", n, " of ", right[study].size(), " explained clips"));
  }
  return lines;
}

}  // namespace hearsay::bench
