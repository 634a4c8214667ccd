#include "bench/html_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "bench/adversarial_report.h"
#include "bench/chartjs.h"
#include "bench/global_effects.h"
#include "bench/global_report.h"
#include "bench/ranking.h"
#include "bench/table.h"
#include "core/error.h"
#include "core/file_io.h"
#include "metrics/rank_correlation.h"

namespace hearsay::bench {

namespace fs = std::filesystem;

namespace {

// Tableau 10: distinguishable, colour-blind-aware, and printable.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr const char* kReferenceColour = "#555555";

// One (study, factorization) of the run, its methods and its records in plan order.
struct Group {
  std::string study, factorization;
  std::vector<std::string> methods;
  std::vector<const Record*> records;  ///< ok ones
  std::string title() const { return study + ", " + factorization; }
};

class Page {
 public:
  Page(std::string dir, const std::vector<Record>& records, const HtmlReportOptions& options)
      : dir_(std::move(dir)), records_(records), options_(options), rankings_(rankings(records)) {
    const fs::path run_file = fs::path(dir_) / "run.json";
    std::error_code ec;
    if (fs::exists(run_file, ec)) run_ = read_json_file(run_file.string());
    std::map<std::pair<std::string, std::string>, size_t> index;
    for (const Record& r : records_) {
      if (!r.ok) continue;
      const std::string method = r.field("method");
      if (std::find(methods_.begin(), methods_.end(), method) == methods_.end()) methods_.push_back(method);
      const auto key = std::make_pair(r.field("study"), r.field("factorization"));
      const auto [it, inserted] = index.emplace(key, groups_.size());
      if (inserted) groups_.push_back({key.first, key.second, {}, {}});
      Group& g = groups_[it->second];
      if (std::find(g.methods.begin(), g.methods.end(), method) == g.methods.end()) g.methods.push_back(method);
      g.records.push_back(&r);
    }
  }

  std::string render() {
    std::vector<std::pair<std::string, std::string>> sections;  // id, title
    std::ostringstream body;
    auto add = [&](const char* id, const char* title, const std::string& html) {
      if (html.empty()) return;
      sections.push_back({id, title});
      body << "<section id=\"" << id << "\">\n<h2>" << title << "</h2>\n" << html << "</section>\n";
    };
    add("overview", "What was compared", overview());
    add("ranking", "Which method to trust, per metric family", ranking());
    add("cost", "Cost against quality", cost());
    add("curves", "Deletion and insertion curves", curves());
    add("agreement", "Agreement between methods", agreement());
    add("adversarial", "Adversarial-flip detection", adversarial());
    add("trust", "Sanity and stability", trust());
    add("global", "Global explanations per class", global());
    add("clips", "Clips", clips());
    add("failures", "Failed jobs", failures());

    std::ostringstream page;
    page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; img-src data:; media-src 'self' file: data:\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<title>hearsay report: " << html_escape(study_names()) << "</title>\n<style>\n"
         << kStyle << "</style>\n</head>\n<body>\n<header><h1>hearsay benchmark report</h1>\n<nav>";
    for (const auto& [id, title] : sections) page << "<a href=\"#" << id << "\">" << html_escape(title) << "</a>";
    page << "</nav></header>\n<main>\n" << body.str() << "</main>\n";
    page << "<script>\n" << chartjs_source() << "\n</script>\n";
    // JSON inside a script element: "</" must not close it.
    std::string data =
        nlohmann::json{{"charts", charts_}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 3)) data.insert(at + 1, "\\");
    page << "<script type=\"application/json\" id=\"report-data\">" << data << "</script>\n<script>\n"
         << kScript << "</script>\n</body>\n</html>\n";
    return page.str();
  }

 private:
  static const char* const kStyle;
  static const char* const kScript;

  // ---------------------------------------------------------------------------------------------
  // Building blocks.

  std::string colour(const std::string& method) const {
    const auto it = std::find(methods_.begin(), methods_.end(), method);
    return kPalette[static_cast<size_t>(it - methods_.begin()) % std::size(kPalette)];
  }

  /// A canvas for `config` (a Chart.js configuration); the script draws it.
  /// `extra` goes beside the configuration: {"choices": {name: datasets}, "choice": name} gives the chart a
  /// menu that swaps its datasets.
  std::string chart(nlohmann::json config, const std::string& caption, const char* size = "",
                    const nlohmann::json& extra = nlohmann::json::object()) {
    const std::string id = "chart" + std::to_string(charts_.size());
    nlohmann::json entry = {{"id", id}, {"config", std::move(config)}};
    entry.update(extra);
    charts_.push_back(std::move(entry));
    return message("<figure class=\"chart ", size, "\"><div class=\"canvas\"><canvas id=\"", id,
                   "\"></canvas></div><figcaption>", html_escape(caption), "</figcaption></figure>\n");
  }

  /// Lines over x = 1, 2, ..., `points`.
  std::string counted_chart(const nlohmann::json& datasets, size_t points, const nlohmann::json& x,
                            const nlohmann::json& y, const std::string& caption) {
    nlohmann::json labels = nlohmann::json::array();
    for (size_t k = 1; k <= points; ++k) labels.push_back(k);
    return chart({{"type", "line"},
                  {"data", {{"labels", labels}, {"datasets", datasets}}},
                  {"options", {{"scales", {{"x", x}, {"y", y}}}}}},
                 caption);
  }

  static nlohmann::json axis(const std::string& title, const char* type = "linear") {
    return {{"type", type}, {"title", {{"display", true}, {"text", title}}}};
  }

