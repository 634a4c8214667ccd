// report.html on records and a run folder made by hand: which sections appear for which data, what
// the page may point at (only files next to it, or nothing with embedded audio), and that the data
// the charts draw is the records' (the browser itself is tests/bench/report_browser_test.sh).
#include "bench/html_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "core/error.h"
#include "core/file_io.h"
#include "tests/support/test_support.h"

namespace hearsay::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Record job(const std::string& clip, const std::string& method, const std::vector<double>& scores) {
  Record r;
  r.job = clip + "-" + method;
  r.config = {{"study", "planted"}, {"clip", clip}, {"label", "jazz"}, {"method", method}, {"factorization", "stems"}};
  r.ok = true;
  r.explanation = {{"target_name", "jazz"},   {"predicted", "jazz"},
                   {"output", "probability"}, {"names", {"drums.t00", "bass.t00", "vocals.t00"}},
                   {"scores", scores},        {"top", {"drums.t00"}}};
  r.cost = {{"seconds", method == "lime" ? 2.0 : 0.5}, {"evals", 100}, {"model_runs", 100}, {"gradient_passes", 0}};
  r.metrics["localisation"] = {{"value", method == "lime" ? 0.9 : 0.4}, {"extra", json::object()}};
  r.metrics["deletion"] = {{"value", 0.3},
                           {"curve", {0.9, 0.5, 0.2, 0.1}},
                           {"extra",
                            {{"insertion_curve", {0.1, 0.6, 0.8, 0.9}},
                             {"random_deletion_curve", {0.9, 0.7, 0.4, 0.1}},
                             {"random_insertion_curve", {0.1, 0.3, 0.6, 0.9}}}}};
  return r;
}

struct RunFolder {
  testing::TempDir dir;
  std::vector<Record> records;
  RunFolder() {
    write_text_file(dir.file("run.json"),
                    json{{"hearsay", "9.9.9"},
                         {"config", {{"seed", 7}}},
                         {"machine", {{"cpu", "Test CPU"}, {"threads", 2}, {"hardware_threads", 4}}},
                         {"wall_seconds", 75.0},
                         {"studies",
                          {{{"name", "planted"},
                            {"model_name", "vgg_small"},
                            {"test_accuracy", 0.875},
                            {"classes", {"jazz", "rock"}},
                            {"clips", {"jazz.1", "jazz.2"}}}}}}
                        .dump());
    for (const char* clip : {"jazz.1", "jazz.2"}) {
      records.push_back(job(clip, "lime", {0.5, 0.2, -0.1}));
      records.push_back(job(clip, "occlusion", {0.4, -0.3, 0.1}));
    }
    // The first clip's files as a bench run leaves them.
    const fs::path clip_dir = dir.path() / "jobs" / "planted" / "jazz.1";
    const fs::path job_dir = clip_dir / "stems.lime.abcdef12";
    fs::create_directories(job_dir);
    testing::write_bytes((clip_dir / "clip.flac").string(), "fLaC-not-really");
    testing::write_bytes((job_dir / "lime.png").string(), "PNGBYTES");
    testing::write_bytes((job_dir / "lime.top.flac").string(), "TOP");
    testing::write_bytes((job_dir / "lime.rest.flac").string(), "REST");
    records[0].files = "jobs/planted/jazz.1/stems.lime.abcdef12";
    Record failed;
    failed.job = "failed";
    failed.config = {{"study", "planted"}, {"clip", "jazz.3"}, {"method", "lrp"}, {"factorization", "stems"}};
    failed.error_type = "UnsupportedModelError";
    failed.error = "lrp: layer <Conv3d> has no rule";
    records.push_back(failed);
  }
};

json chart_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t a = page.find(open);
  EXPECT_NE(a, std::string::npos);
  const size_t b = page.find("</script>", a);
  return json::parse(page.substr(a + open.size(), b - a - open.size()));
}

TEST(HtmlReport, Base64MatchesRfc4648) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\x00\x80", 3)), "/wCA");
  EXPECT_EQ(html_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
}

