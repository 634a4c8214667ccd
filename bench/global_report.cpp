#include "bench/global_report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <tuple>

#include "core/error.h"

namespace hearsay::bench {

namespace {

const char* const kAxes[] = {"stem", "segment", "band"};

// Where a component sits, read from its name; an empty optional for a name without a position.
struct Position {
  std::string stem;     ///< "" when the name has no stem
  std::string segment;  ///< "t03", or ""
  std::string band;     ///< "f05", or ""
};

bool is_index(const std::string& part, char letter) {
  return part.size() >= 2 && part[0] == letter &&
         std::all_of(part.begin() + 1, part.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<Position> position_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) {
    if (is_index(name, 't')) return Position{"", name, ""};
    return std::nullopt;
  }
  const std::string head = name.substr(0, dot), tail = name.substr(dot + 1);
  if (is_index(tail, 'f') && is_index(head, 't')) return Position{"", head, tail};
  if (is_index(tail, 't') && !head.empty()) return Position{head, tail, ""};
  return std::nullopt;
}

// The entry of `p` on axis `a` (0 stem, 1 segment, 2 band); "" when the name has none there.
const std::string& entry_of(const Position& p, int a) { return a == 0 ? p.stem : a == 1 ? p.segment : p.band; }

// One clip's entries on one axis: name -> summed normalised score, in the order first met.
using ClipEntries = std::vector<std::pair<std::string, double>>;

// The clip's entries on each axis its names all have, or nothing (no position, no attribution).
std::optional<std::vector<std::optional<ClipEntries>>> clip_entries(const Record& r) {
  const auto names = r.explanation.at("names").get<std::vector<std::string>>();
  const auto scores = r.explanation.at("scores").get<std::vector<double>>();
  if (names.empty() || names.size() != scores.size()) return std::nullopt;
  double total = 0.0;
  for (double s : scores) total += std::abs(s);
  if (!(total > 0.0) || !std::isfinite(total)) return std::nullopt;
  std::vector<Position> positions;
  for (const auto& name : names) {
    auto p = position_of(name);
    if (!p) return std::nullopt;
    positions.push_back(*p);
  }
  std::vector<std::optional<ClipEntries>> axes(3);
  for (int a = 0; a < 3; ++a) {
    const bool all =
        std::all_of(positions.begin(), positions.end(), [&](const Position& p) { return !entry_of(p, a).empty(); });
    if (!all) continue;
    ClipEntries entries;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& key = entry_of(positions[i], a);
      auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == key; });
      if (it == entries.end()) it = entries.insert(entries.end(), {key, 0.0});
      it->second += scores[i] / total;
    }
    axes[static_cast<size_t>(a)] = std::move(entries);
  }
  return axes;
}

// Segments and bands in index order, stems as first met.
void order_entries(std::vector<std::string>& names, int axis) {
  if (axis == 0) return;
  std::stable_sort(names.begin(), names.end(), [](const std::string& x, const std::string& y) {
    return std::atol(x.c_str() + 1) < std::atol(y.c_str() + 1);
  });
}

GlobalGroup summarise(const std::string& axis_name, int axis, const std::vector<ClipEntries>& clips) {
  GlobalGroup g;
  g.axis = axis_name;
  g.clips = clips.size();
  std::vector<std::string> names;
  for (const auto& clip : clips)
    for (const auto& [name, value] : clip)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  order_entries(names, axis);
  std::map<std::string, std::vector<double>> values;
  std::map<std::string, size_t> tops;
  for (const auto& clip : clips) {
    for (const auto& [name, value] : clip) values[name].push_back(value);
    size_t best = 0;  // first on ties, in the group's entry order
    for (size_t i = 0; i < clip.size(); ++i) {
      const auto rank = [&](size_t k) { return std::find(names.begin(), names.end(), clip[k].first) - names.begin(); };
      if (clip[i].second > clip[best].second || (clip[i].second == clip[best].second && rank(i) < rank(best))) best = i;
    }
    ++tops[clip[best].first];
  }
  for (const auto& name : names) {
    const auto& v = values[name];
    GlobalEntry e;
    e.name = name;
    e.n = v.size();
    for (double x : v) e.mean += x;
    e.mean /= static_cast<double>(e.n);
    double squares = 0.0;
    for (double x : v) squares += (x - e.mean) * (x - e.mean);
    e.sd = e.n > 1 ? std::sqrt(squares / static_cast<double>(e.n - 1)) : 0.0;
    e.top_share = static_cast<double>(tops[name]) / static_cast<double>(clips.size());
    g.entries.push_back(std::move(e));
  }
  return g;
}

}  // namespace