  /// A table of text cells; `cell_class(row, column)` gives a CSS class for a cell ("" for none).
  template <class CellClass>
  static std::string table_html(const Table& t, CellClass cell_class, bool with_title = true) {
    std::ostringstream out;
    if (with_title && !t.title.empty()) out << "<h3>" << html_escape(t.title) << "</h3>\n";
    out << "<div class=\"scroll\"><table>\n<thead><tr>";
    for (const auto& h : t.header) out << "<th>" << html_escape(h) << "</th>";
    out << "</tr></thead>\n<tbody>\n";
    for (size_t r = 0; r < t.rows.size(); ++r) {
      out << "<tr>";
      for (size_t c = 0; c < t.rows[r].size(); ++c) {
        const std::string cls = cell_class(r, c);
        out << (c == 0 ? "<th scope=\"row\"" : "<td") << (cls.empty() ? "" : " class=\"" + cls + "\"") << ">"
            << html_escape(t.rows[r][c]) << (c == 0 ? "</th>" : "</td>");
      }
      out << "</tr>\n";
    }
    out << "</tbody></table></div>\n";
    for (const auto& note : t.notes) out << "<p class=\"note\">" << html_escape(note) << "</p>\n";
    return out.str();
  }
  static std::string table_html(const Table& t) {
    return table_html(t, [](size_t, size_t) { return std::string(); });
  }

  std::string study_names() const {
    std::vector<std::string> names;
    for (const auto& s : run_.value("studies", nlohmann::json::array()))
      if (s.is_object()) names.push_back(s.value("name", std::string()));
    std::string text;
    for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    return text;
  }

  static std::string verdict_class(const std::string& verdict) {
    if (verdict == "best") return "best";
    if (verdict == "≈ best") return "near";
    if (verdict == "worse") return "worse";
    return "";
  }

  // ---------------------------------------------------------------------------------------------
  // The sections. Each returns "" when the run has nothing for it.

  std::string overview() const {
    std::ostringstream out;
    size_t failed = 0;
    double job_seconds = 0.0;
    std::set<std::string> clips;
    for (const Record& r : records_) {
      failed += r.ok ? 0 : 1;
      job_seconds += json_number(r.cost, "seconds").value_or(0.0);
      for (const auto& [name, m] : r.metrics.items()) job_seconds += json_number(m, "seconds").value_or(0.0);
      clips.insert(r.field("study") + "\n" + r.field("clip"));
    }
    const nlohmann::json machine = run_.value("machine", nlohmann::json::object());
    out << "<p class=\"lead\">" << records_.size() << " jobs (" << failed << " failed) over " << clips.size()
        << " clips; " << methods_.size() << " methods: " << html_escape(list_text(methods_))
        << ".</p>\n<ul class=\"facts\">";
    const nlohmann::json config = run_.value("config", nlohmann::json::object());
    if (config.contains("seed")) out << "<li>seed " << html_escape(config["seed"].dump()) << "</li>";
    if (run_.contains("hearsay")) out << "<li>hearsay " << html_escape(run_.value("hearsay", "")) << "</li>";
    if (!machine.empty())
      out << "<li>" << html_escape(machine.value("cpu", std::string("unknown CPU"))) << ", "
          << machine.value("threads", 0) << " of " << machine.value("hardware_threads", 0) << " threads</li>";
    out << "<li>job time " << html_escape(duration_text(job_seconds)) << " (methods and metrics, summed)</li>";
    if (const auto wall = json_number(run_, "wall_seconds"))
      out << "<li>wall time " << html_escape(duration_text(*wall))
          << " (the last invocation, preparation included)</li>";
    out << "</ul>\n";

    Table t;
    t.header = {"study", "dataset", "classes", "clips", "model", "test accuracy", "factorizations", "methods"};
    for (const auto& s : run_.value("studies", nlohmann::json::array())) {
      if (!s.is_object()) continue;
      const std::string name = s.value("name", std::string());
      std::vector<std::string> factorizations, methods;
      for (const Record& r : records_)
        if (r.field("study") == name) {
          add_unique(factorizations, r.field("factorization"));
          add_unique(methods, r.field("method"));
        }
      std::string accuracy = "unknown";
      if (!s.value("model_study", std::string()).empty())
        accuracy = "study " + s.value("model_study", std::string()) + "'s model";
      else if (const auto a = json_number(s, "test_accuracy"))
        accuracy = fixed(100.0 * *a, 1) + " %";
      const std::string dataset = s.contains("dataset") && s["dataset"].is_string()
                                      ? fs::path(s["dataset"].get<std::string>()).filename().string()
                                      : "";
      t.rows.push_back({name, dataset, message(s.value("classes", nlohmann::json::array()).size()),
                        message(s.value("clips", nlohmann::json::array()).size()), s.value("model_name", std::string()),
                        accuracy, list_text(factorizations), message(methods.size())});
    }
    out << table_html(t);
    return out.str();
  }