TEST(HtmlReport, SectionsFollowTheData) {
  RunFolder run;
  const std::string page = html_report(run.dir.path().string(), run.records, {});
  for (const char* id : {"overview", "ranking", "cost", "curves", "agreement", "clips", "failures"})
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  // No adversarial records, no sanity or stability metric, no global aggregates over stems with one class.
  for (const char* id : {"adversarial", "trust"})
    EXPECT_EQ(page.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  EXPECT_NE(page.find("Test CPU, 2 of 4 threads"), std::string::npos);
  EXPECT_NE(page.find("hearsay 9.9.9"), std::string::npos);
  EXPECT_NE(page.find("wall time 1 min 15 s"), std::string::npos);
  EXPECT_NE(page.find("87.5 %"), std::string::npos);
  // The failure, escaped.
  EXPECT_NE(page.find("lrp: layer &lt;Conv3d&gt; has no rule"), std::string::npos);
  // Localisation: lime 0.9 on both clips is best, occlusion's 0.4 (no spread) is worse.
  EXPECT_NE(page.find("<td class=\"best\">0.900 [0.900, 0.900]</td>"), std::string::npos);
  EXPECT_NE(page.find("<td class=\"worse\">0.400 [0.400, 0.400]</td>"), std::string::npos);
  // Agreement: Spearman of (0.5, 0.2, -0.1) and (0.4, -0.3, 0.1) is 0.5 on both clips.
  EXPECT_NE(page.find(">0.50</td>"), std::string::npos);
}

TEST(HtmlReport, ChartsCarryTheRecordsNumbers) {
  RunFolder run;
  const json data = chart_data(html_report(run.dir.path().string(), run.records, {}));
  bool deletion = false, scatter = false;
  for (const auto& c : data.at("charts")) {
    const json& config = c.at("config");
    if (config.at("type") == "scatter") {
      for (const auto& d : config["data"]["datasets"])
        if (d["label"] == "lime") {
          scatter = true;
          EXPECT_DOUBLE_EQ(d["data"][0]["x"].get<double>(), 2.0);
          EXPECT_DOUBLE_EQ(d["data"][0]["y"].get<double>(), 0.9);
        }
    }
    if (config.at("type") == "line" && config["data"]["datasets"][0]["label"] == "lime") {
      const auto& curve = config["data"]["datasets"][0]["data"];
      ASSERT_EQ(curve.size(), 21u);
      if (curve[0].get<double>() == 0.9) {
        deletion = true;
        // 4 points on [0, 1] resampled to 21: x = 0.5 sits halfway between 0.5 and 0.2.
        EXPECT_NEAR(curve[10].get<double>(), 0.35, 1e-12);
        EXPECT_NEAR(curve[20].get<double>(), 0.1, 1e-12);
      }
    }
  }
  EXPECT_TRUE(deletion);
  EXPECT_TRUE(scatter);
}

TEST(HtmlReport, PointsOnlyAtFilesNextToItOrEmbedsThem) {
  RunFolder run;
  const std::string page = html_report(run.dir.path().string(), run.records, {});
  // Nothing from a network: no src or href with a scheme other than data:, and a policy forbidding it.
  EXPECT_FALSE(std::regex_search(page, std::regex("(src|href)=\"(https?:|//)")));
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(page.find("Chart.js v3"), std::string::npos);  // the inlined library
  // The clip, its top components and the rest, relative to the page; the figure embedded.
  for (const char* file : {"jobs/planted/jazz.1/clip.flac", "jobs/planted/jazz.1/stems.lime.abcdef12/lime.top.flac",
                           "jobs/planted/jazz.1/stems.lime.abcdef12/lime.rest.flac"}) {
    EXPECT_NE(page.find(std::string("src=\"") + file + "\""), std::string::npos) << file;
    EXPECT_TRUE(fs::exists(run.dir.path() / file));
  }
  EXPECT_NE(page.find("src=\"data:image/png;base64," + base64("PNGBYTES") + "\""), std::string::npos);

  HtmlReportOptions embed;
  embed.embed_audio = true;
  const std::string embedded = html_report(run.dir.path().string(), run.records, embed);
  EXPECT_EQ(embedded.find("src=\"jobs/"), std::string::npos);
  EXPECT_NE(embedded.find("src=\"data:audio/flac;base64," + base64("TOP") + "\""), std::string::npos);

  HtmlReportOptions none;
  none.clips = 0;
  EXPECT_EQ(html_report(run.dir.path().string(), run.records, none).find("<section id=\"clips\">"), std::string::npos);
  none.clips = -1;
  EXPECT_THROW(html_report(run.dir.path().string(), run.records, none), ConfigError);
}

TEST(HtmlReport, TheSameRecordsGiveTheSamePageAndScriptEndTagsCannotLeak) {
  RunFolder run;
  run.records[1].config["method"] = "</script><b>x";
  const std::string a = html_report(run.dir.path().string(), run.records, {});
  EXPECT_EQ(a, html_report(run.dir.path().string(), run.records, {}));
  // The method name reaches the chart data JSON escaped, and the HTML escaped.
  EXPECT_EQ(a.find("</script><b>x"), std::string::npos);
  EXPECT_NO_THROW(chart_data(a));
}

}  // namespace
}  // namespace hearsay::bench
