// The reporters and the summary table. Each one reads records only (never the runner's state), so
// every view can be rebuilt from a run folder's records.jsonl; the console and Markdown tables are one
// table rendered two ways, so they cannot disagree.
#include "bench/reporter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "bench/adversarial_report.h"
#include "bench/global_effects.h"
#include "bench/global_report.h"
#include "bench/html_report.h"
#include "bench/ranking.h"
#include "bench/table.h"
#include "core/error.h"
#include "core/file_io.h"

namespace hearsay::bench {

namespace {

/// Extras of a metric that the tables and the CSV show beside its mean. Data, so that a metric with
/// a number worth a column adds a line here and no branch anywhere else.
struct HeadlineExtra {
  const char* metric;
  const char* extra;
  bool flag;  ///< a 0/1 value per job, shown as "k/n" (how many of the n jobs where it applies)
};
constexpr HeadlineExtra kHeadlineExtras[] = {
    {"agreement", "top1", true},              // the top component is the reference method's
    {"ground_truth_rank", "hit_at_1", true},  // the planted cue's component comes first
};

std::string extra_name(const HeadlineExtra& e) { return std::string(e.metric) + "." + e.extra; }

std::optional<double> extra_of(const Record& r, const HeadlineExtra& e) { return r.metric_extra(e.metric, e.extra); }

/// A JSON value as the text of one cell: strings as they are, null or absent as "", numbers and
/// objects (a dataset given as a spec) as JSON.
std::string text_of(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string text_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it == object.end() ? "" : text_of(*it);
}

std::string config_text(const Record& r, const char* key) { return text_at(r.config, key); }

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, seconds >= 100 ? "%.0f s" : "%.3g s", seconds);
  return text;
}

/// The job's whole time: the method's and every metric's, which is what the ETA must cover.
double job_seconds(const Record& r) {
  double seconds = json_number(r.cost, "seconds").value_or(0.0);
  for (const auto& metric : r.metrics) seconds += json_number(metric, "seconds").value_or(0.0);
  return seconds;
}

/// "planted jazz.00003 stems lime": the job as people name it.
std::string job_text(const Record& r) {
  return message(config_text(r, "study"), " ", config_text(r, "clip"), " ", config_text(r, "factorization"), " ",
                 config_text(r, "method"));
}

std::string failure_text(const Record& r) { return one_line(message(r.error_type, ": ", r.error)); }

/// "90 jobs (shard 2/3 of 270 planned), 12 done before".
std::string run_text(const RunInfo& run) {
  std::string s = message(run.jobs, " jobs");
  if (!run.slice.empty()) s += message(" (", run.slice, " of ", run.planned, " planned)");
  if (run.done_before) s += message(", ", run.done_before, " done before");
  return s;
}

/// "planted (dataset planted-4x100, model vgg_small, test accuracy 100.0 %)" for each study.
std::vector<std::string> study_texts(const nlohmann::json& studies) {
  std::vector<std::string> texts;
  if (!studies.is_array()) return texts;
  for (const auto& s : studies) {
    std::vector<std::string> parts;
    if (const std::string d = text_at(s, "dataset"); !d.empty()) parts.push_back("dataset " + d);
    if (const std::string m = text_at(s, "model"); !m.empty()) parts.push_back("model " + m);
    if (const std::string borrowed = text_at(s, "model_study"); !borrowed.empty()) {
      // Its test accuracy is on the other study's set: the explained clips' accuracy says more.
      parts.push_back("the model of study " + borrowed);
    } else if (s.is_object() && s.contains("test_accuracy")) {
      const auto accuracy = json_number(s, "test_accuracy");
      parts.push_back(accuracy ? "test accuracy " + fixed(100.0 * *accuracy, 1) + " %" : "test accuracy unknown");
    }
    std::string text = text_at(s, "name");
    for (size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? " (" : ", ") + parts[i];
    texts.push_back(parts.empty() ? text : text + ")");
  }
  return texts;
}

// ---------------------------------------------------------------------------------------------------
// The summary table, one per (study, factorization), rendered as aligned text or as Markdown.

std::string mean_text(const std::pair<double, size_t>& mean) {
  return mean.second ? message(fixed(mean.first, 3), " (", mean.second, ")") : "-";
}

