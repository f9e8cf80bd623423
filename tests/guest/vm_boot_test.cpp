// Real QEMU boots (ctest label "vm"). The synthetic ones need only QEMU; the others boot a
// real kernel named by NSMATRIX_TEST_KERNEL — a bzImage path, or a manifest id that the
// kernel store prepares (.ci/run names one) — and are skipped, with that reason, without.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/ns_types.h"
#include "core/proc.h"
#include "core/results.h"
#include "tests/support/check_listing.h"
#include "vm/initramfs/base_archive.h"
#include "vm/matrix/kernel_source.h"
#include "vm/qemu/vm_run.h"

namespace nsm::vm {
namespace {

class VmBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nsm-vm-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    bin_ = own_bin_dir();
    if (::access((bin_ + "/nsmatrix-init").c_str(), X_OK) != 0)
      GTEST_SKIP() << "nsmatrix-init is not built in " << bin_;
    options_.cache_dir = dir_ + "/cache";
    options_.bin_dir = bin_;
    options_.accel = "tcg";
    options_.guest.stages.clear();  // boot, report, power off
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string real_kernel() {
    const char* k = std::getenv("NSMATRIX_TEST_KERNEL");
    return k && *k ? k : "";
  }
  // The kernel NSMATRIX_TEST_KERNEL names, prepared once per test program.
  BootTarget real_target() {
    static const BootTarget target =
        kernel_from_argument(real_kernel(), std::nullopt, std::nullopt).prepare([](std::string_view) {});
    return target;
  }
  // The end of the console, for a failure message.
  std::string console_tail() {
    const std::string console = read_file(options_.out_dir + "/console.log").value_or("(no console.log)");
    return console.substr(console.size() > 3000 ? console.size() - 3000 : 0);
  }
  VmResult run(const BootTarget& target, const std::string& name) {
    options_.out_dir = dir_ + "/" + name;
    return run_vm(target, options_, [](std::string_view) {});
  }

  std::string dir_, bin_;
  VmOptions options_;
};

TEST_F(VmBoot, GarbageBehindABootHeaderNeverReachesInit) {
  std::string image(0x8000, '\xff');
  image.replace(0x202, 4, "HdrS");
  image[0x206] = 0x0f, image[0x207] = 0x02;
  image[0x20e] = 0x00, image[0x20f] = 0x10;
  image.replace(0x1200, 9, std::string("6.1.0-x\0", 8));
  const std::string path = dir_ + "/vmlinuz-garbage";
  std::ofstream(path, std::ios::binary) << image;
  BootTarget target = target_from_image(path);
  options_.timeout_seconds = 60;
  const VmResult r = run(target, "garbage");
  EXPECT_EQ(r.status, "boot-failed") << r.reason;
  EXPECT_FALSE(r.reason.empty());
  EXPECT_EQ(read_json_file(options_.out_dir + "/status.json", "status")["status"], "boot-failed");
}

TEST_F(VmBoot, RealKernelBootsAndReportsHome) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  options_.timeout_seconds = 120;
  const VmResult r = run(real_target(), "ok");
  ASSERT_EQ(r.status, "ok") << r.reason << "\nconsole:\n" << console_tail();
  EXPECT_EQ(r.status_doc.guest_exit_code, 0);
  EXPECT_GT(r.status_doc.durations.at("boot_seconds"), 0.0);
  EXPECT_EQ(r.kernel_doc.accel, "tcg");
  const std::string console = must_read_file(options_.out_dir + "/console.log");
  EXPECT_NE(console.find("nsmatrix-init: started"), std::string::npos);
}

TEST_F(VmBoot, PowerOffWorksWithoutAcpi) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  // microvm,acpi=off: no ACPI tables at all. init's reboot(RB_AUTOBOOT) with reboot=t
  // (triple fault) and -no-reboot must still end the VM, with the status home.
  options_.machine = "microvm";
  options_.timeout_seconds = 120;
  const VmResult r = run(real_target(), "noacpi");
  ASSERT_EQ(r.status, "ok") << r.reason << "\nconsole:\n" << console_tail();
  EXPECT_EQ(r.status_doc.guest_exit_code, 0);
}

TEST_F(VmBoot, RealKernelRunsTheProbeInsideAndSendsItHome) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  options_.timeout_seconds = 120;
  options_.guest.stages = {"probe"};
  const VmResult r = run(real_target(), "probe");
  ASSERT_EQ(r.status, "ok") << r.reason << "\nconsole:\n" << console_tail();
  const auto probe = read_json_file(options_.out_dir + "/probe.json", "probe");
  // The probe ran on the guest's kernel, not on the host's.
  EXPECT_EQ(probe["kernel"]["release"], real_target().release);
  ASSERT_TRUE(r.status_doc.stages);
  EXPECT_EQ((*r.status_doc.stages)[0]["name"], "probe");
  EXPECT_TRUE((*r.status_doc.stages)[0]["error"].is_null());
  EXPECT_GT(r.status_doc.durations.at("probe_seconds"), 0.0);
}