  // Per family, methods × (study, factorization): the headline mean and its interval, marked by verdict.
  std::string ranking() const {
    const std::vector<Ranking>& all = rankings_;
    if (all.empty()) return "";
    std::ostringstream out;
    out << "<p>Each cell: the mean over clips of the family's headline metric and its 95 % bootstrap interval. "
           "<span class=\"best\">best</span> · <span class=\"near\">not distinguishable from the best</span> "
           "(intervals overlap) · <span class=\"worse\">worse</span> (disjoint) · unmarked: fewer than 2 clips.</p>\n";
    // In the order rankings() knows them (ground truth first), whichever group has them first.
    std::vector<std::string> families;
    for (const std::string& family : family_names())
      if (std::any_of(all.begin(), all.end(), [&](const Ranking& r) { return r.family == family; }))
        families.push_back(family);
    for (const std::string& family : families) {
      std::vector<const Ranking*> columns;
      std::vector<std::string> methods;
      for (const Ranking& r : all)
        if (r.family == family) {
          columns.push_back(&r);
          for (const auto& m : r.methods) add_unique(methods, m.method);
        }
      Table t;
      t.title = family;
      t.header = {"method"};
      for (const Ranking* r : columns)
        t.header.push_back(
            message(r->study, ", ", r->factorization, ": ", r->metric, r->higher_is_better ? " ↑" : " ↓"));
      std::vector<std::vector<std::string>> classes;
      for (const std::string& m : methods) {
        std::vector<std::string> row{m}, cls{""};
        for (const Ranking* r : columns) {
          const auto it =
              std::find_if(r->methods.begin(), r->methods.end(), [&](const RankedMethod& x) { return x.method == m; });
          if (it == r->methods.end() || it->headline.n == 0) {
            row.push_back("–");
            cls.push_back("");
            continue;
          }
          const Interval& i = it->headline;
          row.push_back(i.n < 2 ? message(fixed(i.mean, 3), " (1 clip)")
                                : message(fixed(i.mean, 3), " [", fixed(i.low, 3), ", ", fixed(i.high, 3), "]"));
          cls.push_back(verdict_class(it->verdict));
        }
        t.rows.push_back(std::move(row));
        classes.push_back(std::move(cls));
      }
      out << table_html(t, [&](size_t r, size_t c) { return classes[r][c]; });
    }
    return out.str();
  }

  std::string cost() {
    const std::vector<SummaryRow> rows = summarize(records_);
    if (rows.empty()) return "";
    std::ostringstream out;
    out << "<p>Mean seconds per explanation (log scale) against the group's quality measures; one point per "
           "method. Click a legend entry to hide a method.</p>\n<div class=\"grid\">\n";
    // The quality axes, where a group has them: ground truth first, then faithfulness.
    const std::pair<const char*, const char*> qualities[] = {{"localisation", "localisation (rank accuracy) ↑"},
                                                             {"fidelity", "faithfulness correlation ↑"},
                                                             {"agreement", "Spearman to the reference ↑"}};
    for (const Group& g : groups_)
      for (const auto& [metric, label] : qualities) {
        nlohmann::json datasets = nlohmann::json::array();
        for (const SummaryRow& row : rows) {
          if (row.study != g.study || row.factorization != g.factorization) continue;
          const auto it = row.metrics.find(metric);
          if (it == row.metrics.end() || it->second.second == 0 || row.mean_seconds <= 0.0) continue;
          datasets.push_back({{"label", row.method},
                              {"data", {{{"x", row.mean_seconds}, {"y", it->second.first}}}},
                              {"backgroundColor", colour(row.method)},
                              {"borderColor", colour(row.method)},
                              {"pointRadius", 6},
                              {"evals", row.mean_evals}});
        }
        if (datasets.empty()) continue;
        out << chart(
            {{"type", "scatter"},
             {"data", {{"datasets", datasets}}},
             {"options", {{"scales", {{"x", axis("seconds per explanation", "logarithmic")}, {"y", axis(label)}}}}}},
            g.title() + ": " + label);
      }
    out << "</div>\n<details><summary>Cost table</summary>\n";
    for (const Table& t : summary_tables(rows, "R²")) out << table_html(t);
    out << "</details>\n";
    return out.str();
  }

  // Mean curve of `key` per method over the group's clips, resampled to 21 points on [0, 1].
  static std::vector<double> resampled(const std::vector<double>& curve, size_t points = 21) {
    std::vector<double> out(points, 0.0);
    if (curve.size() < 2) return out;
    for (size_t i = 0; i < points; ++i) {
      const double at =
          static_cast<double>(i) / static_cast<double>(points - 1) * static_cast<double>(curve.size() - 1);
      const auto k = std::min(static_cast<size_t>(at), curve.size() - 2);
      out[i] = curve[k] + (at - static_cast<double>(k)) * (curve[k + 1] - curve[k]);
    }
    return out;
  }

  static std::vector<double> curve_of(const nlohmann::json& metric, const char* extra) {
    const nlohmann::json& j = extra ? metric.value("extra", nlohmann::json::object()).value(extra, nlohmann::json())
                                    : metric.value("curve", nlohmann::json());
    std::vector<double> out;
    if (!j.is_array()) return out;
    for (const auto& v : j)
      if (v.is_number()) out.push_back(v.get<double>());
    return out.size() == j.size() ? out : std::vector<double>{};
  }

  /// One method's curves over the group's clips: a metric's "curve" (`extra` null) or one of its extras;
  /// with `need_value`, only where the metric has a value (an adversarial flip where the attack worked).
  static std::vector<std::vector<double>> curves_of(const Group& g, const std::string& method, const char* metric,
                                                    const char* extra, bool need_value = false) {
    std::vector<std::vector<double>> out;
    for (const Record* r : g.records) {
      if (r->field("method") != method || !r->metrics.contains(metric)) continue;
      const nlohmann::json& m = r->metrics[metric];
      if (need_value && !m.value("value", nlohmann::json()).is_number()) continue;
      std::vector<double> c = curve_of(m, extra);
      if (!c.empty()) out.push_back(std::move(c));
    }
    return out;
  }

  /// The pointwise mean of the curves as long as the first (a curve of another length is left out).
  static std::vector<double> mean_of(const std::vector<std::vector<double>>& curves) {
    if (curves.empty()) return {};
    std::vector<double> sum(curves.front().size(), 0.0);
    size_t n = 0;
    for (const auto& c : curves) {
      if (c.size() != sum.size()) continue;
      for (size_t i = 0; i < c.size(); ++i) sum[i] += c[i];
      ++n;
    }
    for (double& v : sum) v /= static_cast<double>(n);
    return sum;
  }

  static double quantile_of(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const double at = p * static_cast<double>(v.size() - 1);
    const auto k = static_cast<size_t>(at);
    return k + 1 < v.size() ? v[k] + (at - static_cast<double>(k)) * (v[k + 1] - v[k]) : v[k];
  }

