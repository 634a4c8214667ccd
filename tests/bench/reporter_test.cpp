// The reporters on records made by hand: every expected number and line below is worked out from
// those records, so a change in what a reporter shows must show here.
#include "bench/reporter.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "tests/support/test_support.h"

namespace hearsay::bench {
namespace {

using nlohmann::json;

Record job(const std::string& study, const std::string& clip, const std::string& factorization,
           const std::string& method) {
  Record r;
  r.job = study + "-" + clip + "-" + factorization + "-" + method;
  r.config = {{"study", study},  {"dataset", study + "-set"},      {"model", "vgg_small"}, {"clip", clip},
              {"label", "jazz"}, {"factorization", factorization}, {"method", method}};
  return r;
}

Record ok_job(Record r, double seconds, int evals, const json& r2) {
  r.ok = true;
  r.explanation = {{"target_name", "jazz"}, {"predicted", "jazz"}, {"top", {"drums:0", "bass:1"}}, {"r2", r2}};
  r.cost = {{"seconds", seconds}, {"evals", evals}, {"model_runs", evals}, {"gradient_passes", 0}};
  return r;
}

Record failed_job(Record r, const std::string& type, const std::string& error) {
  r.ok = false;
  r.error_type = type;
  r.error = error;
  r.cost = {{"seconds", 0.25}};
  return r;
}

Record& with_metric(Record& r, const std::string& name, const json& value, const json& extra = json::object()) {
  r.metrics[name] = {{"value", value}, {"reason", ""}, {"extra", extra}, {"curve", json::array()}};
  return r;
}

/// planted/stems: lime twice (one without R², one with the agreement value missing) and once failed,
/// occlusion once; genres/grid: lime once, with a metric no table knows by name.
std::vector<Record> sample_records() {
  std::vector<Record> records;
  Record a = ok_job(job("planted", "jazz.00003", "stems", "lime"), 1.0, 100, 0.5);
  with_metric(a, "agreement", 0.8, {{"top1", 1}, {"reference", "exact_shapley"}});
  with_metric(a, "ground_truth_rank", 0, {{"hit_at_1", 1}});
  records.push_back(a);
  Record b = ok_job(job("planted", "rock.00001", "stems", "lime"), 3.0, 300, nullptr);
  with_metric(b, "agreement", nullptr, {{"reference", "exact_shapley"}});
  with_metric(b, "ground_truth_rank", 2, {{"hit_at_1", 0}});
  records.push_back(b);
  records.push_back(
      failed_job(job("planted", "pop.00002", "stems", "lime"), "ShapeError", "clip shorter than 4 segments"));
  Record c = ok_job(job("planted", "jazz.00003", "stems", "occlusion"), 0.5, 8, nullptr);
  with_metric(c, "agreement", 0.4, {{"top1", 0}, {"reference", "exact_shapley"}});
  with_metric(c, "ground_truth_rank", 1, {{"hit_at_1", false}});  // a yes/no extra counts as 1/0
  records.push_back(c);
  Record d = ok_job(job("genres", "blues.00000", "grid", "lime"), 2.0, 50, 0.25);
  with_metric(d, "deletion_auc", 0.125);
  records.push_back(d);
  return records;
}

RunInfo sample_run(const std::string& out_dir) {
  RunInfo run;
  run.out_dir = out_dir;
  run.jobs = 5;
  run.planned = 10;
  run.slice = "shard 1/2";
  run.config = {{"seed", 1}};
  run.studies = json::array(
      {{{"name", "planted"}, {"dataset", "planted-set"}, {"model", "vgg_small"}, {"test_accuracy", 1.0}},
       {{"name", "genres"}, {"dataset", "genres-set"}, {"model", "vgg_small"}, {"test_accuracy", nullptr}}});
  return run;
}

TEST(Summarize, GroupsInFirstAppearanceOrderWithMeansWorkedOutByHand) {
  const auto rows = summarize(sample_records());
  ASSERT_EQ(rows.size(), 3u);
  const SummaryRow& lime = rows[0];
  EXPECT_EQ(lime.study, "planted");
  EXPECT_EQ(lime.factorization, "stems");
  EXPECT_EQ(lime.method, "lime");
  EXPECT_EQ(lime.jobs, 3u);
  EXPECT_EQ(lime.failed, 1u);
  EXPECT_DOUBLE_EQ(lime.mean_seconds, 2.0);  // (1 + 3) / 2: the failed job's 0.25 s is not a method's cost
  EXPECT_DOUBLE_EQ(lime.mean_evals, 200.0);
  EXPECT_DOUBLE_EQ(lime.mean_model_runs, 200.0);
  ASSERT_TRUE(lime.mean_r2.has_value());
  EXPECT_DOUBLE_EQ(*lime.mean_r2, 0.5);  // the job without R² is not counted as 0
  ASSERT_EQ(lime.metrics.count("agreement"), 1u);
  EXPECT_DOUBLE_EQ(lime.metrics.at("agreement").first, 0.8);  // the null value is left out
  EXPECT_EQ(lime.metrics.at("agreement").second, 1u);
  EXPECT_DOUBLE_EQ(lime.metrics.at("ground_truth_rank").first, 1.0);
  EXPECT_EQ(lime.metrics.at("ground_truth_rank").second, 2u);
  EXPECT_DOUBLE_EQ(lime.extras.at("agreement.top1").first, 1.0);
  EXPECT_EQ(lime.extras.at("agreement.top1").second, 1u);
  EXPECT_DOUBLE_EQ(lime.extras.at("ground_truth_rank.hit_at_1").first, 0.5);
  EXPECT_EQ(lime.extras.at("ground_truth_rank.hit_at_1").second, 2u);

  EXPECT_EQ(rows[1].method, "occlusion");
  EXPECT_FALSE(rows[1].mean_r2.has_value());
  EXPECT_EQ(rows[2].study, "genres");
  EXPECT_DOUBLE_EQ(rows[2].metrics.at("deletion_auc").first, 0.125);
  EXPECT_TRUE(rows[2].extras.empty());

  const json j = lime.to_json();
  EXPECT_EQ(j["metrics"]["agreement"], json({{"mean", 0.8}, {"n", 1}}));
  EXPECT_TRUE(rows[1].to_json()["mean_r2"].is_null());
}

TEST(Summarize, HeldOutR2GetsAColumnWhereSomeMethodReportsIt) {
  auto records = sample_records();
  records[0].explanation["r2_held_out"] = 0.375;
  const auto rows = summarize(records);
  ASSERT_TRUE(rows[0].mean_r2_held_out.has_value());
  EXPECT_DOUBLE_EQ(*rows[0].mean_r2_held_out, 0.375);
  EXPECT_FALSE(rows[1].mean_r2_held_out.has_value());
  EXPECT_EQ(rows[0].to_json()["mean_r2_held_out"], 0.375);
  testing::TempDir dir;
  const auto reporter = make_markdown_reporter(dir.path().string());
  reporter->begin(sample_run(dir.path().string()));
  reporter->finish(records);
  const std::string text = read_text_file(dir.file("summary.md"));
  EXPECT_NE(text.find("| method | mean s | mean evals | mean runs | mean passes | R² | R² held out | agreement |"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| lime | 2.000 | 200 | 200 | 0 | 0.500 | 0.375 | 0.800 (1) |"), std::string::npos) << text;
  // The genres table has no held-out R²: no column.
  EXPECT_NE(text.find("| method | mean s | mean evals | mean runs | mean passes | R² | deletion_auc | failed |"),
            std::string::npos)
      << text;
}

TEST(Summarize, AllFailedGroupHasNoMeans) {
  const auto rows = summarize({failed_job(job("s", "c", "stems", "lime"), "Error", "x")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].jobs, 1u);
  EXPECT_EQ(rows[0].failed, 1u);
  EXPECT_DOUBLE_EQ(rows[0].mean_seconds, 0.0);
  EXPECT_TRUE(rows[0].metrics.empty());
}

TEST(CsvReporter, OneQuotedRowPerRecord) {
  testing::TempDir dir;
  Record a = ok_job(job("planted", "jazz.00003", "stems", "lime"), 1.5, 100, 0.5);
  a.explanation["r2_held_out"] = 0.25;
  a.config["label"] = "rock, roll";
  with_metric(a, "agreement", 0.75, {{"top1", 1}});
  Record b = failed_job(job("planted", "pop.00002", "stems", "lime"), "ShapeError", "bad \"clip\", short\nsecond line");
  with_metric(b, "ground_truth_rank", nullptr, {{"hit_at_1", true}});
  const auto reporter = make_csv_reporter(dir.path().string());
  reporter->finish({a, b});
  EXPECT_EQ(read_text_file(dir.file("results.csv")),
            "job,study,dataset,model,clip,label,factorization,method,ok,error_type,error,target_name,predicted,top,"
            "r2,r2_held_out,seconds,evals,model_runs,gradient_passes,metric.agreement,metric.ground_truth_rank,"
            "metric.agreement.top1,metric.ground_truth_rank.hit_at_1\n"
            "planted-jazz.00003-stems-lime,planted,planted-set,vgg_small,jazz.00003,\"rock, roll\",stems,lime,1,,,"
            "jazz,jazz,drums:0;bass:1,0.5,0.25,1.5,100,100,0,0.75,,1,\n"
            "planted-pop.00002-stems-lime,planted,planted-set,vgg_small,pop.00002,jazz,stems,lime,0,ShapeError,"
            "\"bad \"\"clip\"\", short\nsecond line\",,,,,,0.25,,,,,,,1\n");
}

TEST(CsvReporter, AnUnwritableFolderIsNamed) {
  testing::TempDir dir;
  const std::string missing = dir.file("missing/folder");
  EXPECT_THROW_WITH(make_csv_reporter(missing)->finish(sample_records()), IoError, "results.csv");
}

TEST(JsonReporter, RecordsRoundTripAndSummaryIsIncluded) {
  testing::TempDir dir;
  const auto records = sample_records();
  const auto reporter = make_json_reporter(dir.path().string());
  reporter->begin(sample_run(dir.path().string()));
  reporter->finish(records);
  const json doc = read_json_file(dir.file("results.json"));
  EXPECT_EQ(doc["run"]["jobs"], 5);
  EXPECT_EQ(doc["run"]["slice"], "shard 1/2");
  EXPECT_EQ(doc["run"]["studies"][0]["name"], "planted");
  EXPECT_EQ(doc["run"]["config"], json({{"seed", 1}}));
  ASSERT_EQ(doc["records"].size(), records.size());
  for (size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(Record::from_json(doc["records"][i]).to_json(), records[i].to_json()) << records[i].job;
  const auto rows = summarize(records);
  ASSERT_EQ(doc["summary"].size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(doc["summary"][i], rows[i].to_json());
}

TEST(MarkdownReporter, OneTablePerStudyAndFactorization) {
  testing::TempDir dir;
  auto records = sample_records();
  records[3].config["method"] = "occlusion|fast";  // a pipe would end the cell early
  records[3].cost["gradient_passes"] = 3;          // as a white-box method reports them
  const auto reporter = make_markdown_reporter(dir.path().string());
  reporter->begin(sample_run(dir.path().string()));
  reporter->finish(records);
  const std::string text = read_text_file(dir.file("summary.md"));
  const size_t rankings = text.find("\n## Rankings per metric family\n");
  ASSERT_NE(rankings, std::string::npos) << text;
  EXPECT_EQ(text.substr(0, rankings),
            "# hearsay bench\n\n"
            "5 jobs (shard 1/2 of 10 planned); studies: planted (dataset planted-set, model vgg_small, test accuracy "
            "100.0 %); genres (dataset genres-set, model vgg_small, test accuracy unknown).\n"
            "\n- planted: the model is right on 2 of 2 explained clips\n"
            "- genres: the model is right on 1 of 1 explained clips\n"
            "\n## planted, stems\n\n"
            "| method | mean s | mean evals | mean runs | mean passes | R² | agreement | ground_truth_rank | "
            "agreement.top1 | ground_truth_rank.hit_at_1 | failed |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            "| lime | 2.000 | 200 | 200 | 0 | 0.500 | 0.800 (1) | 1.000 (2) | 1/1 | 1/2 | 1 |\n"
            "| occlusion\\|fast | 0.500 | 8 | 8 | 3 | - | 0.400 (1) | 1.000 (1) | 0/1 | 0/1 | 0 |\n"
            "\n## genres, grid\n\n"
            "| method | mean s | mean evals | mean runs | mean passes | R² | deletion_auc | failed |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|\n"
            "| lime | 2.000 | 50 | 50 | 0 | 0.250 | 0.125 (1) | 0 |\n");
  // The same ranking tables as the console's (tests/bench/ranking_test.cpp checks their numbers).
  EXPECT_NE(text.find("\n### planted, stems: agreement\n\n"
                      "| method | Spearman to reference ↑ [95 % CI] | n | same top ↑ | vs best |\n"
                      "|---|---:|---:|---:|---:|\n"
                      "| lime | 0.800 (1 clip) | 1 | 1.000 | best |\n"
                      "| occlusion\\|fast | 0.400 (1 clip) | 1 | 0.000 | ? |\n"),
            std::string::npos)
      << text;
}

TEST(ConsoleReporter, PlainLinesForFreshJobsAndOneLineForResumedOnes) {
  const auto records = sample_records();
  std::ostringstream out;
  const auto reporter = make_console_reporter(out, false);
  RunInfo run = sample_run("runs/a");
  run.done_before = 2;
  reporter->begin(run);
  reporter->record(records[0], false);
  reporter->record(records[1], false);
  reporter->record(records[2], true);
  reporter->record(records[3], true);
  reporter->record(records[4], true);
  reporter->finish(records);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.substr(0, text.find("\nhearsay bench: 5 jobs, 1 failed\n")),
            "hearsay bench: 5 jobs (shard 1/2 of 10 planned), 2 done before, records in runs/a\n"
            "resumed 2 jobs\n"
            "[3/5] FAILED planted pop.00002 stems lime: ShapeError: clip shorter than 4 segments\n"
            "[4/5] ok planted jazz.00003 stems occlusion 0.5 s\n"
            "[5/5] ok genres blues.00000 grid lime 2 s\n");
  EXPECT_NE(text.find("  planted (dataset planted-set, model vgg_small, test accuracy 100.0 %)\n"), std::string::npos);
  EXPECT_NE(text.find("\nplanted, stems\n"
                      "method     mean s  mean evals  mean runs  mean passes  mean R2  agreement  ground_truth_rank  "
                      "agreement.top1  ground_truth_rank.hit_at_1  failed\n"
                      "lime        2.000         200        200            0    0.500  0.800 (1)          1.000 (2)  "
                      "           1/1                         1/2       1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  planted: the model is right on 2 of 2 explained clips\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nplanted, stems: localisation\n"
                      "method     cue first ↑ [95 % CI]  n  vs best\n"
                      "lime        0.500 [0.000, 1.000]  2     best\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nfailed jobs (1):\n  planted pop.00002 stems lime: ShapeError: clip shorter than 4 segments\n"),
            std::string::npos)
      << text;
}

TEST(ConsoleReporter, TerminalRedrawsOneLineWithAnEta) {
  auto records = sample_records();
  // The ETA counts the metrics' time too: 1 s of method and 1 s of metric is a 2 s job.
  records[0].metrics["agreement"]["seconds"] = 1.0;
  std::ostringstream out;
  const auto reporter = make_console_reporter(out, true);
  reporter->begin(sample_run("runs/a"));
  reporter->record(records[1], false);
  const std::string before_fresh = out.str();
  EXPECT_NE(before_fresh.find("\r[1/5] failures 0, ETA -, last: planted rock.00001 stems lime\033[K"),
            std::string::npos)
      << before_fresh;
  reporter->record(records[0], true);  // 2 s per fresh job, 3 jobs left
  EXPECT_NE(out.str().find("\r[2/5] failures 0, ETA 00:06, last: planted jazz.00003 stems lime\033[K"),
            std::string::npos)
      << out.str();
  reporter->record(records[2], true);  // failed: (2 + 0.25) / 2 s per job, 2 left
  EXPECT_NE(out.str().find("\r[3/5] failures 1, ETA 00:02, last: planted pop.00002 stems lime\033[K"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().find("FAILED"), std::string::npos);  // the live line counts failures; the list comes last
  reporter->finish(records);
  EXPECT_NE(out.str().find("\033[K\n\nhearsay bench: 5 jobs, 1 failed\n"), std::string::npos) << out.str();
}

TEST(ConsoleReporter, LiveLineNeverWrapsOnAnUsualTerminal) {
  // A wrapped line is redrawn only in part by '\r', leaving a trail of lines behind.
  std::ostringstream out;
  const auto reporter = make_console_reporter(out, true);
  reporter->begin(sample_run("runs/a"));
  reporter->record(ok_job(job("planted", std::string(200, 'c'), "stems", "lime"), 1.0, 1, nullptr), true);
  const std::string text = out.str();
  const size_t start = text.rfind('\r'), end = text.rfind("\033[K");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(end - start - 1, 100u);
  EXPECT_EQ(text.substr(end - 3, 3), "...");
}

TEST(ConsoleReporter, ListsAtMostTwentyFailures) {
  std::vector<Record> records;
  for (int i = 0; i < 25; ++i)
    records.push_back(failed_job(job("s", "clip" + std::to_string(i), "stems", "lime"), "IoError", "unreadable"));
  std::ostringstream out;
  make_console_reporter(out, false)->finish(records);
  const std::string text = out.str();
  EXPECT_NE(text.find("failed jobs (25):\n"), std::string::npos);
  EXPECT_NE(text.find("  s clip19 stems lime: IoError: unreadable\n  ... and 5 more\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("clip20 "), std::string::npos);
}

}  // namespace
}  // namespace hearsay::bench
