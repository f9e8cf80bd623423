// The harness's outcomes, end to end: runs nsm_harness_fixture (harness_fixture.cpp) and
// reads what each check recorded in GoogleTest's JSON.
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/driver/conformance_json.h"
#include "core/proc.h"
#include "tests/support/command.h"

namespace {

using json = nlohmann::json;
using nsm::testing_support::run_command;

struct FixtureRun {
  int exit_code;
  std::string out;
  std::map<std::string, json> tests;  // "Fixture.Name" -> GoogleTest's testcase
};

FixtureRun run_fixture(const std::map<std::string, std::string>& env = {}, const std::string& filter = "*") {
  const std::string json_path = ::testing::TempDir() + "nsm-harness-" + std::to_string(::getpid()) + ".json";
  auto r = run_command({NSM_HARNESS_FIXTURE, "--gtest_filter=" + filter, "--gtest_output=json:" + json_path}, env);
  FixtureRun run{r.exit_code, r.out, {}};
  auto text = nsm::read_file(json_path);
  ::unlink(json_path.c_str());
  if (!text) return run;
  const json doc = json::parse(*text);
  for (const auto& suite : doc["testsuites"])
    for (const auto& test : suite["testsuite"])
      run.tests[suite["name"].get<std::string>() + "." + test["name"].get<std::string>()] = test;
  return run;
}

std::string outcome(const FixtureRun& run, const std::string& test) {
  auto it = run.tests.find(test);
  return it == run.tests.end() ? "(missing)" : it->second.value("nsm_outcome", "(none)");
}

class HarnessOutcomes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { run_ = new FixtureRun(run_fixture()); }
  static void TearDownTestSuite() { delete run_; }
  static FixtureRun* run_;
};
FixtureRun* HarnessOutcomes::run_ = nullptr;

TEST_F(HarnessOutcomes, PassFailAndSkipAreRecorded) {
  EXPECT_EQ(outcome(*run_, "Fixture.Passes"), "pass");
  EXPECT_EQ(outcome(*run_, "Fixture.Fails"), "fail");
  EXPECT_EQ(outcome(*run_, "Fixture.SkipsFromBody"), "skip");
  EXPECT_EQ(run_->tests["Fixture.SkipsFromBody"]["nsm_reason"], "not applicable here: simulated");
  EXPECT_EQ(run_->tests["Fixture.SkipsFromBody"]["result"], "SKIPPED");
}

TEST_F(HarnessOutcomes, NotesQualifyPassesAndGapsOnly) {
  EXPECT_EQ(outcome(*run_, "Fixture.PassesWithNote"), "pass");
  EXPECT_EQ(run_->tests["Fixture.PassesWithNote"]["nsm_reason"],
            "the kernel added something the guarantee allows (simulated)");
  EXPECT_NE(run_->out.find("NOTE      ] fixture.pass-note: the kernel added"), std::string::npos) << run_->out;
  EXPECT_EQ(outcome(*run_, "Fixture.FailsWithNote"), "fail");
  EXPECT_EQ(run_->tests["Fixture.FailsWithNote"]["nsm_reason"], "") << "a failure's text is its message, not a note";
  EXPECT_EQ(run_->tests["Fixture.GapConfirmed"]["nsm_reason"], "the leak is there (simulated); a remark (simulated)");
  EXPECT_EQ(run_->tests["Fixture.Passes"]["nsm_reason"], "");
}

TEST_F(HarnessOutcomes, UnmetRequirementSkipsBeforeTheBody) {
  EXPECT_EQ(outcome(*run_, "Fixture.SkipsOnRequirement"), "skip");
  EXPECT_NE(run_->tests["Fixture.SkipsOnRequirement"]["nsm_reason"].get<std::string>().find("guest-only"),
            std::string::npos);
  EXPECT_FALSE(run_->tests["Fixture.SkipsOnRequirement"].contains("failures")) << "the body ran";
}