std::string flag_text(const std::pair<double, size_t>& share) {
  return share.second ? message(std::lround(share.first * static_cast<double>(share.second)), "/", share.second) : "-";
}

}  // namespace

std::vector<Table> summary_tables(const std::vector<SummaryRow>& rows, const std::string& r2_header) {
  std::vector<Table> tables;
  std::vector<std::vector<const SummaryRow*>> groups;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const SummaryRow& row : rows) {
    const auto [it, inserted] = index.emplace(std::make_pair(row.study, row.factorization), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&row);
  }
  for (const auto& group : groups) {
    std::set<std::string> metrics, extras;
    for (const SummaryRow* row : group) {
      for (const auto& [name, mean] : row->metrics)
        if (mean.second) metrics.insert(name);
      for (const auto& [name, mean] : row->extras)
        if (mean.second) extras.insert(name);
    }
    Table table;
    table.title = group.front()->study + ", " + group.front()->factorization;
    // The held-out R² (a surrogate's fit on fresh perturbations) where some method reports one.
    const bool held_out =
        std::any_of(group.begin(), group.end(), [](const SummaryRow* row) { return row->mean_r2_held_out; });
    table.header = {"method", "mean s", "mean evals", "mean runs", "mean passes", r2_header};
    if (held_out) table.header.push_back(r2_header + " held out");
    table.header.insert(table.header.end(), metrics.begin(), metrics.end());
    for (const HeadlineExtra& e : kHeadlineExtras)
      if (extras.count(extra_name(e))) table.header.push_back(extra_name(e));
    table.header.push_back("failed");
    for (const SummaryRow* row : group) {
      const bool any_ok = row->jobs > row->failed;
      std::vector<std::string> cells{row->method,
                                     any_ok ? fixed(row->mean_seconds, 3) : "-",
                                     any_ok ? fixed(row->mean_evals, 0) : "-",
                                     any_ok ? fixed(row->mean_model_runs, 0) : "-",
                                     any_ok ? fixed(row->mean_gradient_passes, 0) : "-",
                                     row->mean_r2 ? fixed(*row->mean_r2, 3) : "-"};
      if (held_out) cells.push_back(row->mean_r2_held_out ? fixed(*row->mean_r2_held_out, 3) : "-");
      const std::pair<double, size_t> none{0.0, 0};
      for (const std::string& name : metrics) {
        const auto it = row->metrics.find(name);
        cells.push_back(mean_text(it == row->metrics.end() ? none : it->second));
      }
      for (const HeadlineExtra& e : kHeadlineExtras) {
        if (!extras.count(extra_name(e))) continue;
        const auto it = row->extras.find(extra_name(e));
        const auto& mean = it == row->extras.end() ? none : it->second;
        cells.push_back(e.flag ? flag_text(mean) : mean_text(mean));
      }
      cells.push_back(message(row->failed));
      table.rows.push_back(std::move(cells));
    }
    tables.push_back(std::move(table));
  }
  return tables;
}

