// nsm_harness_fixture: a suite of checks that end, on purpose, in each outcome the harness
// knows, so that harness_test.cpp can show what each looks like in GoogleTest's JSON (the
// nsm_outcome property) and in the exit code. Not registered with ctest itself.
#include <sched.h>
#include <unistd.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

NSM_CHECK(Fixture, Passes, {.id = "fixture.pass", .kind = CheckKind::Guarantee, .title = "passes"}) {
  EXPECT_EQ(in_child(0, [] { return json{{"pid", ::getpid()}}; })["pid"].is_number(), true);
}

NSM_CHECK(Fixture, PassesWithNote,
          {.id = "fixture.pass-note", .kind = CheckKind::Guarantee, .title = "passes, with a remark"}) {
  note("the kernel added something the guarantee allows (simulated)");
  EXPECT_EQ(in_child(0,
                     [] {
                       note("a child's note is not the check's");
                       return json{{"ok", true}};
                     })["ok"],
            true);
}

NSM_CHECK(Fixture, FailsWithNote,
          {.id = "fixture.fail-note", .kind = CheckKind::Guarantee, .title = "fails after a remark"}) {
  note("noted before failing (simulated)");
  ADD_FAILURE() << "a kernel verdict that broke the guarantee";
}

NSM_CHECK(Fixture, Fails, {.id = "fixture.fail", .kind = CheckKind::Guarantee, .title = "fails"}) {
  EXPECT_EQ(1, 2) << "a kernel verdict that broke the guarantee";
}

NSM_CHECK(Fixture, SetupThrows, {.id = "fixture.broken-throw", .kind = CheckKind::Guarantee, .title = "setup throws"}) {
  throw std::runtime_error("socket(): EMFILE (simulated)");
}

NSM_CHECK(Fixture, ChildTimesOut,
          {.id = "fixture.broken-timeout", .kind = CheckKind::Guarantee, .title = "a child hangs"}) {
  ChildSpec spec(0);
  spec.timeout = std::chrono::milliseconds(200);
  Peer hung = Peer::spawn(spec, [](Link& link) { link.recv(); });  // waits for a message that never comes
  hung.recv();
}

NSM_CHECK(Fixture, ChildDies,
          {.id = "fixture.broken-child-dies", .kind = CheckKind::Guarantee, .title = "a child dies"}) {
  in_child(0, []() -> json { ::_exit(3); });
}

NSM_CHECK(Fixture, SkipsFromBody,
          {.id = "fixture.skip-body", .kind = CheckKind::Guarantee, .title = "skips in the body"}) {
  skip_check("not applicable here: simulated");
}

NSM_CHECK(Fixture, SkipsOnRequirement,
          {.id = "fixture.skip-requirement",
           .kind = CheckKind::Guarantee,
           .title = "needs a guest",
           .needs = {.guest_only = true}}) {
  ADD_FAILURE() << "the body of a check with unmet requirements must not run";
}

NSM_CHECK(Fixture, GapConfirmed, {.id = "fixture.gap-confirmed", .kind = CheckKind::Gap, .title = "a gap that leaks"}) {
  note("a remark (simulated)");
  gap_confirmed("the leak is there (simulated)");
}

NSM_CHECK(Fixture, GapClosed, {.id = "fixture.gap-closed", .kind = CheckKind::Gap, .title = "a gap that closed"}) {
  gap_closed("the leak is gone (simulated)");
}

NSM_CHECK(Fixture, GapWithoutVerdict,
          {.id = "fixture.gap-no-verdict", .kind = CheckKind::Gap, .title = "a gap check that forgot its verdict"}) {}

NSM_CHECK(Fixture, GuaranteeWithGapVerdict,
          {.id = "fixture.guarantee-gap-verdict",
           .kind = CheckKind::Guarantee,
           .title = "a guarantee check that calls a gap verdict"}) {
  gap_confirmed("misplaced");
}

NSM_CHECK(Fixture, HoldsState,
          {.id = "fixture.hold", .kind = CheckKind::Guarantee, .title = "a child that answered (a hold point)"}) {
  Peer child = Peer::spawn(0, [](Link& link) {
    link.send({});
    link.recv();
  });
  child.recv();  // the hold point: NSMATRIX_FORCE_FAIL / NSMATRIX_SIGKILL_AT act here
  child.send("done");
  child.finish();
}
