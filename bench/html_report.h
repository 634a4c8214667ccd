// report.html: the page people read after a bench run. One self-contained file that opens offline:
// Chart.js (Debian's libjs-chart.js, compiled in) and the data of every chart are inlined, the figures
// are embedded as PNG, and the only files it points at are the run folder's audio next to it (or none,
// with `embed_audio`). A Content-Security-Policy forbids the page any other fetch, so a chart that
// tried to reach a network would show as an error, not as a silent dependency.
//
// Like the other views it reads the run folder only (run.json, the records, the job folders), so
// `hearsay report RUN_DIR` rebuilds the same page, byte for byte, without rerunning anything.
//
// Sections, each present when the run has data for it: the header (what was compared, on what, by
// which hearsay on which machine, how long) with the ranking of methods per metric family and its
// bootstrap intervals; cost against quality; deletion and insertion curves with the random band;
// agreement between methods (mean Spearman over clips); adversarial-flip tables and curves; sanity
// and stability; global explanations per class; per clip, each method's figure, component scores and
// audio (the clip, the top components and the rest); every failed job with its error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/record.h"
#include "bench/reporter.h"

namespace hearsay::bench {

/// The run folder's file of global effects (bench/global_effects.h): a JSON array, one entry per study.
constexpr const char* kGlobalEffectsFile = "global_effects.json";

struct HtmlReportOptions {
  /// Audio as data: URIs inside the page instead of links to the run folder's files (a page that can
  /// be mailed alone; it grows by the audio's size).
  bool embed_audio = false;
  /// Clips shown in full (figures, bars, players) per (study, factorization); the first ones in plan
  /// order. The other sections use every clip. Range 0..1000. Each shown clip adds a figure of about
  /// 60 KB per method to the page.
  int clips = 1;
};

/// The page for the run folder `dir` (its run.json and job folders) and `records` in plan order.
/// Missing job files (a merged run whose files stayed in the shards' folders) are left out and said.
std::string html_report(const std::string& dir, const std::vector<Record>& records, const HtmlReportOptions& options);

/// Writes <dir>/report.html atomically at finish().
std::unique_ptr<Reporter> make_html_reporter(const std::string& dir, const HtmlReportOptions& options);

/// `text` with &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(const std::string& text);
/// `data` in base64 (RFC 4648, with padding): what data: URIs hold.
std::string base64(const std::string& data);

}  // namespace hearsay::bench
