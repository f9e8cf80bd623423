// Results written by a hostile guest (issue 16) or with bytes from anywhere: the report
// reader never crashes, hangs or fails on them, and every writer still writes well-formed
// output that says what it had to repair.
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/results.h"
#include "core/utf8.h"
#include "reports/html_report.h"
#include "reports/load.h"
#include "reports/report.h"
#include "reports/svg_chart.h"
#include "reports/text.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using nlohmann::json;
using testing::edit_json;
using testing::slurp;
using testing::spit;
using testing::TempDir;

constexpr const char* kTarget = "debian-6.1-cloud";

bool is_valid_utf8(const std::string& text) {
  bool replaced = false;
  valid_utf8(text, &replaced);
  return !replaced;
}

TEST(HostileInput, BytesThatAreNotUtf8AreReplacedAndSaid) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  // A reason with an invalid byte and U+FFFF (which XML forbids), in a directory whose name
  // is not UTF-8 either; run.json is gone, so the kernels come from the listing.
  const std::string conformance = run_dir + "/" + kTarget + "/conformance.json";
  std::string text = slurp(conformance);
  const size_t at = text.find("\"reason\": \"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 11, "bad \xff byte \xEF\xBF\xBF ");
  spit(conformance, text);
  std::filesystem::rename(run_dir + "/" + kTarget, run_dir + "/debian-\xfe-cloud");
  std::filesystem::remove(run_dir + "/run.json");

  const RunResults run = load_results(run_dir);
  std::vector<std::string> written;
  ASSERT_NO_THROW(written = write_reports(run, scratch / "out"));
  ASSERT_EQ(written.size(), 4u);
  for (const auto& path : written) EXPECT_TRUE(is_valid_utf8(slurp(path))) << path;
  EXPECT_TRUE(json::parse(slurp(scratch / "out/kcidb.json")).is_object());
  const std::string html = slurp(scratch / "out/report.html");
  EXPECT_NE(html.find("not UTF-8"), std::string::npos);
  EXPECT_NE(html.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

TEST(HostileInput, DeepNestingIsAProblemNotACrash) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  spit(run_dir + "/" + kTarget + "/probe.json",
       "{\"schema_version\":1,\"kind\":\"probe\",\"x\":" + std::string(300000, '[') + std::string(300000, ']') + "}");
  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.kernels[0].problems.size(), 1u);
  EXPECT_NE(run.kernels[0].problems[0].find("nested deeper"), std::string::npos) << run.kernels[0].problems[0];
  EXPECT_NO_THROW(write_reports(run, scratch / "out"));
}

TEST(HostileInput, SchemaVersionPastIntIsNotOne) {
  TempDir scratch;
  const std::string path = scratch / "x.json";
  spit(path, R"({"schema_version": 4294967297, "kind": "probe"})");
  EXPECT_THROW(read_json_file(path, "probe"), ResultsError);
  spit(path, R"({"schema_version": 18446744073709551615, "kind": "probe"})");
  EXPECT_THROW(read_json_file(path, "probe"), ResultsError);
}

TEST(HostileInput, ValuesThatCannotBePlottedAreText) {
  for (const auto& bars :
       std::vector<std::vector<Bar>>{{{"k", 5e-324, std::nullopt, ""}},
                                     {{"k", 1.7e308, 1.7e308, ""}},
                                     {{"k", std::numeric_limits<double>::infinity(), std::nullopt, ""}},
                                     {{"k", std::nan(""), std::nullopt, ""}},
                                     {{"k", -3, std::nullopt, ""}}}) {
    const std::string out = bar_chart_svg(bars, "us", "chart");
    EXPECT_NE(out.find("cannot be plotted"), std::string::npos) << out;
    EXPECT_LT(out.size(), 1000u);
  }
  EXPECT_DOUBLE_EQ(nice_step(5e-324, 4), 1);
  EXPECT_DOUBLE_EQ(nice_step(std::numeric_limits<double>::infinity(), 4), 1);
}

TEST(HostileInput, AHugeSkipReasonIsGroupedInLinearTime) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  const std::string release = "6.1.0-28-cloud-amd64";
  std::string reason;
  while (reason.size() < (size_t{4} << 20)) reason += std::string(200, 'x') + release;
  edit_json(run_dir + "/" + kTarget + "/conformance.json", [&](json& d) {
    d["checks"][0]["outcome"] = "skip";
    d["checks"][0]["reason"] = reason;  // the release 19,000 times: once a replace each
    d.erase("summary");
  });
  const RunResults run = load_results(run_dir);
  const auto started = std::chrono::steady_clock::now();
  const std::string html = html_report(run);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 30.0) << "was 66 s when quadratic (2.7 s now, mostly escaping 4 MB)";
  EXPECT_NE(html.find("Why checks were skipped"), std::string::npos);
}

TEST(HostileInput, AGroupedSkipReasonKeepsItsDashes) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  const std::string reason = "clone3(CLONE_NEWUSER): EINVAL \u2014 the kernel does not know CLONE_NEWUSER";
  for (const char* kernel : {kTarget, "build-6.12-notime"})
    edit_json(run_dir + "/" + kernel + "/conformance.json", [&](json& d) {
      d["checks"][0]["outcome"] = "skip";
      d["checks"][0]["reason"] = reason;
      d.erase("summary");
    });
  const std::string html = html_report(load_results(run_dir));
  const size_t why = html.find("Why checks were skipped");
  ASSERT_NE(why, std::string::npos);
  EXPECT_NE(html.find("EINVAL \u2014 the kernel", why), std::string::npos);
  EXPECT_EQ(html.find("\xC3\xA2\xE2\x82\xAC"), std::string::npos) << "double-encoded UTF-8";
}

}  // namespace
}  // namespace nsm::reports
