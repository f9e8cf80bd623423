// Corrupted input: every kind of unusable file gives a message naming the file and the
// field, that kernel shown as infra-error, the other kernels untouched, and every writer
// still writes. Never a crash, never a guessed cell.
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/html_report.h"
#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"
#include "reports/report.h"
#include "reports/text.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using nlohmann::json;
using testing::slurp;
using testing::spit;
using testing::TempDir;

constexpr const char* kVictim = "debian-6.1-cloud";

struct Corruption {
  const char* name;
  const char* file;  // in the victim kernel's directory
  std::function<void(const std::string& path)> apply;
  const char* expect;  // in the problem message
};

using testing::edit_json;

std::function<void(const std::string&)> edit(std::function<void(json&)> f) {
  return [f](const std::string& path) { edit_json(path, f); };
}

const Corruption kCases[] = {
    {"Truncated", "conformance.json", [](const std::string& p) { spit(p, slurp(p).substr(0, slurp(p).size() / 2)); },
     "malformed JSON"},
    {"Empty", "probe.json", [](const std::string& p) { spit(p, ""); }, "malformed JSON"},
    {"BinaryGarbage", "bench.json", [](const std::string& p) { spit(p, std::string("\x00\xff\xfe{", 4)); },
     "malformed JSON"},
    {"TopLevelArray", "status.json", [](const std::string& p) { spit(p, "[1,2]"); }, "expected a JSON object"},
    {"FutureSchema", "probe.json", edit([](json& d) { d["schema_version"] = 2; }),
     "newer than this nsmatrix understands"},
    {"SchemaVersionAsString", "kernel.json", edit([](json& d) { d["schema_version"] = "1"; }),
     "schema_version is not an integer"},
    {"NoSchemaVersion", "status.json", edit([](json& d) { d.erase("schema_version"); }), "no schema_version"},
    {"WrongKind", "probe.json", edit([](json& d) { d["kind"] = "bench"; }), "not a probe file"},
    {"UnknownOutcome", "conformance.json", edit([](json& d) {
       d["checks"][2]["outcome"] = "flaky";
       d.erase("summary");
     }),
     "checks[2].outcome: unknown word \"flaky\""},
    {"OutcomeOfWrongType", "conformance.json", edit([](json& d) { d["checks"][0]["outcome"] = 5; }),
     "checks[0].outcome: expected a string, found a number"},
    {"RefNotAString", "conformance.json", edit([](json& d) {
       d["checks"][0]["refs"] = json::array({"CVE-2022-0492", 7});
     }),
     "checks[0].refs: item 1: expected a string, found a number"},
    {"ChecksNotAnArray", "conformance.json", edit([](json& d) { d["checks"] = json::object(); }),
     "checks: expected an array"},
    {"SummaryDisagrees", "conformance.json", edit([](json& d) { d["summary"]["pass"] = 99; }),
     "summary.pass: says 99 but the checks hold"},
    {"GapThatPassed", "conformance.json", edit([](json& d) {
       for (auto& c : d["checks"])
         if (c["kind"] == "gap") c["outcome"] = "pass";
       d.erase("summary");
     }),
     "\"pass\" for a gap"},
    {"GuaranteeConfirmedAsGap", "conformance.json", edit([](json& d) {
       d["checks"][0]["outcome"] = "gap-confirmed";
       d.erase("summary");
     }),
     "only gaps are confirmed or closed"},
    {"DuplicateCheck", "conformance.json", edit([](json& d) {
       d["checks"].push_back(d["checks"][0]);
       d.erase("summary");
     }),
     "appears twice"},
    {"UnknownVerdict", "probe.json", edit([](json& d) { d["namespaces"][5]["verdict"] = "maybe"; }),
     "namespaces[5].verdict: unknown word \"maybe\""},
    {"UnknownNamespaceType", "probe.json", edit([](json& d) { d["namespaces"][0]["type"] = "syslog"; }),
     "namespaces[0].type: unknown word \"syslog\""},
    {"NamespacesNotAnArray", "probe.json", edit([](json& d) { d["namespaces"] = "all"; }),
     "namespaces: expected an array, found a string"},
    {"NestedFeatureEvidence", "probe.json",
     edit([](json& d) { d["features"][0]["evidence"]["call"] = json::object(); }), "evidence is flat"},
    {"MetricValueNotANumber", "bench.json", edit([](json& d) { d["checks"][0]["metrics"][0]["value"] = "fast"; }),
     "checks[0].metrics[0].value: expected a number, found a string"},
    {"PassedBenchmarkWithoutMetrics", "bench.json", edit([](json& d) { d["checks"][0]["metrics"] = json::array(); }),
     "a passed benchmark has no metrics"},
    {"UnknownStatus", "status.json", edit([](json& d) { d["status"] = "exploded"; }),
     "status: unknown word \"exploded\""},
    {"DurationNotANumber", "status.json", edit([](json& d) { d["durations"]["boot_seconds"] = "1.8s"; }),
     "durations.boot_seconds: expected a number"},
    {"UnknownAccel", "kernel.json", edit([](json& d) { d["accel"] = "hvf"; }), "accel: unknown word \"hvf\""},
    {"KernelIdMismatch", "kernel.json", edit([](json& d) { d["id"] = "someone-else"; }),
     "id is \"someone-else\" but the directory is"},
    {"OkWithoutProbe", "probe.json", [](const std::string& p) { std::remove(p.c_str()); },
     "missing, but status.json says ok"},
    {"NoStatus", "status.json", [](const std::string& p) { std::remove(p.c_str()); }, ""},
};

class CorruptInput : public ::testing::TestWithParam<Corruption> {};

