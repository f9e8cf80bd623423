// Every way a VM run can end, decided from synthetic evidence: the bad inputs of the
// matrix (garbage image, panic, hang, truncated or corrupt results) each get their status.
#include "vm/qemu/run_status.h"

#include <gtest/gtest.h>

#include "vm/protocol/bundle.h"
#include "vm/protocol/frame.h"

namespace nsm::vm {
namespace {

const char* kBooted = "[    0.1] Linux version\nnsmatrix-init: started at 1.0 s\n";

std::string status_frame(int code) {
  return encode_frame("status", nlohmann::json{{"exit_code", code}, {"error", nullptr}}.dump());
}

std::string results_frame(const nlohmann::json& guest, Bundle extra = {}) {
  extra["guest.json"] = guest.dump();
  return encode_frame("results", pack_bundle(extra));
}

RunEvidence finished(int code, const nlohmann::json& guest = {{"stages", nlohmann::json::array()}}) {
  RunEvidence e;
  e.qemu_exit_code = 0;
  e.console = kBooted;
  e.status_stream = status_frame(code);
  e.results_stream = results_frame(guest, {{"probe.json", "{}"}});
  return e;
}

TEST(RunStatus, CleanRunIsOkWithItsResults) {
  const RunStatus v = judge_run(finished(0));
  EXPECT_EQ(v.status, "ok");
  EXPECT_EQ(v.reason, "");
  EXPECT_EQ(v.guest_exit_code, 0);
  ASSERT_TRUE(v.results);
  EXPECT_EQ(v.results->count("probe.json"), 1u);
}

TEST(RunStatus, OkRunKeepsItsConsoleSplats) {
  RunEvidence e = finished(0);
  e.console += "[ 2.0] WARNING: CPU: 0 PID: 7 at net/core/dev.c:1 x\n";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "ok");
  ASSERT_EQ(v.splats.size(), 1u);
  EXPECT_EQ(v.splats[0].kind, "WARNING");
}

TEST(RunStatus, TruncatedResultsAreAnInfraErrorThatSaysSo) {
  RunEvidence e = finished(0);
  e.results_stream.resize(e.results_stream.size() / 2);
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "infra-error");
  EXPECT_NE(v.reason.find("truncated"), std::string::npos) << v.reason;
  EXPECT_FALSE(v.results);
}

TEST(RunStatus, CorruptResultsAreAnInfraError) {
  RunEvidence e = finished(0);
  e.results_stream[e.results_stream.find('\n') + 5] ^= 0x20;
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "infra-error");
  EXPECT_NE(v.reason.find("checksum"), std::string::npos) << v.reason;
}

TEST(RunStatus, ResultsThatAreNotABundleAreAnInfraError) {
  RunEvidence e = finished(0);
  e.results_stream = encode_frame("results", "not a bundle");
  EXPECT_EQ(judge_run(e).status, "infra-error");
}

TEST(RunStatus, AStageWithoutResultsIsNamed) {
  const nlohmann::json guest = {
      {"stages", {{{"name", "conformance"}, {"error", "`nsmatrix test` exited with status 2"}}}}};
  const RunStatus v = judge_run(finished(1, guest));
  EXPECT_EQ(v.status, "infra-error");
  EXPECT_EQ(v.guest_exit_code, 1);
  EXPECT_NE(v.reason.find("stage conformance: `nsmatrix test` exited with status 2"), std::string::npos) << v.reason;
}

TEST(RunStatus, PanicWithoutStatusIsPanic) {
  RunEvidence e;
  e.qemu_exit_code = 0;  // panic=-1 reboots, -no-reboot exits 0: the code proves nothing
  e.console = "[ 0.9] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "panic");
  EXPECT_NE(v.reason.find("Unable to mount root fs"), std::string::npos);
}

TEST(RunStatus, PanicAfterInitStartedIsPanic) {
  RunEvidence e;
  e.qemu_exit_code = 0;
  e.console = std::string(kBooted) + "[ 3.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n";
  EXPECT_EQ(judge_run(e).status, "panic");
}

TEST(RunStatus, HangBeforeInitIsATimeoutThatSaysWhere) {
  RunEvidence e;
  e.timed_out = true;
  e.timeout_seconds = 30;
  e.console = "[ 0.0] tsc: Unable to calibrate against PIT\n";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "timeout");
  EXPECT_NE(v.reason.find("did not reach /init within 30 s"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("Unable to calibrate"), std::string::npos);
}

TEST(RunStatus, HangAfterInitIsATimeout) {
  RunEvidence e;
  e.timed_out = true;
  e.timeout_seconds = 30;
  e.console = std::string(kBooted) + "nsmatrix-init: stage conformance\n";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "timeout");
  EXPECT_NE(v.reason.find("did not finish"), std::string::npos) << v.reason;
}

TEST(RunStatus, QemuRefusingTheImageIsBootFailed) {
  RunEvidence e;
  e.qemu_exit_code = 1;
  e.qemu_stderr = "qemu-system-x86_64: linux kernel too old to load a ram disk\n";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "boot-failed");
  EXPECT_NE(v.reason.find("too old"), std::string::npos);
}

TEST(RunStatus, QemuOptionErrorIsInfraError) {
  RunEvidence e;
  e.qemu_exit_code = 1;
  e.qemu_stderr = "qemu-system-x86_64: -chardev file,id=x: Could not open 'x': Permission denied\n";
  EXPECT_EQ(judge_run(e).status, "infra-error");
}

TEST(RunStatus, ResetBeforeInitIsBootFailed) {
  RunEvidence e;
  e.qemu_exit_code = 0;
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "boot-failed");
  EXPECT_NE(v.reason.find("before the kernel reached /init"), std::string::npos);
}

TEST(RunStatus, InitThatDiedWithoutStatusIsInfraError) {
  RunEvidence e;
  e.qemu_exit_code = 0;
  e.console = kBooted;
  e.status_stream = status_frame(0).substr(0, 20);
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "infra-error");
  EXPECT_NE(v.reason.find("status channel: truncated"), std::string::npos) << v.reason;
}

TEST(RunStatus, QemuThatCannotStartIsInfraError) {
  RunEvidence e;
  e.start_error = "execvp(qemu-system-x86_64): ENOENT (No such file or directory)";
  const RunStatus v = judge_run(e);
  EXPECT_EQ(v.status, "infra-error");
  EXPECT_NE(v.reason.find("ENOENT"), std::string::npos);
}

}  // namespace
}  // namespace nsm::vm