namespace {

// ---------------------------------------------------------------------------------------------------

class ConsoleReporter : public Reporter {
 public:
  ConsoleReporter(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  void begin(const RunInfo& run) override {
    run_ = run;
    out_ << "hearsay bench: " << run_text(run) << ", records in " << run.out_dir << "\n" << std::flush;
  }

  void record(const Record& record, bool fresh) override {
    ++done_;
    failures_ += !record.ok;
    if (fresh) {
      ++fresh_;
      fresh_seconds_ += job_seconds(record);
    } else {
      ++resumed_pending_;
    }
    if (terminal_) {
      draw_live_line(record);
    } else if (fresh) {
      flush_resumed();
      out_ << progress() << (record.ok ? " ok " : " FAILED ") << job_text(record);
      if (record.ok)
        out_ << " " << seconds_text(json_number(record.cost, "seconds").value_or(0.0)) << "\n";
      else
        out_ << ": " << failure_text(record) << "\n";
      out_ << std::flush;
    }
  }

  void finish(const std::vector<Record>& records) override {
    if (terminal_ && done_) out_ << "\n";  // ends the live line, which has no newline of its own
    if (!terminal_) flush_resumed();
    size_t failed = 0;
    for (const Record& r : records) failed += !r.ok;
    out_ << "\nhearsay bench: " << records.size() << " jobs, " << failed << " failed\n";
    for (const std::string& study : study_texts(run_.studies)) out_ << "  " << study << "\n";
    for (const std::string& line : clip_accuracy_lines(records)) out_ << "  " << line << "\n";
    for (const std::string& line : attack_lines(records)) out_ << "  " << line << "\n";
    for (const Table& table : summary_tables(summarize(records), "mean R2"))
      out_ << "\n" << table.title << "\n" << aligned_text(table);
    for (const auto& tables : {ranking_tables(records), misled_tables(records), adversarial_tables(records)})
      for (const Table& table : tables) out_ << "\n" << table.title << "\n" << aligned_text(table);
    if (failed) {
      out_ << "\nfailed jobs (" << failed << "):\n";
      size_t listed = 0;
      for (const Record& r : records) {
        if (r.ok) continue;
        if (listed++ == kMaxListedFailures) break;
        out_ << "  " << job_text(r) << ": " << failure_text(r) << "\n";
      }
      if (failed > kMaxListedFailures) out_ << "  ... and " << failed - kMaxListedFailures << " more\n";
    }
    out_ << std::flush;
  }

 private:
  /// A run with hundreds of failures has one cause more often than hundreds: the first ones tell it,
  /// and results.csv has them all.
  static constexpr size_t kMaxListedFailures = 20;
  /// A live line longer than the terminal wraps, and '\r' then redraws only its last part, leaving a
  /// trail of lines; 100 columns keeps it whole on any usual terminal.
  static constexpr size_t kLiveLineWidth = 100;

  std::string progress() const { return message("[", done_, "/", std::max(run_.jobs, done_), "]"); }

  void flush_resumed() {
    if (resumed_pending_) out_ << "resumed " << resumed_pending_ << " jobs\n";
    resumed_pending_ = 0;
  }

  void draw_live_line(const Record& last) {
    std::string eta = "-";
    if (fresh_) {
      const size_t left = std::max(run_.jobs, done_) - done_;
      const long seconds = std::lround(fresh_seconds_ / static_cast<double>(fresh_) * static_cast<double>(left));
      char text[32];
      std::snprintf(text, sizeof text, "%02ld:%02ld", seconds / 60, seconds % 60);
      eta = text;
    }
    std::string line =
        message(progress(), " failures ", failures_, ", ETA ", eta, ", last: ", one_line(job_text(last)));
    if (line.size() > kLiveLineWidth) line = line.substr(0, kLiveLineWidth - 3) + "...";
    out_ << "\r" << line << "\033[K" << std::flush;  // \033[K clears what a longer earlier line left
  }

  std::ostream& out_;
  bool terminal_;
  RunInfo run_;
  size_t done_ = 0, failures_ = 0, fresh_ = 0, resumed_pending_ = 0;
  double fresh_seconds_ = 0.0;
};

// ---------------------------------------------------------------------------------------------------

/// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (const char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_text(const std::vector<Record>& records) {
  std::set<std::string> metrics;
  for (const Record& r : records)
    for (const auto& [name, value] : r.metrics.items()) metrics.insert(name);
  std::vector<HeadlineExtra> extras;
  for (const HeadlineExtra& e : kHeadlineExtras)
    if (metrics.count(e.metric)) extras.push_back(e);

