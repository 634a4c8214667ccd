// hearsay report RUN_DIR [--embed-audio] [--clips N]: writes a bench run folder's views again
// (report.html, summary.md, results.csv, results.json) from its records alone, without running any
// job, so a report can be rebuilt after an upgrade, restyled, or made to carry its audio.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "bench/run.h"
#include "cli/commands.h"
#include "core/error.h"

namespace hearsay::cli {

namespace {

struct ReportArgs {
  std::string dir;
  bench::HtmlReportOptions html;
};

int run_report_command(const ReportArgs& args) {
  namespace fs = std::filesystem;
  std::error_code ec;
  HEARSAY_CHECK_AS(ConfigError, fs::is_directory(args.dir, ec), "report: '", args.dir,
                   "' is not a folder; give the --out folder of a hearsay bench run");
  for (const char* file : {"plan.json", "run.json", "records.jsonl"})
    HEARSAY_CHECK_AS(ConfigError, fs::exists(fs::path(args.dir) / file, ec), "report: '", args.dir, "' has no ", file,
                     "; give the --out folder of a hearsay bench run");
  const size_t records = bench::rebuild_reports(args.dir, args.html, std::cout);
  std::cout << "\nwrote " << (fs::absolute(args.dir) / "report.html").string() << " from " << records << " records\n";
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write a bench run's report.html, summary.md, results.csv and results.json again from its records");
  cmd->add_option("dir", args->dir, "The run folder (hearsay bench --out)")->required();
  cmd->add_flag("--embed-audio", args->html.embed_audio,
                "Put the audio inside report.html (a page that travels alone) instead of linking the run's files");
  cmd->add_option("--clips", args->html.clips, "Clips shown with figures and audio per study and factorization")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->callback([args] {
    const int code = run_report_command(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
