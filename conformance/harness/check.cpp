#include "conformance/harness/check.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>

#include <fmt/format.h>

#include "probes/requirements.h"

namespace nsm::conformance {

namespace {

std::deque<CheckSpec>& registry() {
  static std::deque<CheckSpec> specs;  // a deque: registered specs never move
  return specs;
}

std::vector<const CheckSpec*>& ordered() {
  static std::vector<const CheckSpec*> list;
  return list;
}

// What the running check has said about itself so far.
struct CheckState {
  const CheckSpec* spec = nullptr;
  std::optional<Outcome> outcome;  // set by gap verdicts, skips and broken setups
  std::string reason;
  std::string notes;  // note() remarks, added to the reason of a pass or a gap verdict
  bool hold_point_seen = false;
};
CheckState current;

// The process that runs the checks: helpers called in a child must not act on its state.
const pid_t suite_pid = ::getpid();

// Thrown at a hold point when NSMATRIX_FORCE_FAIL names the running check.
struct ForcedFailure {};

bool env_names_current(const char* variable) {
  const char* value = std::getenv(variable);
  return value && current.spec && current.spec->test_name() == value;
}

std::string skip_message(const ::testing::TestInfo* info) {
  const ::testing::TestResult* result = info->result();
  for (int i = result->total_part_count() - 1; i >= 0; --i) {
    const auto& part = result->GetTestPartResult(i);
    if (part.skipped()) return part.message();
  }
  return {};
}

void set_verdict(Outcome outcome, std::string evidence) {
  if (!current.spec || current.spec->info.kind != CheckKind::Gap)
    throw Broken(fmt::format("{} is a verdict for gap checks only", outcome_name(outcome)));
  if (current.outcome) throw Broken("a gap check reached two verdicts");
  current.outcome = outcome;
  current.reason = std::move(evidence);
}

}  // namespace

const std::vector<const CheckSpec*>& all_checks() { return ordered(); }

void skip_check(std::string reason) { throw Skipped(reason); }
void broken(std::string reason) { throw Broken(reason); }

void gap_confirmed(std::string evidence) { set_verdict(Outcome::GapConfirmed, std::move(evidence)); }
void gap_closed(std::string evidence) { set_verdict(Outcome::GapClosed, std::move(evidence)); }

void note(std::string remark) {
  if (::getpid() != suite_pid || remark.empty()) return;
  current.notes += (current.notes.empty() ? "" : "; ") + remark;
}

void hold_point() {
  if (::getpid() != suite_pid || current.hold_point_seen) return;
  current.hold_point_seen = true;
  if (env_names_current("NSMATRIX_SIGKILL_AT")) {
    std::fflush(nullptr);
    ::kill(::getpid(), SIGKILL);
  }
  if (env_names_current("NSMATRIX_FORCE_FAIL")) throw ForcedFailure{};
}

CheckTest* attach_spec(CheckTest* test, const CheckSpec* spec) {
  test->spec_ = spec;
  return test;
}

bool register_check(std::string suite, std::string name, const char* file, int line, CheckInfo info,
                    std::function<CheckTest*()> make) {
  CheckSpec& spec = registry().emplace_back(CheckSpec{std::move(info), std::move(suite), std::move(name), file, line});
  ordered().push_back(&spec);
  const CheckSpec* stable = &spec;
  ::testing::RegisterTest(stable->suite.c_str(), stable->name.c_str(), nullptr, nullptr, file, line,
                          [stable, make]() -> CheckTest* { return attach_spec(make(), stable); });
  return true;
}

void CheckTest::SetUp() {
  current = CheckState{};
  current.spec = spec_;
  RecordProperty("nsm_id", spec_->info.id);
  std::optional<std::string> why;
  try {
    why = unmet_requirement(spec_->info.needs);
  } catch (const std::exception& e) {
    current.outcome = Outcome::Broken;
    current.reason = fmt::format("the requirement probe failed: {}", e.what());
    GTEST_FAIL() << "BROKEN (setup failed, not a kernel verdict): " << current.reason;
  }
  if (why) {
    current.outcome = Outcome::Skip;
    current.reason = *why;
    GTEST_SKIP() << *why;
  }
}

void CheckTest::TestBody() {
  std::string broken_reason;
  try {
    Body();
    if (!HasFailure() && !IsSkipped() && env_names_current("NSMATRIX_FORCE_FAIL")) throw ForcedFailure{};
  } catch (const ForcedFailure&) {
    ADD_FAILURE() << "forced failure: NSMATRIX_FORCE_FAIL names this check";
  } catch (const KernelFault& fault) {
    // The kernel said it created or joined a namespace and did not: a verdict, never broken.
    ADD_FAILURE() << "KERNEL FAULT: " << fault.what();
  } catch (const Skipped& s) {
    current.outcome = Outcome::Skip;
    current.reason = s.what();
    GTEST_SKIP() << s.what();
  } catch (const std::exception& e) {
    broken_reason = e.what();
  } catch (...) {
    broken_reason = "an unknown exception escaped the check";
  }
  if (broken_reason.empty() && !HasFailure() && !IsSkipped() && spec_->info.kind == CheckKind::Gap && !current.outcome)
    broken_reason = "the gap check ended without a verdict (gap_confirmed or gap_closed)";
  if (!broken_reason.empty()) {
    current.outcome = Outcome::Broken;
    current.reason = broken_reason;
    ADD_FAILURE() << "BROKEN (setup failed, not a kernel verdict): " << broken_reason;
  }
}

void CheckTest::TearDown() {
  Outcome outcome = Outcome::Pass;
  std::string reason = current.reason;
  if (current.outcome == Outcome::Broken) {
    outcome = Outcome::Broken;
  } else if (IsSkipped()) {
    outcome = Outcome::Skip;
    if (reason.empty()) reason = skip_message(::testing::UnitTest::GetInstance()->current_test_info());
  } else if (HasFailure()) {
    outcome = Outcome::Fail;
    reason.clear();  // the failure's text is in GoogleTest's own record
  } else if (current.outcome) {
    outcome = *current.outcome;
  }
  if ((outcome == Outcome::Pass || outcome == Outcome::GapConfirmed || outcome == Outcome::GapClosed) &&
      !current.notes.empty())
    reason += (reason.empty() ? "" : "; ") + current.notes;
  RecordProperty("nsm_outcome", std::string(outcome_name(outcome)));
  RecordProperty("nsm_reason", reason);
  if (outcome == Outcome::GapConfirmed) {
    std::printf("[ GAP CONFIRMED ] %s: %s\n", spec_->info.id.c_str(), reason.c_str());
  } else if (outcome == Outcome::GapClosed) {
    std::printf("[!! GAP CLOSED !!] %s: the kernel no longer leaks here: %s\n", spec_->info.id.c_str(), reason.c_str());
  } else if (outcome == Outcome::Pass && !reason.empty()) {
    std::printf("[      NOTE      ] %s: %s\n", spec_->info.id.c_str(), reason.c_str());
  }
  std::fflush(stdout);
  current = CheckState{};
}

}  // namespace nsm::conformance