TEST_P(CorruptInput, NamesTheFileAndShowsTheKernelAsInfraError) {
  const Corruption& c = GetParam();
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  const std::string victim_file = run_dir + "/" + kVictim + "/" + c.file;
  c.apply(victim_file);

  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.kernels.size(), 3u);
  const KernelResults& victim = run.kernels[0];
  ASSERT_EQ(victim.id, kVictim);
  EXPECT_EQ(victim.effective_status(), KernelStatus::InfraError);
  if (*c.expect) {
    ASSERT_EQ(victim.problems.size(), 1u);
    EXPECT_NE(victim.problems[0].find(victim_file), std::string::npos) << "names the file: " << victim.problems[0];
    EXPECT_NE(victim.problems[0].find(c.expect), std::string::npos) << victim.problems[0];
  } else {
    EXPECT_TRUE(victim.problems.empty());
    EXPECT_NE(victim.effective_reason().find("no status.json"), std::string::npos);
  }
  // The others are untouched.
  EXPECT_TRUE(run.kernels[1].problems.empty());
  EXPECT_EQ(run.kernels[1].effective_status(), KernelStatus::Ok);
  EXPECT_EQ(run.kernels[2].effective_status(), KernelStatus::BootFailed);

  // Every writer still writes, and says why.
  const auto written = write_reports(run, scratch / "out");
  ASSERT_EQ(written.size(), 4u);
  const std::string html = slurp(scratch / "out/report.html");
  const std::string reason = victim.effective_reason();
  EXPECT_NE(html.find(html_escape(reason)), std::string::npos);
  EXPECT_NE(slurp(scratch / "out/summary.md").find("infra-error"), std::string::npos);
  EXPECT_NE(slurp(scratch / "out/junit.xml").find("status\" value=\"infra-error\""), std::string::npos);
  const json kcidb = json::parse(slurp(scratch / "out/kcidb.json"));
  bool miss = false;
  for (const auto& t : kcidb["tests"])
    miss |= t["status"] == "MISS" && t["build_id"].get<std::string>().ends_with(std::string("/") + kVictim);
  EXPECT_TRUE(miss) << "the victim's unusable results are a MISS in kcidb.json";
}

INSTANTIATE_TEST_SUITE_P(Files, CorruptInput, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Corruption>& info) { return std::string(info.param.name); });

// A guest told to run only some stages (nsmatrix matrix --stages probe) lists them in
// status.json: only their files are expected; a listed stage's missing file is a problem.
TEST(StagesRun, OnlyTheListedStagesResultsAreExpected) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  const std::string victim = run_dir + "/" + kVictim;
  std::remove((victim + "/conformance.json").c_str());
  std::remove((victim + "/bench.json").c_str());
  edit_json(victim + "/status.json", [](json& d) { d["stages"] = {{{"name", "probe"}, {"results", true}}}; });
  RunResults run = load_results(run_dir);
  EXPECT_TRUE(run.kernels[0].problems.empty()) << run.kernels[0].problems.at(0);
  EXPECT_EQ(run.kernels[0].effective_status(), KernelStatus::Ok);

  edit_json(victim + "/status.json", [](json& d) { d["stages"].push_back({{"name", "bench"}, {"results", true}}); });
  run = load_results(run_dir);
  ASSERT_EQ(run.kernels[0].problems.size(), 1u);
  EXPECT_NE(run.kernels[0].problems[0].find("bench.json: missing, but status.json says ok"), std::string::npos);
  EXPECT_EQ(run.kernels[0].effective_status(), KernelStatus::InfraError);
}

TEST(CorruptRun, MalformedRunJsonFallsBackToTheDirectoryListing) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  spit(run_dir + "/run.json", "{\"schema_version\": 1, \"kind\": \"run\", \"run_id\": ");
  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.problems.size(), 1u);
  EXPECT_NE(run.problems[0].find(run_dir + "/run.json: malformed JSON"), std::string::npos);
  ASSERT_EQ(run.kernels.size(), 3u);  // sorted by name, all there
  EXPECT_EQ(run.kernels[0].id, "build-6.12-notime");
  EXPECT_NO_THROW(write_reports(run, scratch / "out"));
}

TEST(CorruptRun, AListedKernelWithoutADirectoryIsInfraError) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  edit_json(run_dir + "/run.json", [](json& d) { d["kernels"].push_back("debian-7.0-ghost"); });
  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.kernels.size(), 4u);
  EXPECT_EQ(run.kernels[3].effective_status(), KernelStatus::InfraError);
  EXPECT_NE(run.kernels[3].problems.at(0).find("debian-7.0-ghost"), std::string::npos);
}

TEST(CorruptRun, AKernelDirectoryNotInRunJsonIsShownAndNamed) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  edit_json(run_dir + "/run.json", [](json& d) { d["kernels"].erase(1); });
  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.kernels.size(), 3u);
  EXPECT_EQ(run.kernels[2].id, "build-6.12-notime");
  ASSERT_EQ(run.problems.size(), 1u);
  EXPECT_NE(run.problems[0].find("not listed in run.json"), std::string::npos);
}

TEST(CorruptRun, RunJsonKernelIdsMustBeDirectoryNames) {
  TempDir scratch;
  const std::string run_dir = testing::copy_fixture("matrix", scratch);
  edit_json(run_dir + "/run.json", [](json& d) { d["kernels"] = {"../../etc"}; });
  const RunResults run = load_results(run_dir);
  ASSERT_EQ(run.problems.size(), 1u);
  EXPECT_NE(run.problems[0].find("is not a directory name"), std::string::npos);
  for (const auto& k : run.kernels) EXPECT_NE(k.id, "../../etc");
}

}  // namespace
}  // namespace nsm::reports