  std::string curves() {
    std::ostringstream out;
    // The curve (null: the metric's own), its random and ideal references, and what it shows.
    const std::tuple<const char*, const char*, const char*, const char*> kinds[] = {
        {nullptr, "ideal_deletion_curve", "random_deletion_curve",
         "deletion: output as the top components are removed ↓"},
        {"insertion_curve", "ideal_insertion_curve", "random_insertion_curve",
         "insertion: output as the top components are restored ↑"}};
    for (const Group& g : groups_)
      for (const auto& [own, ideal, random, label] : kinds) {
        nlohmann::json datasets = nlohmann::json::array();
        for (const std::string& m : g.methods) {
          std::vector<std::vector<double>> own_curves;
          for (const auto& c : curves_of(g, m, "deletion", own)) own_curves.push_back(resampled(c));
          if (!own_curves.empty()) datasets.push_back(line(m, mean_of(own_curves), colour(m)));
        }
        // Every method of a clip shares its random orders and the ideal (exact Shapley's) order: the first
        // method's records carry them.
        std::vector<std::vector<double>> randoms, ideals;
        for (const auto& c : curves_of(g, g.methods.front(), "deletion", random)) randoms.push_back(resampled(c));
        for (const auto& c : curves_of(g, g.methods.front(), "deletion", ideal)) ideals.push_back(resampled(c));
        if (!datasets.empty() && !ideals.empty()) {
          nlohmann::json d = line("ideal (exact Shapley's order)", mean_of(ideals), "#000000");
          d["borderDash"] = {2, 3};
          datasets.push_back(d);
        }
        if (datasets.empty()) continue;
        if (!randoms.empty()) {
          std::vector<double> low(21), mean(21, 0.0), high(21);
          for (size_t i = 0; i < 21; ++i) {
            std::vector<double> at;
            for (const auto& rc : randoms) at.push_back(rc[i]);
            low[i] = quantile_of(at, 0.025);
            high[i] = quantile_of(at, 0.975);
            for (double v : at) mean[i] += v / static_cast<double>(at.size());
          }
          nlohmann::json band_low = line("random, 2.5 % of clips", low, kReferenceColour);
          band_low["borderWidth"] = 0;
          band_low["band"] = true;
          nlohmann::json band_high = line("random, 97.5 % of clips", high, kReferenceColour);
          band_high["borderWidth"] = 0;
          band_high["fill"] = "-1";
          band_high["backgroundColor"] = "rgba(85,85,85,0.15)";
          band_high["band"] = true;
          nlohmann::json random_mean = line("random order", mean, kReferenceColour);
          random_mean["borderDash"] = {6, 4};
          datasets.push_back(random_mean);
          datasets.push_back(band_low);
          datasets.push_back(band_high);
        }
        nlohmann::json labels = nlohmann::json::array();
        for (int i = 0; i <= 20; ++i) labels.push_back(fixed(i / 20.0, 2));
        out << chart(
            {{"type", "line"},
             {"data", {{"labels", labels}, {"datasets", datasets}}},
             {"options", {{"scales", {{"x", axis("fraction of components")}, {"y", axis("output explained")}}}}}},
            g.title() + ", " + label);
      }
    const std::string charts = out.str();
    if (charts.empty()) return "";
    return "<p>Mean over clips, components in each method's order (MoRF); the grey band is the spread over clips "
           "of the random-order reference (dashed: its mean).</p>\n<div class=\"grid\">\n" +
           charts + "</div>\n";
  }

  static nlohmann::json line(const std::string& label, const std::vector<double>& values, const std::string& colour) {
    return {{"label", label},   {"data", values},   {"borderColor", colour}, {"backgroundColor", colour},
            {"pointRadius", 0}, {"borderWidth", 2}, {"fill", false},         {"tension", 0}};
  }

  // Mean Spearman between every two methods' scores on the same clips.
  std::string agreement() const {
    std::ostringstream out;
    for (const Group& g : groups_) {
      if (g.methods.size() < 2) continue;
      std::map<std::string, std::map<std::string, const Record*>> by_clip;  // clip -> method -> record
      for (const Record* r : g.records) by_clip[r->field("clip")].emplace(r->field("method"), r);
      Table t;
      t.title = g.title();
      t.header = {"method"};
      for (const auto& m : g.methods) t.header.push_back(m);
      std::vector<std::vector<std::string>> classes;
      for (const auto& a : g.methods) {
        std::vector<std::string> row{a}, cls{""};
        for (const auto& b : g.methods) {
          double sum = 0.0;
          size_t n = 0;
          for (const auto& [clip, methods] : by_clip) {
            const auto x = methods.find(a), y = methods.find(b);
            if (x == methods.end() || y == methods.end()) continue;
            const auto rho = metrics::spearman(scores_of(*x->second), scores_of(*y->second));
            if (!rho) continue;
            sum += *rho;
            ++n;
          }
          if (n == 0) {
            row.push_back("–");
            cls.push_back("");
            continue;
          }
          const double mean = sum / static_cast<double>(n);
          row.push_back(fixed(mean, 2));
          cls.push_back(message("r", std::clamp(static_cast<int>(std::lround(mean * 4.0)), -4, 4) + 4));
        }
        t.rows.push_back(std::move(row));
        classes.push_back(std::move(cls));
      }
      out << table_html(t, [&](size_t r, size_t c) { return classes[r][c]; });
    }
    const std::string tables = out.str();
    if (tables.empty()) return "";
    return "<p>Spearman rank correlation of two methods' component scores on the same clip, averaged over the "
           "clips both explained (1: the same ranking; 0: unrelated; −1: reversed).</p>\n" +
           tables;
  }

