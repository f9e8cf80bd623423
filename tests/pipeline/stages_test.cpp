// The stage pipeline with a stand-in for nsmatrix: a script whose subcommands write their
// results file, fail, or hang, so that every way a stage can end is seen in its record.
#include "pipeline/stages.h"

#include <sys/stat.h>

#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "tests/support/temp_dir.h"

namespace nsm::pipeline {
namespace {

using namespace std::chrono_literals;

// "nsmatrix <stage> -o FILE ...": probe writes its file and exits 0, test writes its file and
// exits 1 (a check failed), bench does what $NSM_FAKE_BENCH says.
constexpr const char* kFakeNsmatrix = R"(#!/bin/sh
sub=$1; out=$3
case $sub in
  probe) echo '{}' > "$out" ;;
  test) echo '{}' > "$out"; exit 1 ;;
  bench)
    case $NSM_FAKE_BENCH in
      hang) exec sleep 600 ;;
      refuse) echo 'bench: --nonsense is not an option' >&2; exit 2 ;;
      broken) echo '{}' > "$out"; exit 3 ;;
      *) echo '{}' > "$out" ;;
    esac ;;
esac
)";

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.nsmatrix = dir_.write("nsmatrix", kFakeNsmatrix);
    ASSERT_EQ(::chmod(options_.nsmatrix.c_str(), 0755), 0);
    options_.results_dir = dir_.path();
    options_.log_to_files = true;
  }
  test::TempDir dir_;
  PipelineOptions options_;
};

TEST_F(Pipeline, StagesRunInOrderAndRecordHowTheyEnded) {
  options_.stages = {"probe", "conformance", "bench"};
  const PipelineResult r = run_pipeline(options_);
  ASSERT_EQ(r.stages.size(), 3u);
  EXPECT_EQ(r.stages[0].name, "probe");
  EXPECT_EQ(r.stages[0].exit_code, 0);
  EXPECT_TRUE(r.stages[0].results);
  EXPECT_EQ(r.stages[1].name, "conformance");
  EXPECT_EQ(r.stages[1].exit_code, 1);
  EXPECT_TRUE(r.stages[1].failures()) << "exit 1: a check failed, and its results count";
  EXPECT_FALSE(r.stages[1].error.has_value());
  EXPECT_EQ(r.stages[2].end, "exited with status 0");
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.failures());
  EXPECT_EQ(r.reason(), "");
  EXPECT_EQ(r.stages_json()[1]["command"], options_.nsmatrix + " test -o " + dir_.path() + "/conformance.json");
}

TEST_F(Pipeline, AHungStageIsKilledAtItsDeadlineAndTheNextStageRuns) {
  options_.stages = {"bench", "probe"};
  options_.stage_timeout = 1s;
  options_.environment = {{"NSM_FAKE_BENCH", "hang"}};
  const auto started = std::chrono::steady_clock::now();
  const PipelineResult r = run_pipeline(options_);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  ASSERT_EQ(r.stages.size(), 2u);
  const StageRecord& bench = r.stages[0];
  EXPECT_FALSE(bench.exit_code.has_value());
  EXPECT_GE(bench.seconds, 1.0);
  EXPECT_EQ(bench.end.rfind("timed out after", 0), 0u) << bench.end;
  ASSERT_TRUE(bench.error.has_value());
  EXPECT_NE(bench.error->find("timed out"), std::string::npos) << *bench.error;
  EXPECT_FALSE(bench.results);
  EXPECT_TRUE(r.stages[1].results) << "the pipeline went on";
  EXPECT_FALSE(r.stages[1].error.has_value());
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.reason().rfind("stage bench: ", 0), 0u) << r.reason();
}

TEST_F(Pipeline, AStageWithoutResultsSaysWhyFromTheEndOfItsLog) {
  options_.stages = {"bench"};
  options_.environment = {{"NSM_FAKE_BENCH", "refuse"}};
  const PipelineResult r = run_pipeline(options_);
  ASSERT_EQ(r.stages.size(), 1u);
  EXPECT_EQ(r.stages[0].exit_code, 2);
  ASSERT_TRUE(r.stages[0].error.has_value());
  EXPECT_NE(r.stages[0].error->find("exited with status 2 and wrote no bench.json: bench: --nonsense is not an option"),
            std::string::npos)
      << *r.stages[0].error;
  EXPECT_EQ(read_file(dir_ / "bench.log").value_or(""), "bench: --nonsense is not an option\n");
}

TEST_F(Pipeline, ExitStatus3IsBrokenEvenWithAResultsFile) {
  options_.stages = {"bench"};
  options_.environment = {{"NSM_FAKE_BENCH", "broken"}};
  const PipelineResult r = run_pipeline(options_);
  EXPECT_TRUE(r.stages[0].results);
  ASSERT_TRUE(r.stages[0].error.has_value());
  EXPECT_FALSE(r.complete());
}

TEST_F(Pipeline, AStageDueAfterTheDeadlineIsNotStarted) {
  options_.stages = {"probe"};
  options_.deadline = std::chrono::steady_clock::now();
  size_t started = 0;
  options_.on_start = [&](const Stage&, size_t, size_t) { ++started; };
  const PipelineResult r = run_pipeline(options_);
  EXPECT_EQ(started, 0u);
  ASSERT_EQ(r.stages.size(), 1u);
  EXPECT_EQ(r.stages[0].end, "not started");
  EXPECT_EQ(r.stages[0].error, "not started: the deadline had passed");
  EXPECT_FALSE(read_file(dir_ / "probe.json").has_value());
}

TEST_F(Pipeline, APreviousRunsResultsFileDoesNotPassForThisOnes) {
  dir_.write("bench.json", "{\"stale\": true}");
  options_.stages = {"bench"};
  options_.environment = {{"NSM_FAKE_BENCH", "refuse"}};
  const PipelineResult r = run_pipeline(options_);
  EXPECT_FALSE(r.stages[0].results);
}

TEST(StageCommand, NamesTheSubcommandAndItsResultsFile) {
  StageArgs args;
  args.bench_quick = false;
  args.test_filter = "uts.*";
  EXPECT_EQ(stage_command("conformance", "/n", "/r", args).argv,
            (std::vector<std::string>{"/n", "test", "-o", "/r/conformance.json", "--filter", "uts.*"}));
  EXPECT_EQ(stage_command("bench", "/n", "/r", args).argv,
            (std::vector<std::string>{"/n", "bench", "-o", "/r/bench.json"}));
  EXPECT_EQ(stage_command("probe", "/n", "/r", args).results_file, "probe.json");
  EXPECT_THROW(stage_command("report", "/n", "/r", args), InputError);
}

}  // namespace
}  // namespace nsm::pipeline
