// `nsmatrix report` as a user runs it: paths on stdout (the HTML last), unusable files
// named on stderr, exit codes. And the report read against a real producer: the probe
// command's own probe.json must load without a single problem.
#include <filesystem>

#include <gtest/gtest.h>

#include "reports/load.h"
#include "tests/support/command.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using testing_support::run_command;
namespace fs = std::filesystem;

using nsm::testing_support::nsmatrix_binary;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  return out;
}

TEST(ReportCli, WritesIntoTheResultsDirectoryAndPrintsTheHtmlLast) {
  testing::TempDir scratch;
  const std::string run = testing::copy_fixture("matrix", scratch);
  const auto r = run_command({nsmatrix_binary(), "report", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const auto printed = lines(r.out);
  ASSERT_EQ(printed.size(), 4u) << r.out;
  EXPECT_EQ(printed.back(), run + "/report.html");
  for (const auto& path : printed) EXPECT_TRUE(fs::exists(path)) << path;
}

TEST(ReportCli, WritesWhereToldWithDashO) {
  testing::TempDir scratch;
  const auto r = run_command({nsmatrix_binary(), "report", testing::fixture("host"), "-o", scratch / "out/deeper"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"summary.md", "junit.xml", "kcidb.json", "report.html"})
    EXPECT_TRUE(fs::exists(scratch / (std::string("out/deeper/") + name))) << name;
}

TEST(ReportCli, AnUnusableFileIsNamedOnStderrAndTheReportIsStillWritten) {
  testing::TempDir scratch;
  const std::string run = testing::copy_fixture("matrix", scratch);
  testing::spit(run + "/debian-6.1-cloud/probe.json", "{\"schema_version\": 7, \"kind\": \"probe\"}");
  const auto r = run_command({nsmatrix_binary(), "report", run, "-o", scratch / "out"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(run + "/debian-6.1-cloud/probe.json: schema_version 7 is newer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kernel debian-6.1-cloud is shown as infra-error"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(scratch / "out/report.html"));
}

TEST(ReportCli, AMissingDirectoryIsBadInput) {
  testing::TempDir scratch;
  const auto r = run_command({nsmatrix_binary(), "report", scratch / "nothing-here"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find(scratch / "nothing-here"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err).size(), 1u) << "one clear line: " << r.err;
}

TEST(ReportCli, NoArgumentIsAUsageError) {
  const auto r = run_command({nsmatrix_binary(), "report"});
  EXPECT_EQ(r.exit_code, 2);
}

// The contract with the probe's author: what `nsmatrix probe --json` writes, the report reads.
TEST(ReportCli, ReadsTheProbeCommandsOwnProbeJson) {
  testing::TempDir scratch;
  const auto probe = run_command({nsmatrix_binary(), "probe", "--json", "-o", scratch / "host/probe.json"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  const KernelResults k = load_kernel(scratch / "host", "host");
  ASSERT_TRUE(k.probe) << (k.problems.empty() ? "no probe" : k.problems.front());
  EXPECT_TRUE(k.problems.empty()) << k.problems.front();
  EXPECT_EQ(k.probe->namespaces.size(), 8u);
  EXPECT_FALSE(k.probe->features.empty());
  const auto r = run_command({nsmatrix_binary(), "report", scratch / "host", "-o", scratch / "out"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Only probe.json: no status.json says the run did not finish, and stderr says so.
  EXPECT_NE(r.err.find("no status.json"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nsm::reports