  static std::vector<double> scores_of(const Record& r) {
    std::vector<double> out;
    for (const auto& v : r.explanation.value("scores", nlohmann::json::array()))
      out.push_back(v.is_number() ? v.get<double>() : 0.0);
    return out;
  }

  std::string adversarial() {
    const std::vector<Table> tables = adversarial_tables(records_);
    if (tables.empty()) return "";
    std::ostringstream out;
    for (const std::string& line : attack_lines(records_)) out << "<p>" << html_escape(line) << "</p>\n";
    for (const Table& t : tables) out << table_html(t);
    out << "<div class=\"grid\">\n";
    for (const Group& g : groups_) {
      nlohmann::json datasets = nlohmann::json::array();
      size_t k_max = 0;
      for (const std::string& m : g.methods) {
        const std::vector<double> mean = mean_of(curves_of(g, m, "adversarial_flip", nullptr, true));
        k_max = std::max(k_max, mean.size());
        if (!mean.empty()) datasets.push_back(line(m, mean, colour(m)));
      }
      // The references are the clip's, the same in every method's record: the first method's carry them.
      const std::vector<double> oracle =
          mean_of(curves_of(g, g.methods.front(), "adversarial_flip", "oracle_curve", true));
      const std::vector<double> random =
          mean_of(curves_of(g, g.methods.front(), "adversarial_flip", "random_curve", true));
      if (datasets.empty()) continue;
      if (!oracle.empty() && !random.empty()) {
        nlohmann::json o = line("norm oracle", oracle, "#000000");
        o["borderDash"] = {2, 3};
        nlohmann::json q = line("random components", random, kReferenceColour);
        q["borderDash"] = {6, 4};
        datasets.push_back(o);
        datasets.push_back(q);
      }
      out << counted_chart(
          datasets, k_max, axis("k: top components of the perturbation kept"),
          {{"min", 0}, {"max", 1}, {"title", {{"display", true}, {"text", "flip rate"}}}},
          g.title() +
              ": share of attacked clips whose label flips back to the adversarial class with the top k "
              "components of the perturbation");
    }
    out << "</div>\n";
    return out.str();
  }

  std::string trust() {
    std::ostringstream out;
    for (const Ranking& r : rankings_)
      if (r.family == "sanity" || r.family == "stability")
        out << table_html(r.table, [&](size_t row, size_t c) {
          return c + 1 == r.table.rows[row].size() ? verdict_class(r.table.rows[row][c]) : std::string();
        });
    std::ostringstream charts;
    for (const Group& g : groups_) {
      nlohmann::json datasets = nlohmann::json::array();
      size_t layers = 0;
      for (const std::string& m : g.methods) {
        const std::vector<double> mean = mean_of(curves_of(g, m, "sanity", nullptr));
        if (mean.empty()) continue;
        layers = std::max(layers, mean.size());
        nlohmann::json d = line(m, mean, colour(m));
        d["pointRadius"] = 4;
        datasets.push_back(d);
      }
      if (datasets.empty()) continue;
      charts << counted_chart(datasets, layers, axis("layers randomised, from the top"),
                              axis("similarity to the trained model's explanation"),
                              g.title() +
                                  ": model randomisation (Adebayo et al. 2018); an explanation that stays similar "
                                  "does not depend on what the model learnt");
    }
    if (!charts.str().empty()) out << "<div class=\"grid\">\n" << charts.str() << "</div>\n";
    return out.str();
  }