TEST_F(VmBoot, MissingStageCommandIsRecordedNotFaked) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  // An installation without the benchmark suite: every binary but nsmatrix-bench, copied.
  // The bench stage's command fails in the guest, and says so; nothing is written for it.
  const std::string partial = dir_ + "/bin-without-bench";
  std::filesystem::create_directories(partial);
  for (const char* binary : {"nsmatrix", "nsmatrix-init", "nsmatrix-conformance"})
    std::filesystem::copy_file(bin_ + "/" + binary, partial + "/" + binary);
  options_.bin_dir = partial;
  options_.timeout_seconds = 120;
  options_.guest.stages = {"bench"};
  const VmResult r = run(real_target(), "missing");
  EXPECT_EQ(r.status, "infra-error") << r.reason;
  EXPECT_NE(r.reason.find("stage bench"), std::string::npos) << r.reason;
  EXPECT_EQ(::access((options_.out_dir + "/bench.json").c_str(), F_OK), -1);
}

TEST_F(VmBoot, BadCommandLinePanicsAndIsCalledAPanic) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  options_.timeout_seconds = 120;
  // No such init in the initramfs and no root device: the kernel panics.
  options_.extra_cmdline = "rdinit=/nonexistent root=/dev/nonexistent";
  const VmResult r = run(real_target(), "panic");
  EXPECT_EQ(r.status, "panic") << r.reason << "\nconsole:\n" << console_tail();
  EXPECT_NE(r.reason.find("Kernel panic"), std::string::npos) << r.reason;
}

TEST_F(VmBoot, HangingGuestIsKilledAtTheDeadline) {
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  options_.timeout_seconds = 8;
  // rootwait on a device that never comes: the kernel waits forever, never reaching init.
  options_.extra_cmdline = "rdinit=/nonexistent root=/dev/nonexistent rootwait";
  const auto started = std::chrono::steady_clock::now();
  const VmResult r = run(real_target(), "hang");
  EXPECT_EQ(r.status, "timeout") << r.reason << "\nconsole:\n" << console_tail();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

// The mutation tests (tests/mutation, ctest -L mutation) on a real guest kernel: its
// conformance stage under nsm-lie --type T (GuestOptions::lie), which makes the kernel
// silently not create T. The host's own run cannot mutate the guarantees that skip there
// (a cgroup2 without nsdelegate, no real-time clock, a kernel without some call); a guest
// runs them. Every guarantee needing T must fail, or skip exactly as it does without the
// lie (not applicable on that kernel). The baseline is one boot without the lie.
class GuestMutation : public VmBoot, public ::testing::WithParamInterface<NsType> {};

TEST_P(GuestMutation, KillsEveryGuaranteeOfItsType) {
  using nlohmann::json;
  if (real_kernel().empty()) GTEST_SKIP() << "NSMATRIX_TEST_KERNEL names no bzImage to boot";
  if (::access((bin_ + "/nsm-lie").c_str(), X_OK) != 0) GTEST_SKIP() << "nsm-lie is not built in " << bin_;
  const std::string name(ns_name(GetParam()));
  options_.timeout_seconds = 240;
  options_.guest.stages = {"conformance"};
  static json baseline;  // id -> check, from the first test's boot
  if (baseline.empty()) {
    const VmResult r = run(real_target(), "baseline");
    ASSERT_EQ(r.status, "ok") << r.reason << "\nconsole:\n" << console_tail();
    const json doc = read_json_file(options_.out_dir + "/conformance.json", "conformance");
    for (const auto& c : doc["checks"]) baseline[c.value("id", "")] = c;
  }
  options_.guest.lie = name;
  const VmResult r = run(real_target(), "lie-" + name);
  ASSERT_EQ(r.status, "ok") << r.reason << "\nconsole:\n" << console_tail();
  json lie;
  const json doc = read_json_file(options_.out_dir + "/conformance.json", "conformance");
  for (const auto& c : doc["checks"]) lie[c.value("id", "")] = c;

  std::map<std::string, int> tally;
  int needing = 0;
  for (const auto& [id, base] : baseline.items()) {
    if (!testing_support::guarantee_of_type(base, name)) continue;
    ++needing;
    ASSERT_TRUE(lie.contains(id)) << id << ": no verdict under the " << name << " lie";
    const json& under = lie[id];
    const std::string outcome = under.value("outcome", "");
    ++tally[outcome];
    if (outcome == "fail") continue;
    // Not applicable on this kernel (it lacks a call), with or without the lie; the lie may
    // change which missing requirement the skip names first.
    if (outcome == "skip" && base.value("outcome", "") == "skip") continue;
    ADD_FAILURE() << id << " survives the " << name << " lie on " << real_target().release << ": " << outcome
                  << " (without the lie: " << base.value("outcome", "") << ")\n  " << under.value("reason", "");
  }
  EXPECT_GT(needing, 0) << "no guarantee needs " << name << " namespaces";
  std::printf("%s under the %s lie: %d guarantees: %d fail, %d pass, %d skip, %d broken\n",
              real_target().release.c_str(), name.c_str(), needing, tally["fail"], tally["pass"], tally["skip"],
              tally["broken"]);
}
INSTANTIATE_TEST_SUITE_P(EveryType, GuestMutation,
                         ::testing::Values(NsType::Cgroup, NsType::Ipc, NsType::Net, NsType::Mnt, NsType::Pid,
                                           NsType::Time, NsType::User, NsType::Uts),
                         [](const auto& info) { return std::string(ns_name(info.param)); });

}  // namespace
}  // namespace nsm::vm