TEST_F(HarnessOutcomes, SetupFailuresAreBrokenNotFailed) {
  for (const char* test : {"Fixture.SetupThrows", "Fixture.ChildTimesOut", "Fixture.ChildDies"}) {
    EXPECT_EQ(outcome(*run_, test), "broken") << test;
    // Broken also fails in GoogleTest, so that ctest never shows it as a pass.
    EXPECT_TRUE(run_->tests[test].contains("failures")) << test;
  }
  EXPECT_NE(run_->tests["Fixture.SetupThrows"]["nsm_reason"].get<std::string>().find("EMFILE"), std::string::npos);
  EXPECT_NE(run_->tests["Fixture.ChildTimesOut"]["nsm_reason"].get<std::string>().find("did not answer in time"),
            std::string::npos);
  EXPECT_NE(run_->tests["Fixture.ChildDies"]["nsm_reason"].get<std::string>().find("exited with status 3"),
            std::string::npos);
}

TEST_F(HarnessOutcomes, GapVerdictsAreRecordedAndLoud) {
  EXPECT_EQ(outcome(*run_, "Fixture.GapConfirmed"), "gap-confirmed");
  EXPECT_EQ(outcome(*run_, "Fixture.GapClosed"), "gap-closed");
  EXPECT_EQ(run_->tests["Fixture.GapClosed"]["nsm_reason"], "the leak is gone (simulated)");
  EXPECT_FALSE(run_->tests["Fixture.GapClosed"].contains("failures")) << "a closed gap is news, never a failure";
  EXPECT_NE(run_->out.find("[!! GAP CLOSED !!] fixture.gap-closed"), std::string::npos);
}

TEST_F(HarnessOutcomes, MisusedVerdictsAreBroken) {
  EXPECT_EQ(outcome(*run_, "Fixture.GapWithoutVerdict"), "broken");
  EXPECT_EQ(outcome(*run_, "Fixture.GuaranteeWithGapVerdict"), "broken");
}

TEST_F(HarnessOutcomes, ExitCodeIsOneWhenAnyCheckFailsOrBreaks) { EXPECT_EQ(run_->exit_code, 1); }

TEST_F(HarnessOutcomes, ConformanceDocumentCarriesTheOutcomes) {
  // The same run, through the driver's join: the summary counts what the checks recorded.
  auto listing = run_command({NSM_HARNESS_FIXTURE, "--nsm_list_checks"});
  ASSERT_EQ(listing.exit_code, 0);
  json gtest = {{"testsuites", json::array({{{"name", "Fixture"}, {"testsuite", json::array()}}})}};
  for (const auto& [name, test] : run_->tests) gtest["testsuites"][0]["testsuite"].push_back(test);
  const json doc = nsm::conformance::conformance_document(json::parse(listing.out), gtest, "exited with status 1");
  EXPECT_EQ(doc["summary"]["pass"], 3);  // Passes, PassesWithNote, HoldsState
  EXPECT_EQ(doc["summary"]["fail"], 2);  // Fails, FailsWithNote
  EXPECT_EQ(doc["summary"]["skip"], 2);
  EXPECT_EQ(doc["summary"]["broken"], 5);
  EXPECT_EQ(doc["summary"]["gap-confirmed"], 1);
  EXPECT_EQ(doc["summary"]["gap-closed"], 1);
}

TEST(HarnessHooks, ForcedFailureFailsOnlyTheNamedCheck) {
  const FixtureRun run =
      run_fixture({{"NSMATRIX_FORCE_FAIL", "Fixture.HoldsState"}}, "Fixture.HoldsState:Fixture.Passes");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(outcome(run, "Fixture.HoldsState"), "fail");
  EXPECT_EQ(outcome(run, "Fixture.Passes"), "pass");
  EXPECT_NE(run.tests.at("Fixture.HoldsState")["failures"].dump().find("forced failure"), std::string::npos);
}

TEST(HarnessHooks, SigkillAtHoldPointKillsTheSuite) {
  const FixtureRun run = run_fixture({{"NSMATRIX_SIGKILL_AT", "Fixture.HoldsState"}}, "Fixture.HoldsState");
  EXPECT_EQ(run.exit_code, -1) << "the suite must have died of a signal";
  EXPECT_TRUE(run.tests.empty()) << "a killed suite writes no JSON";
}

}  // namespace
