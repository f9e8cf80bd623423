// A conformance check: one GoogleTest test with its CheckInfo (id, kind, type, title,
// requirements), declared once with NSM_CHECK:
//
//   NSM_CHECK(UtsNamespace, HostnameChangeStaysInside,
//             {.id = "uts.hostname.stays-inside", .kind = nsm::CheckKind::Guarantee,
//              .type = nsm::NsType::Uts, .title = "a hostname set inside is not seen outside",
//              .needs = {.namespaces = {nsm::NsType::Uts}, .root = true}}) {
//     ... body: spawn children, ASSERT/EXPECT on what they report ...
//   }
//
// Before the body runs, unmet requirements become a skip with the reason. The body ends in
// one of DESIGN.md's outcomes:
//   pass           no assertion failed (guarantee checks)
//   fail           an EXPECT/ASSERT failed: the kernel broke the guarantee
//   skip           requirements unmet, or skip_check(reason) from the body
//   broken         an exception escaped the body (setup failed: EMFILE, netlink, a child
//                  that timed out or died): not a verdict on the kernel
//   gap-confirmed  gap checks: gap_confirmed(evidence)
//   gap-closed     gap checks: gap_closed(evidence), printed loudly, never a failure
// A passing check may qualify its pass with note(remark): what the kernel showed that the
// guarantee allows (fallback tunnel devices in a fresh network namespace).
// The outcome and its reason are recorded as the test's properties nsm_outcome and
// nsm_reason, so they survive into GoogleTest's JSON and into conformance.json. A broken
// check also fails in GoogleTest (and so in ctest): broken must never look like a pass.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "conformance/harness/apart.h"
#include "core/checks.h"
#include "core/error.h"

namespace nsm::conformance {

// A check as registered: its metadata and where GoogleTest knows it.
struct CheckSpec {
  CheckInfo info;
  std::string suite;  // "NetNamespace"
  std::string name;   // "FreshHasOnlyLoopbackDown"
  std::string file;
  int line = 0;
  std::string test_name() const { return suite + "." + name; }
};

// Every registered check, in registration order.
const std::vector<const CheckSpec*>& all_checks();

// Thrown by a body or a helper: the check's own setup failed. Ends as "broken".
class Broken : public ToolError {
 public:
  using ToolError::ToolError;
};

// Thrown by a body or a helper: the check does not apply here. Ends as "skip". Not an
// Error: nothing went wrong.
class Skipped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void skip_check(std::string reason);
[[noreturn]] void broken(std::string reason);

// The verdicts of a gap check. The evidence says what was observed ("inside 4194304, host
// 32768 unchanged after writing 5000 inside").
void gap_confirmed(std::string evidence);
void gap_closed(std::string evidence);

// A remark on what the check saw, recorded in its reason (after a gap's evidence): for a
// pass, what the kernel showed that the guarantee allows. Ignored for skips and failures.
void note(std::string remark);

// The fixture every check derives from (through NSM_CHECK).
class CheckTest : public ::testing::Test {
 public:
  const CheckSpec& spec() const { return *spec_; }

 protected:
  void SetUp() override;
  void TearDown() override;
  virtual void Body() = 0;

 private:
  void TestBody() final;
  friend CheckTest* attach_spec(CheckTest* test, const CheckSpec* spec);
  const CheckSpec* spec_ = nullptr;
};

CheckTest* attach_spec(CheckTest* test, const CheckSpec* spec);

// Registers a check with GoogleTest and the registry. `make` creates a fresh fixture.
bool register_check(std::string suite, std::string name, const char* file, int line, CheckInfo info,
                    std::function<CheckTest*()> make);

// Safety hooks, driven by environment variables, for the residue test (tests/conformance):
//   NSMATRIX_SIGKILL_AT=Suite.Name    the process SIGKILLs itself at that check's first
//                                     hold point (namespaces, mounts, links alive)
//   NSMATRIX_FORCE_FAIL=Suite.Name    that check fails at its first hold point (or at its
//                                     end), through the normal failure path
// hold_point() is called by the harness helpers at the moments a check holds the most
// state: a child that answered, a topology built, a cgroup populated.
void hold_point();

}  // namespace nsm::conformance

#define NSM_CHECK_CLASS_(Suite, Name) Suite##_##Name##_Check

// Declares a check; the braces that follow are its body (a member function of the fixture).
#define NSM_CHECK(Suite, Name, ...)                                                                   \
  namespace {                                                                                         \
  class NSM_CHECK_CLASS_(Suite, Name) final : public ::nsm::conformance::CheckTest {                  \
    void Body() override;                                                                             \
  };                                                                                                  \
  [[maybe_unused]] const bool Suite##_##Name##_registered = ::nsm::conformance::register_check(       \
      #Suite, #Name, __FILE__, __LINE__, ::nsm::CheckInfo __VA_ARGS__,                                \
      [] { return static_cast<::nsm::conformance::CheckTest*>(new NSM_CHECK_CLASS_(Suite, Name)); }); \
  }                                                                                                   \
  void NSM_CHECK_CLASS_(Suite, Name)::Body()