nlohmann::json GlobalEntry::to_json() const {
  return {{"name", name}, {"mean", mean}, {"sd", sd}, {"n", n}, {"top_share", top_share}};
}

nlohmann::json GlobalGroup::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : entries) list.push_back(e.to_json());
  return {{"study", study},   {"factorization", factorization},
          {"method", method}, {"target", target},
          {"axis", axis},     {"clips", clips},
          {"entries", list}};
}

std::vector<GlobalGroup> global_groups(const std::vector<Record>& records) {
  using Key = std::tuple<std::string, std::string, std::string>;
  std::vector<Key> keys;                          // (study, factorization, method), first met
  std::vector<std::vector<std::string>> targets;  // per key, classes first met
  std::map<std::tuple<size_t, std::string, int>, std::vector<ClipEntries>> clips;  // (key, class, axis)
  for (const Record& r : records) {
    if (!r.ok || r.config.contains("adversarial") || !r.explanation.contains("names") ||
        !r.explanation.contains("scores") || !r.explanation.contains("target_name"))
      continue;
    const auto axes = clip_entries(r);
    if (!axes) continue;
    const Key key{r.field("study"), r.field("factorization"), r.field("method")};
    auto k = std::find(keys.begin(), keys.end(), key);
    if (k == keys.end()) {
      k = keys.insert(keys.end(), key);
      targets.emplace_back();
    }
    const auto index = static_cast<size_t>(k - keys.begin());
    const std::string target = r.explanation.at("target_name").get<std::string>();
    auto& known = targets[index];
    if (std::find(known.begin(), known.end(), target) == known.end()) known.push_back(target);
    for (int a = 0; a < 3; ++a)
      if ((*axes)[static_cast<size_t>(a)]) clips[{index, target, a}].push_back(*(*axes)[static_cast<size_t>(a)]);
  }
  std::vector<GlobalGroup> groups;
  for (size_t i = 0; i < keys.size(); ++i)
    for (const auto& target : targets[i])
      for (int a = 0; a < 3; ++a) {
        const auto it = clips.find({i, target, a});
        if (it == clips.end()) continue;
        GlobalGroup g = summarise(kAxes[a], a, it->second);
        std::tie(g.study, g.factorization, g.method) = keys[i];
        g.target = target;
        groups.push_back(std::move(g));
      }
  return groups;
}

std::vector<Table> global_tables(const std::vector<Record>& records) {
  const auto groups = global_groups(records);
  std::vector<Table> tables;
  std::vector<std::tuple<std::string, std::string, std::string>> order;
  for (const auto& g : groups) {
    const auto key = std::make_tuple(g.study, g.factorization, g.axis);
    if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
  }
  for (const auto& [study, factorization, axis] : order) {
    Table t;
    t.title = message("global explanations, ", study, ", ", factorization, ", per ", axis);
    std::vector<std::string> entries;
    for (const auto& g : groups)
      if (std::tie(g.study, g.factorization, g.axis) == std::tie(study, factorization, axis))
        for (const auto& e : g.entries)
          if (std::find(entries.begin(), entries.end(), e.name) == entries.end()) entries.push_back(e.name);
    order_entries(entries, axis == "stem" ? 0 : 1);
    t.header = {"method", "class", "clips"};
    t.header.insert(t.header.end(), entries.begin(), entries.end());
    t.header.push_back("largest most often");
    for (const auto& g : groups) {
      if (std::tie(g.study, g.factorization, g.axis) != std::tie(study, factorization, axis)) continue;
      std::vector<std::string> row{g.method, g.target, std::to_string(g.clips)};
      const GlobalEntry* top = nullptr;
      for (const auto& name : entries) {
        const auto e = std::find_if(g.entries.begin(), g.entries.end(), [&](const auto& x) { return x.name == name; });
        if (e == g.entries.end()) {
          row.push_back("–");
          continue;
        }
        row.push_back(fixed(e->mean, 2) + " ± " + fixed(e->sd, 2));
        if (!top || e->top_share > top->top_share) top = &*e;
      }
      row.push_back(top ? message(top->name, " (", fixed(100.0 * top->top_share, 0), " %)") : "–");
      t.rows.push_back(std::move(row));
    }
    t.notes = {
        "Each clip's scores are divided by their sum of absolute values (every clip weighs the same); an "
        "entry is the sum of the clip's normalised scores there, shown as mean ± sd over the clips explained "
        "for that class; the last column is the entry that is largest on the most clips, with their share."};
    tables.push_back(std::move(t));
  }
  return tables;
}

}  // namespace hearsay::bench