  // Local explanations aggregated per class (MusicLIME's global view), then the ALE of descriptors.
  std::string global() {
    std::ostringstream out;
    const std::vector<GlobalGroup> groups = global_groups(records_);
    // One chart per (study, factorization, axis): a bar per entry and class, for the method chosen.
    std::vector<std::tuple<std::string, std::string, std::string>> keys;
    for (const GlobalGroup& g : groups) {
      const auto key = std::make_tuple(g.study, g.factorization, g.axis);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
    std::ostringstream bars;
    for (const auto& [study, factorization, axis_name] : keys) {
      std::vector<std::string> entries, classes, methods;
      for (const GlobalGroup& g : groups)
        if (g.study == study && g.factorization == factorization && g.axis == axis_name) {
          add_unique(methods, g.method);
          add_unique(classes, g.target);
          for (const auto& e : g.entries) add_unique(entries, e.name);
        }
      nlohmann::json choices = nlohmann::json::object();
      for (const std::string& method : methods) {
        nlohmann::json datasets = nlohmann::json::array();
        for (const GlobalGroup& g : groups) {
          if (g.study != study || g.factorization != factorization || g.axis != axis_name || g.method != method)
            continue;
          std::vector<double> mean(entries.size(), 0.0), sd(entries.size(), 0.0), n(entries.size(), 0.0);
          for (const auto& e : g.entries) {
            const auto at = static_cast<size_t>(std::find(entries.begin(), entries.end(), e.name) - entries.begin());
            mean[at] = e.mean;
            sd[at] = e.sd;
            n[at] = static_cast<double>(e.n);
          }
          const auto c = static_cast<size_t>(std::find(classes.begin(), classes.end(), g.target) - classes.begin());
          datasets.push_back({{"label", message(g.target, " (", g.clips, g.clips == 1 ? " clip)" : " clips)")},
                              {"data", mean},
                              {"sd", sd},
                              {"n", n},
                              {"backgroundColor", kPalette[c % std::size(kPalette)]}});
        }
        choices[method] = datasets;
      }
      const std::string initial = std::find(methods.begin(), methods.end(), "exact_shapley") != methods.end()
                                      ? "exact_shapley"
                                      : methods.front();
      nlohmann::json config = {
          {"type", "bar"},
          {"data", {{"labels", entries}, {"datasets", choices[initial]}}},
          {"options",
           {{"scales", {{"x", axis(axis_name, "category")}, {"y", axis("mean score / Σ |scores| of the clip")}}}}}};
      bars << chart(config,
                    message(study, ", ", factorization, ": which ", axis_name, " carries each class's evidence"), "",
                    {{"choices", choices}, {"choice", initial}});
    }
    if (!bars.str().empty())
      out << "<p>Per class (the explained class), each clip's scores divided by their total magnitude, summed per "
             "stem, time segment or mel band, and averaged over the clips (hover: standard deviation and clips). "
             "Choose the method above each chart.</p>\n<div class=\"grid\">\n"
          << bars.str() << "</div>\n";
    for (const Table& t : global_tables(records_))
      out << "<details><summary>" << html_escape(t.title) << "</summary>\n"
          << table_html(
                 t, [](size_t, size_t) { return std::string(); }, false)
          << "</details>\n";
    out << effects();
    return out.str();
  }

  // Accumulated local effects of descriptors, from the run's global_effects.json.
  std::string effects() {
    const fs::path file = fs::path(dir_) / kGlobalEffectsFile;
    std::error_code ec;
    if (!fs::exists(file, ec)) return "";
    const nlohmann::json all = read_json_file(file.string());
    std::ostringstream charts, notes;
    for (const auto& study : all) {
      const std::string name = study.value("study", std::string());
      if (study.contains("error")) {
        notes << "<li>" << html_escape(name + ": " + study.value("error", std::string())) << "</li>";
        continue;
      }
      const std::vector<std::string> classes = study.value("classes", std::vector<std::string>());
      for (const auto& d : study.value("descriptors", nlohmann::json::array())) {
        const std::string descriptor = d.value("name", std::string());
        if (!d.value("applicable", false)) {
          notes << "<li>" << html_escape(name + ", " + descriptor + ": " + d.value("reason", std::string())) << "</li>";
          continue;
        }
        const std::vector<double> edges = d.value("edges", std::vector<double>());
        nlohmann::json datasets = nlohmann::json::array();
        const nlohmann::json curves = d.value("curves", nlohmann::json::object());
        for (size_t c = 0; c < classes.size(); ++c) {
          if (!curves.contains(classes[c])) continue;
          const std::vector<double> curve = curves[classes[c]].get<std::vector<double>>();
          nlohmann::json points = nlohmann::json::array();
          for (size_t k = 0; k < curve.size() && k < edges.size(); ++k)
            points.push_back({{"x", edges[k]}, {"y", curve[k]}});
          nlohmann::json l = line(classes[c], {}, kPalette[c % std::size(kPalette)]);
          l["data"] = points;
          l["pointRadius"] = 3;
          datasets.push_back(l);
        }
        const std::string unit = d.value("unit", std::string());
        charts << chart({{"type", "line"},
                         {"data", {{"datasets", datasets}}},
                         {"options",
                          {{"scales",
                            {{"x", axis(descriptor + (unit.empty() ? "" : " (" + unit + ")"))},
                             {"y", axis("ALE on the class probability")}}}}}},
                        message(name, ": accumulated local effect of ", descriptor, " (", d.value("clips_used", 0),
                                " clips; ", d.value("intervention", std::string()), ")"));
      }
    }
    if (charts.str().empty() && notes.str().empty()) return "";
    std::ostringstream out;
    out << "<h3>Accumulated local effects of audio descriptors</h3>\n<p>How each class probability changes as one "
           "descriptor of the clip is moved and the rest kept (Apley &amp; Zhu 2020): per quantile bin, the mean "
           "change between its edges over the clips in it, accumulated and centred.</p>\n";
    if (!charts.str().empty()) out << "<div class=\"grid\">\n" << charts.str() << "</div>\n";
    if (!notes.str().empty()) out << "<p class=\"note\">Not shown:</p><ul class=\"note\">" << notes.str() << "</ul>\n";
    return out.str();
  }

  // A clip's files: its audio beside its job folders, and each job's figure and audio.
  std::string audio_tag(const std::string& relative, const std::string& label) const {
    const fs::path file = fs::path(dir_) / relative;
    std::error_code ec;
    if (!fs::exists(file, ec)) return "";
    std::string src = relative;
    if (options_.embed_audio) {
      const std::string type = file.extension() == ".flac" ? "audio/flac" : "audio/wav";
      src = "data:" + type + ";base64," + base64(read_text_file(file.string()));
    }
    return message("<div class=\"player\"><span>", html_escape(label), "</span><audio controls preload=\"none\" src=\"",
                   html_escape(src), "\"></audio></div>\n");
  }

  static std::vector<std::string> files_in(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string find_file(const std::vector<std::string>& names, const std::string& suffix_a,
                               const std::string& suffix_b = "") {
    for (const auto& n : names) {
      const auto ends = [&](const std::string& s) {
        return !s.empty() && n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0;
      };
      if (ends(suffix_a) || ends(suffix_b)) return n;
    }
    return "";
  }

  std::string clips() {
    if (options_.clips <= 0) return "";
    std::ostringstream out;
    bool missing = false;
    for (const Group& g : groups_) {
      std::vector<std::string> shown;
      for (const Record* r : g.records) {
        if (static_cast<int>(shown.size()) >= options_.clips) break;
        add_unique(shown, r->field("clip"));
      }
      for (const std::string& clip : shown) {
        std::vector<const Record*> jobs;
        for (const Record* r : g.records)
          if (r->field("clip") == clip) jobs.push_back(r);
        const Record& first = *jobs.front();
        out << "<article class=\"clip\"><h3>" << html_escape(g.title() + ": " + clip) << "</h3>\n<p>label "
            << html_escape(first.field("label")) << " · predicted "
            << html_escape(first.explanation.value("predicted", std::string())) << " · explained "
            << html_escape(first.explanation.value("target_name", std::string())) << " ("
            << html_escape(first.explanation.value("output", std::string())) << ")</p>\n";
        if (!first.files.empty()) {
          const fs::path clip_dir = fs::path(first.files).parent_path();
          const std::vector<std::string> names = files_in(fs::path(dir_) / clip_dir);
          const std::string audio = find_file(names, "clip.flac", "clip.wav");
          if (!audio.empty()) out << audio_tag((clip_dir / audio).string(), "the clip as explained");
        }
        // One bar chart of every method's scores, each scaled by its largest |score| so that scales
        // in logits and in probability shares sit side by side.
        nlohmann::json datasets = nlohmann::json::array();
        nlohmann::json labels = first.explanation.value("names", nlohmann::json::array());
        out << "<div class=\"methods\">\n";
        for (const Record* r : jobs) {
          const std::string method = r->field("method");
          std::vector<double> scores = scores_of(*r);
          double top = 0.0;
          for (double s : scores) top = std::max(top, std::abs(s));
          if (top > 0.0 && scores.size() == labels.size()) {
            for (double& s : scores) s /= top;
            nlohmann::json d = {{"label", method}, {"data", scores}, {"backgroundColor", colour(method)}};
            datasets.push_back(d);
          }
          out << "<figure class=\"method\"><figcaption><b>" << html_escape(method)
              << "</b> top: " << html_escape(list_text(top_of(*r))) << "</figcaption>\n";
          if (r->files.empty()) {
            out << "<p class=\"note\">no files</p>";
          } else {
            const fs::path job_dir = fs::path(dir_) / r->files;
            const std::vector<std::string> names = files_in(job_dir);
            const std::string png = find_file(names, ".png");
            if (png.empty()) {
              missing = true;
            } else {
              out << "<img alt=\"" << html_escape(method + " on " + clip) << "\" src=\"data:image/png;base64,"
                  << base64(read_text_file((job_dir / png).string())) << "\">\n";
            }
            const std::string top_audio = find_file(names, ".top.flac", ".top.wav");
            const std::string rest_audio = find_file(names, ".rest.flac", ".rest.wav");
            if (!top_audio.empty()) out << audio_tag((fs::path(r->files) / top_audio).string(), "top components");
            if (!rest_audio.empty()) out << audio_tag((fs::path(r->files) / rest_audio).string(), "the rest");
          }
          out << "</figure>\n";
        }
        out << "</div>\n";
        if (!datasets.empty())
          out << chart(
              {{"type", "bar"},
               {"data", {{"labels", labels}, {"datasets", datasets}}},
               {"options", {{"scales", {{"x", axis("component", "category")}, {"y", axis("score / max |score|")}}}}}},
              "Component scores per method, each scaled by its largest magnitude (red in the figures: "
              "for the class; blue: against)",
              "wide");
        out << "</article>\n";
      }
    }
    if (missing)
      out << "<p class=\"note\">Some jobs' figures are not in this run folder (a merged run keeps them in the "
             "shards' folders).</p>\n";
    const std::string html = out.str();
    if (html.empty()) return "";
    return message("<p>The first ", options_.clips,
                   " clip(s) of each study and factorization: each method's attribution over the log-mel input, its "
                   "top components as audio and the rest.</p>\n") +
           html;
  }

  static std::vector<std::string> top_of(const Record& r) {
    std::vector<std::string> out;
    for (const auto& t : r.explanation.value("top", nlohmann::json::array()))
      if (t.is_string()) out.push_back(t.get<std::string>());
    if (out.empty()) out.push_back("none");
    return out;
  }

  std::string failures() const {
    Table t;
    t.header = {"study", "clip", "factorization", "method", "error"};
    for (const Record& r : records_)
      if (!r.ok)
        t.rows.push_back({r.field("study"), r.field("clip"), r.field("factorization"), r.field("method"),
                          r.error_type + ": " + r.error});
    if (t.rows.empty()) return "";
    return message("<p>", t.rows.size(), " jobs failed; each one's error as recorded.</p>\n") + table_html(t);
  }

  // ---------------------------------------------------------------------------------------------

  static void add_unique(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
  }

  static std::string list_text(const std::vector<std::string>& items) {
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
    return text;
  }

  static std::string duration_text(double seconds) {
    if (seconds < 60.0) return fixed(seconds, 1) + " s";
    const auto total = static_cast<long>(std::lround(seconds));
    if (total < 3600) return message(total / 60, " min ", total % 60, " s");
    return message(total / 3600, " h ", (total % 3600) / 60, " min");
  }

  std::string dir_;
  const std::vector<Record>& records_;
  HtmlReportOptions options_;
  std::vector<Ranking> rankings_;  ///< the header's and the trust section's, bootstrapped once
  nlohmann::json run_ = nlohmann::json::object();
  std::vector<Group> groups_;
  std::vector<std::string> methods_;
  nlohmann::json charts_ = nlohmann::json::array();
};

const char* const Page::kStyle = R"css(
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --best: #d6f0d8; --near: #eef7d9; --worse: #f9dcdc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--rule); padding: 0.6rem 1.5rem; z-index: 2; }
h1 { font-size: 1.3rem; margin: 0 0 0.3rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; }
nav a { color: #1a5fb4; text-decoration: none; font-size: 0.9rem; white-space: nowrap; }
main { max-width: 1400px; margin: 0 auto; padding: 0 1.5rem 3rem; }
section { border-bottom: 1px solid var(--rule); padding: 0.8rem 0 1.2rem; }
h2 { font-size: 1.2rem; } h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
p.lead { font-size: 1.05rem; } p.note { color: var(--muted); font-size: 0.85rem; margin: 0.3rem 0; }
ul.facts { display: flex; flex-wrap: wrap; gap: 0.3rem 1.5rem; padding: 0; list-style: none; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
th:first-child, thead th { text-align: left; } thead th { border-bottom: 2px solid var(--ink); }
.best { background: var(--best); font-weight: 600; } .near { background: var(--near); } .worse { background: var(--worse); }
.r0 { background: #2166ac; color: #fff; } .r1 { background: #4393c3; } .r2 { background: #92c5de; } .r3 { background: #d1e5f0; }
.r4 { background: #f7f7f7; } .r5 { background: #fddbc7; } .r6 { background: #f4a582; } .r7 { background: #d6604d; }
.r8 { background: #b2182b; color: #fff; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1rem; }
figure { margin: 0; } figure.chart .canvas { position: relative; height: 300px; }
figure.chart.wide .canvas { height: 260px; } figcaption { color: var(--muted); font-size: 0.8rem; }
article.clip { border-top: 1px dashed var(--rule); margin-top: 1rem; }
.methods { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 0.8rem; }
.methods img { width: 100%; height: auto; border: 1px solid var(--rule); }
.player { display: flex; align-items: center; gap: 0.5rem; font-size: 0.8rem; color: var(--muted); }
.player audio { height: 28px; flex: 1; }
details summary { cursor: pointer; color: #1a5fb4; margin-top: 0.8rem; }
@media print {
  header { position: static; } nav, audio, .player { display: none; }
  section { break-inside: auto; } figure, table, article.clip { break-inside: avoid; }
  .grid { grid-template-columns: 1fr 1fr; } details { display: block; }
}
)css";

// Draws every chart; with #selftest in the URL it then loads every audio element and writes what it
// found into <pre id="selftest"> (tests/bench/report_browser_test.sh reads it from the DOM).
const char* const Page::kScript = R"js(
(function () {
  const errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  document.addEventListener('securitypolicyviolation', function (e) { errors.push('CSP: ' + e.blockedURI); });
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.plugins.legend.labels.filter = function (item, data) {
    return !data.datasets[item.datasetIndex].band;
  };
  Chart.defaults.plugins.tooltip.filter = function (item) { return !item.dataset.band; };
  Chart.defaults.plugins.tooltip.callbacks.label = function (item) {
    const d = item.dataset;
    let text = (d.label || '') + ': ' + item.formattedValue;
    if (d.sd) text += ' ± ' + d.sd[item.dataIndex].toFixed(3) + ' (' + d.n[item.dataIndex] + ' clips)';
    if (d.evals) text += ', ' + Math.round(d.evals) + ' evaluations';
    return text;
  };
  const data = JSON.parse(document.getElementById('report-data').textContent);
  let drawn = 0;
  for (const c of data.charts) {
    try {
      const canvas = document.getElementById(c.id);
      const made = new Chart(canvas, c.config);
      if (c.choices) {
        // A menu over the chart: which method's datasets it shows.
        const label = document.createElement('label');
        label.textContent = 'method ';
        const menu = document.createElement('select');
        for (const name of Object.keys(c.choices)) menu.add(new Option(name, name, false, name === c.choice));
        menu.addEventListener('change', function () { made.data.datasets = c.choices[menu.value]; made.update(); });
        label.appendChild(menu);
        canvas.closest('figure').insertBefore(label, canvas.parentNode);
      }
      drawn += 1;
    } catch (e) { errors.push(c.id + ': ' + e.message); }
  }
  if (location.hash !== '#selftest') return;
  const audios = Array.from(document.querySelectorAll('audio'));
  const check = function (a) {
    return new Promise(function (resolve) {
      let settled = false;
      const done = function (ok, why) {
        if (settled) return;
        settled = true;
        resolve({ src: a.getAttribute('src').slice(0, 120), ok: ok, why: why, duration: a.duration || 0 });
      };
      a.addEventListener('loadeddata', function () { done(true, ''); }, { once: true });
      a.addEventListener('error', function () { done(false, a.error ? 'media error ' + a.error.code : 'error'); }, { once: true });
      setTimeout(function () { done(false, 'timeout'); }, 15000);
      a.preload = 'auto';
      a.load();
    });
  };
  (async function () {
    const results = [];
    for (let i = 0; i < audios.length; i += 8)
      results.push(...(await Promise.all(audios.slice(i, i + 8).map(check))));
    const out = document.createElement('pre');
    out.id = 'selftest';
    out.textContent = JSON.stringify({
      sections: Array.from(document.querySelectorAll('main > section')).map(function (s) { return s.id; }),
      charts: data.charts.length, drawn: drawn, images: document.images.length,
      broken_images: Array.from(document.images).filter(function (i) { return !i.complete || i.naturalWidth === 0; }).length,
      audio: results, errors: errors });
    document.body.appendChild(out);
  })();
})();
)js";

class HtmlReporter : public Reporter {
 public:
  HtmlReporter(std::string dir, HtmlReportOptions options) : dir_(std::move(dir)), options_(options) {}
  void finish(const std::vector<Record>& records) override {
    write_text_file((fs::path(dir_) / "report.html").string(), html_report(dir_, records, options_));
  }

 private:
  std::string dir_;
  HtmlReportOptions options_;
};

}  // namespace

std::string html_report(const std::string& dir, const std::vector<Record>& records, const HtmlReportOptions& options) {
  HEARSAY_CHECK_AS(ConfigError, options.clips >= 0 && options.clips <= 1000, "report: clips must be in 0..1000, got ",
                   options.clips);
  return Page(dir, records, options).render();
}

std::unique_ptr<Reporter> make_html_reporter(const std::string& dir, const HtmlReportOptions& options) {
  return std::make_unique<HtmlReporter>(dir, options);
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  return out;
}

std::string base64(const std::string& data) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                       static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace hearsay::bench