  std::vector<std::string> header{"job",         "study",         "dataset",   "model",      "clip",
                                  "label",       "factorization", "method",    "ok",         "error_type",
                                  "error",       "target_name",   "predicted", "top",        "r2",
                                  "r2_held_out", "seconds",       "evals",     "model_runs", "gradient_passes"};
  for (const std::string& name : metrics) header.push_back("metric." + name);
  for (const HeadlineExtra& e : extras) header.push_back("metric." + extra_name(e));

  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) out << (c ? "," : "") << csv_field(cells[c]);
    out << "\n";
  };
  line(header);
  for (const Record& r : records) {
    std::string top;
    const auto top_it = r.explanation.find("top");
    if (top_it != r.explanation.end() && top_it->is_array())
      for (const auto& name : *top_it) top += (top.empty() ? "" : ";") + text_of(name);
    std::vector<std::string> cells{r.job};
    for (const char* key : {"study", "dataset", "model", "clip", "label", "factorization", "method"})
      cells.push_back(config_text(r, key));
    cells.insert(cells.end(), {r.ok ? "1" : "0", r.error_type, r.error, text_at(r.explanation, "target_name"),
                               text_at(r.explanation, "predicted"), top, text_at(r.explanation, "r2"),
                               text_at(r.explanation, "r2_held_out")});
    for (const char* key : {"seconds", "evals", "model_runs", "gradient_passes"}) cells.push_back(text_at(r.cost, key));
    // The values as the record holds them (a rank stays "2", not "2.0"); a non-number is an empty cell.
    for (const std::string& name : metrics) cells.push_back(r.metric(name) ? text_of(r.metrics[name]["value"]) : "");
    for (const HeadlineExtra& e : extras) {
      const auto value = extra_of(r, e);
      const auto& raw = value ? r.metrics[e.metric]["extra"][e.extra] : nlohmann::json();
      cells.push_back(raw.is_boolean() ? (raw.get<bool>() ? "1" : "0") : text_of(raw));
    }
    line(cells);
  }
  return out.str();
}

std::string in_dir(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }

class CsvReporter : public Reporter {
 public:
  explicit CsvReporter(std::string dir) : dir_(std::move(dir)) {}
  void finish(const std::vector<Record>& records) override {
    write_text_file(in_dir(dir_, "results.csv"), csv_text(records));
  }

 private:
  std::string dir_;
};

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::string dir) : dir_(std::move(dir)) {}
  void begin(const RunInfo& run) override { run_ = run; }
  void finish(const std::vector<Record>& records) override {
    nlohmann::json doc{
        {"run", run_.to_json()}, {"records", nlohmann::json::array()}, {"summary", nlohmann::json::array()}};
    for (const Record& r : records) doc["records"].push_back(r.to_json());
    for (const SummaryRow& row : summarize(records)) doc["summary"].push_back(row.to_json());
    write_json_file(in_dir(dir_, "results.json"), doc);
  }

 private:
  std::string dir_;
  RunInfo run_;
};

class MarkdownReporter : public Reporter {
 public:
  explicit MarkdownReporter(std::string dir) : dir_(std::move(dir)) {}
  void begin(const RunInfo& run) override { run_ = run; }
  void finish(const std::vector<Record>& records) override {
    std::ostringstream out;
    out << "# hearsay bench\n\n" << markdown_cell(run_text(run_));
    const auto studies = study_texts(run_.studies);
    for (size_t i = 0; i < studies.size(); ++i) out << (i == 0 ? "; studies: " : "; ") << markdown_cell(studies[i]);
    out << ".\n";
    auto accuracy = clip_accuracy_lines(records);
    for (const std::string& line : attack_lines(records)) accuracy.push_back(line);
    for (size_t i = 0; i < accuracy.size(); ++i)
      out << (i == 0 ? "\n" : "") << "- " << markdown_cell(accuracy[i]) << "\n";
    for (const Table& table : summary_tables(summarize(records), "R²"))
      out << "\n## " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    const auto ranked = ranking_tables(records);
    if (!ranked.empty()) out << "\n## Rankings per metric family\n";
    for (const Table& table : ranked) out << "\n### " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    for (const Table& table : misled_tables(records))
      out << "\n## " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    for (const Table& table : adversarial_tables(records))
      out << "\n## " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    const auto global = global_tables(records);
    if (!global.empty()) out << "\n## Global explanations per class\n";
    for (const Table& table : global) out << "\n### " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    const std::string effects_file = in_dir(dir_, kGlobalEffectsFile);
    std::error_code ec;
    if (std::filesystem::exists(effects_file, ec))
      for (const auto& study : read_json_file(effects_file))
        if (!study.contains("error"))
          for (const Table& table : global_effect_tables(study))
            out << "\n## " << markdown_cell(table.title) << "\n\n" << markdown_text(table);
    write_text_file(in_dir(dir_, "summary.md"), out.str());
  }

 private:
  std::string dir_;
  RunInfo run_;
};

nlohmann::json means_json(const std::map<std::string, std::pair<double, size_t>>& means) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, mean] : means) j[name] = {{"mean", mean.first}, {"n", mean.second}};
  return j;
}

