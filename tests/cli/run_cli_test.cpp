// `nsmatrix run`, the README's main command, as a user runs it: the results layout it
// writes, the report it ends with, and its exit codes. A filtered conformance stage and no
// benchmarks keep it fast; the stages themselves have their own tests.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/command.h"

namespace nsm {
namespace {

namespace fs = std::filesystem;
using testing_support::run_command;

using nsm::testing_support::nsmatrix_binary;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class RunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/nsmatrix-run-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(RunCli, WritesTheResultsLayoutAndEndsWithTheReportPath) {
  const fs::path out = dir_ / "results";
  auto r = run_command({nsmatrix_binary(), "run", "--out", out, "--bench", "none", "--filter", "UtsNamespace.*"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  for (const char* file : {"run.json", "host/kernel.json", "host/probe.json", "host/conformance.json",
                           "host/status.json", "report.html", "summary.md", "junit.xml", "kcidb.json"})
    EXPECT_TRUE(fs::exists(out / file)) << file;
  EXPECT_FALSE(fs::exists(out / "host/bench.json")) << "--bench none runs no benchmarks";

  const auto status = read_json(out / "host/status.json");
  EXPECT_EQ(status["status"], "ok");
  ASSERT_EQ(status["stages"].size(), 2u);
  EXPECT_EQ(status["stages"][0]["name"], "probe");
  EXPECT_EQ(status["stages"][1]["name"], "conformance");
  EXPECT_TRUE(status["durations"].contains("total_seconds"));

  const auto kernel = read_json(out / "host/kernel.json");
  EXPECT_EQ(kernel["id"], "host");
  EXPECT_EQ(kernel["accel"], "native");
  EXPECT_EQ(read_json(out / "run.json")["kernels"], nlohmann::json::array({"host"}));

  // Only the filtered checks ran; the others are listed as skipped by the filter, none failed.
  const auto conformance = read_json(out / "host/conformance.json");
  int ran = 0;
  for (const auto& check : conformance["checks"]) {
    EXPECT_NE(check["outcome"], "fail") << check["id"];
    EXPECT_NE(check["outcome"], "broken") << check["id"];
    ran += check["outcome"] == "pass";
  }
  EXPECT_GT(ran, 0);

  // The last line names the report, for the reader and for scripts.
  const std::string last_line = "report: " + (out / "report.html").string() + "\n";
  ASSERT_GE(r.out.size(), last_line.size());
  EXPECT_EQ(r.out.substr(r.out.size() - last_line.size()), last_line);
}

TEST_F(RunCli, ASecondRunIntoTheSameDirectoryLeavesNoStaleFiles) {
  const fs::path out = dir_ / "results";
  fs::create_directories(out / "host");
  std::ofstream(out / "host/bench.json") << "{\"stale\": true}";
  auto r = run_command(
      {nsmatrix_binary(), "run", "--out", out, "--bench", "none", "--no-report", "--filter", "UtsNamespace.*"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(out / "host/bench.json")) << "a previous run's bench.json must not pass for this run's";
  EXPECT_FALSE(fs::exists(out / "report.html")) << "--no-report";
}

TEST_F(RunCli, BadArgumentsExitWith2AndWriteNothing) {
  const fs::path out = dir_ / "results";
  auto r = run_command({nsmatrix_binary(), "run", "--out", out, "--bench", "sometimes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--bench"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(RunCli, AFilterThatSelectsNoCheckExitsWith2BeforeAnyStage) {
  const fs::path out = dir_ / "results";
  auto r = run_command({nsmatrix_binary(), "run", "--out", out, "--bench", "none", "--filter", "nosuch.*"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("nosuch.*"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// A hung benchmark suite: `nsmatrix run` kills the bench stage at its deadline, records it
// as broken, and goes on with the next stage and the report. nsmatrix finds nsmatrix-bench
// next to itself, so a copy of it sits beside a stand-in that never ends.
TEST_F(RunCli, AHungBenchmarkEndsAtItsDeadlineAndTheRunGoesOn) {
  const fs::path bin = dir_ / "bin";
  fs::create_directories(bin);
  fs::copy_file(nsmatrix_binary(), bin / "nsmatrix");
  std::ofstream(bin / "nsmatrix-bench") << "#!/bin/sh\nexec sleep 600\n";
  fs::permissions(bin / "nsmatrix-bench", fs::perms::owner_all);
  const fs::path out = dir_ / "results";
  const auto started = std::chrono::steady_clock::now();
  auto r = run_command({bin / "nsmatrix", "run", "--out", out, "--stages", "bench,probe", "--stage-timeout", "2"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 3) << "a stage without results is broken\n" << r.out << r.err;
  EXPECT_LT(seconds, 60) << "the run waited for the hung suite";

  const auto status = read_json(out / "host/status.json");
  EXPECT_EQ(status["status"], "infra-error");
  ASSERT_EQ(status["stages"].size(), 2u);
  const auto& bench = status["stages"][0];
  EXPECT_EQ(bench["name"], "bench");
  EXPECT_TRUE(bench["exit_code"].is_null());
  EXPECT_EQ(bench["end"].get<std::string>().rfind("timed out after", 0), 0u) << bench["end"];
  EXPECT_GE(bench["seconds"].get<double>(), 2.0);
  EXPECT_FALSE(bench["results"].get<bool>());
  EXPECT_NE(status["reason"].get<std::string>().find("stage bench: "), std::string::npos) << status["reason"];
  // The run went on: the next stage ran (on a busy machine it may meet the same short
  // deadline), and the report was written.
  EXPECT_EQ(status["stages"][1]["name"], "probe");
  EXPECT_NE(status["stages"][1]["end"], "not started");
  EXPECT_FALSE(fs::exists(out / "host/bench.json"));
  EXPECT_TRUE(fs::exists(out / "report.html"));
}

}  // namespace
}  // namespace nsm