/// A running mean.
struct Mean {
  double sum = 0.0;
  size_t n = 0;
  void add(double v) {
    sum += v;
    ++n;
  }
  double value() const { return n ? sum / static_cast<double>(n) : 0.0; }
  std::pair<double, size_t> pair() const { return {value(), n}; }
};

}  // namespace

nlohmann::json RunInfo::to_json() const {
  return {{"out_dir", out_dir}, {"jobs", jobs},     {"planned", planned}, {"done_before", done_before},
          {"slice", slice},     {"config", config}, {"studies", studies}};
}

nlohmann::json SummaryRow::to_json() const {
  return {{"study", study},
          {"factorization", factorization},
          {"method", method},
          {"jobs", jobs},
          {"failed", failed},
          {"mean_seconds", mean_seconds},
          {"mean_evals", mean_evals},
          {"mean_model_runs", mean_model_runs},
          {"mean_gradient_passes", mean_gradient_passes},
          {"mean_r2", mean_r2 ? nlohmann::json(*mean_r2) : nlohmann::json()},
          {"mean_r2_held_out", mean_r2_held_out ? nlohmann::json(*mean_r2_held_out) : nlohmann::json()},
          {"metrics", means_json(metrics)},
          {"extras", means_json(extras)}};
}

std::vector<SummaryRow> summarize(const std::vector<Record>& records) {
  struct Sums {
    Mean seconds, evals, runs, passes, r2, r2_held_out;
    std::map<std::string, Mean> metrics, extras;
  };
  std::vector<SummaryRow> rows;
  std::vector<Sums> sums;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  for (const Record& r : records) {
    const auto key =
        std::make_tuple(config_text(r, "study"), config_text(r, "factorization"), config_text(r, "method"));
    const auto [it, inserted] = index.emplace(key, rows.size());
    if (inserted) {
      SummaryRow row;
      std::tie(row.study, row.factorization, row.method) = key;
      rows.push_back(std::move(row));
      sums.emplace_back();
    }
    SummaryRow& row = rows[it->second];
    Sums& s = sums[it->second];
    ++row.jobs;
    if (!r.ok) {
      ++row.failed;
      continue;  // a failed job has no cost or scores worth averaging
    }
    if (const auto v = json_number(r.cost, "seconds")) s.seconds.add(*v);
    if (const auto v = json_number(r.cost, "evals")) s.evals.add(*v);
    if (const auto v = json_number(r.cost, "model_runs")) s.runs.add(*v);
    if (const auto v = json_number(r.cost, "gradient_passes")) s.passes.add(*v);
    if (const auto v = json_number(r.explanation, "r2")) s.r2.add(*v);
    if (const auto v = json_number(r.explanation, "r2_held_out")) s.r2_held_out.add(*v);
    for (const auto& [name, metric] : r.metrics.items())
      if (const auto v = r.metric(name)) s.metrics[name].add(*v);
    for (const HeadlineExtra& e : kHeadlineExtras)
      if (const auto v = extra_of(r, e)) s.extras[extra_name(e)].add(*v);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].mean_seconds = sums[i].seconds.value();
    rows[i].mean_evals = sums[i].evals.value();
    rows[i].mean_model_runs = sums[i].runs.value();
    rows[i].mean_gradient_passes = sums[i].passes.value();
    if (sums[i].r2.n) rows[i].mean_r2 = sums[i].r2.value();
    if (sums[i].r2_held_out.n) rows[i].mean_r2_held_out = sums[i].r2_held_out.value();
    for (const auto& [name, mean] : sums[i].metrics) rows[i].metrics[name] = mean.pair();
    for (const auto& [name, mean] : sums[i].extras) rows[i].extras[name] = mean.pair();
  }
  return rows;
}

std::unique_ptr<Reporter> make_console_reporter(std::ostream& out, bool terminal) {
  return std::make_unique<ConsoleReporter>(out, terminal);
}
std::unique_ptr<Reporter> make_csv_reporter(const std::string& dir) { return std::make_unique<CsvReporter>(dir); }
std::unique_ptr<Reporter> make_json_reporter(const std::string& dir) { return std::make_unique<JsonReporter>(dir); }
std::unique_ptr<Reporter> make_markdown_reporter(const std::string& dir) {
  return std::make_unique<MarkdownReporter>(dir);
}

}  // namespace hearsay::bench
