// The QEMU side's parts that need no VM: bzImage headers, the QEMU command, the
// accelerator choice and its cache, and the matrix with kernels that never get to boot.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/results.h"
#include "tests/support/temp_dir.h"
#include "vm/matrix/matrix.h"
#include "vm/qemu/accel.h"
#include "vm/qemu/boot_target.h"
#include "vm/qemu/qemu_command.h"

namespace nsm::vm {
namespace {

using nsm::test::TempDir;

// A file with a real-looking x86 boot header and nothing bootable behind it.
std::string fake_bzimage(const std::string& path, const std::string& version) {
  std::string image(0x4000, '\xcc');
  image.replace(0x202, 4, "HdrS");
  image[0x206] = 0x0f, image[0x207] = 0x02;  // protocol 2.15
  image[0x20e] = 0x00, image[0x20f] = 0x10;  // version string at 0x1000 + 0x200
  image.replace(0x1200, version.size() + 1, version + '\0');
  std::ofstream(path, std::ios::binary) << image;
  return path;
}

TEST(BootTarget, ReadsTheReleaseFromTheBootHeader) {
  TempDir dir;
  const std::string path = fake_bzimage(
      dir.path() + "/vmlinuz-6.1.0-28-cloud-amd64",
      "6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)");
  std::ofstream(dir.path() + "/config-6.1.0-28-cloud-amd64") << "CONFIG_TIME_NS=y\n";
  const BootTarget t = target_from_image(path);
  EXPECT_EQ(t.release, "6.1.0-28-cloud-amd64");
  EXPECT_EQ(t.version, "6.1.119");
  EXPECT_EQ(t.id, "vmlinuz-6.1.0-28-cloud-amd64");
  EXPECT_EQ(t.config, dir.path() + "/config-6.1.0-28-cloud-amd64");
  EXPECT_EQ(t.source["type"], "file");
  EXPECT_TRUE(t.modules.empty());
}

TEST(BootTarget, GarbageIsNotBootable) {
  TempDir dir;
  const std::string garbage = dir.path() + "/garbage";
  std::ofstream(garbage, std::ios::binary) << std::string(100000, 'g');
  EXPECT_THROW(target_from_image(garbage), NotBootableError);
  const std::string tiny = dir.path() + "/tiny";
  std::ofstream(tiny, std::ios::binary) << "HdrS";
  EXPECT_THROW(target_from_image(tiny), NotBootableError);
  const std::string bad_version = fake_bzimage(dir.path() + "/v", "not a release");
  EXPECT_THROW(target_from_image(bad_version), NotBootableError);
}

TEST(BootTarget, MissingFileIsAnErrorNamingIt) {
  try {
    target_from_image("/nonexistent/vmlinuz");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/vmlinuz"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("ENOENT"), std::string::npos);
  }
  EXPECT_EQ(id_from_path("/boot/vmlinuz 6.1,x"), "vmlinuz_6.1_x");
}

TEST(QemuCommand, HasThreeSerialPortsAndNoReboot) {
  const auto argv = qemu_argv({"tcg", "pc", 512, 1}, {"k", "i", "c.log", "r.bin", "s.bin"}, "console=ttyS0");
  const std::string line = [&] {
    std::string s;
    for (const auto& a : argv) s += a + " ";
    return s;
  }();
  EXPECT_NE(line.find("-no-reboot"), std::string::npos);
  EXPECT_NE(line.find("-accel tcg"), std::string::npos);
  EXPECT_NE(line.find("path=c.log -serial chardev:nsmcon"), std::string::npos);
  EXPECT_NE(line.find("isa-serial,chardev=nsmres,index=1"), std::string::npos);
  EXPECT_NE(line.find("isa-serial,chardev=nsmsts,index=2"), std::string::npos);
  EXPECT_NE(base_kernel_cmdline("pc").find("reboot=t"), std::string::npos);
  EXPECT_NE(base_kernel_cmdline("pc").find("panic=-1"), std::string::npos);
  EXPECT_THROW(qemu_argv({"hvf", "pc", 512, 1}, {}, ""), Error);
  EXPECT_THROW(qemu_argv({"tcg", "virt", 512, 1}, {}, ""), Error);
}

TEST(Accel, ExplicitChoiceNeedsNoTrial) {
  int trials = 0;
  auto trial = [&](std::string&) { return ++trials, true; };
  EXPECT_EQ(choose_accel("tcg", "/nonexistent", "7.2", trial).accel, "tcg");
  EXPECT_EQ(choose_accel("kvm", "/nonexistent", "7.2", trial).accel, "kvm");
  EXPECT_EQ(trials, 0);
  EXPECT_THROW(choose_accel("xen", "/nonexistent", "7.2", trial), Error);
}

TEST(Accel, NoDeviceMeansTcgWithoutTrial) {
  int trials = 0;
  const AccelChoice c = choose_accel(
      "auto", "/nonexistent", "7.2", [&](std::string&) { return ++trials, true; }, "/nonexistent/kvm");
  EXPECT_EQ(c.accel, "tcg");
  EXPECT_NE(c.why.find("no /nonexistent/kvm"), std::string::npos);
  EXPECT_EQ(trials, 0);
}

TEST(Accel, FailedTrialFallsBackToTcgAndIsCached) {
  TempDir dir;
  int trials = 0;
  auto failing = [&](std::string& why) {
    ++trials;
    why = "failed (infra-error: QEMU was killed by signal 6)";
    return false;
  };
  // Any existing file stands in for the device: the trial decides, not its presence.
  const AccelChoice first = choose_accel("auto", dir.path(), "7.2", failing, "/dev/null");
  EXPECT_EQ(first.accel, "tcg");
  EXPECT_FALSE(first.cached);
  EXPECT_NE(first.why.find("signal 6"), std::string::npos);
  const AccelChoice second = choose_accel("auto", dir.path(), "7.2", failing, "/dev/null");
  EXPECT_EQ(second.accel, "tcg");
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(trials, 1);
  // Another QEMU version is another question.
  const AccelChoice other = choose_accel(
      "auto", dir.path(), "8.0",
      [&](std::string& why) {
        why = "ok";
        return ++trials, true;
      },
      "/dev/null");
  EXPECT_EQ(other.accel, "kvm");
  EXPECT_EQ(trials, 2);
}

// Kernels that never reach QEMU: each gets its status, the others go on.
TEST(Matrix, BadInputsGetAStatusEachAndTheMatrixGoesOn) {
  const std::string bin = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  if (::access((bin + "/nsmatrix-init").c_str(), X_OK) != 0 || ::access((bin + "/nsmatrix").c_str(), X_OK) != 0)
    GTEST_SKIP() << "nsmatrix and nsmatrix-init are not built next to the test in " << bin;
  TempDir dir;
  std::ofstream(dir.path() + "/garbage", std::ios::binary) << std::string(5000, 'g');
  std::vector<MatrixKernel> kernels = {
      {"no-such-kernel",
       [](const PrepareProgress&) -> BootTarget { throw InputError("unknown kernel id \"no-such-kernel\""); }},
      {"missing-file", [](const PrepareProgress&) { return target_from_image("/nonexistent/vmlinuz"); }},
      {"garbage", [&](const PrepareProgress&) { return target_from_image(dir.path() + "/garbage"); }},
      {"corrupt-deb",
       [](const PrepareProgress&) -> BootTarget { throw ToolError("linux-image.deb: truncated ar archive"); }},
  };
  MatrixOptions options;
  options.out_dir = dir.path() + "/run";
  options.jobs = 2;
  options.vm.cache_dir = dir.path() + "/cache";
  options.vm.bin_dir = bin;
  options.vm.accel = "tcg";
  std::ostringstream out;
  const MatrixResult result = run_matrix(kernels, options, out);
  ASSERT_EQ(result.kernels.size(), 4u);
  EXPECT_TRUE(result.any_failure());
  std::map<std::string, std::string> status;
  for (const auto& k : result.kernels) status[k.id] = k.status;
  EXPECT_EQ(status["no-such-kernel"], "infra-error");
  EXPECT_EQ(status["missing-file"], "infra-error");
  EXPECT_EQ(status["garbage"], "boot-failed");
  EXPECT_EQ(status["corrupt-deb"], "infra-error");
  const auto s = read_json_file(options.out_dir + "/no-such-kernel/status.json", "status");
  EXPECT_NE(s["reason"].get<std::string>().find("unknown kernel id"), std::string::npos);
  const auto run = read_json_file(options.out_dir + "/run.json", "run");
  EXPECT_EQ(run["kernels"].size(), 4u);
  EXPECT_TRUE(run["ended"].is_string());
  // One line per kernel at the end.
  for (const char* id : {"no-such-kernel", "missing-file", "garbage", "corrupt-deb"})
    EXPECT_NE(out.str().find(std::string("\n") + id + " "), std::string::npos) << out.str();
}

TEST(Matrix, IdsThatAreNotDirectoryNamesOrRepeatedAreRefused) {
  auto none = [](const PrepareProgress&) -> BootTarget { throw ToolError("not reached"); };
  MatrixOptions options;
  options.out_dir = "/nonexistent-never-created";
  std::ostringstream out;
  EXPECT_THROW(run_matrix({{"../escape", none}}, options, out), Error);
  EXPECT_THROW(run_matrix({{"a", none}, {"a", none}}, options, out), Error);
  EXPECT_FALSE(std::filesystem::exists(options.out_dir));
}

TEST(Matrix, OutcomeLineShowsChecksAndReason) {
  KernelOutcome k;
  k.id = "debian-6.1";
  k.status = "ok";
  k.release = "6.1.0-28-cloud-amd64";
  k.accel = "tcg";
  k.summary = {{"pass", 80}, {"fail", 1}, {"skip", 3}};
  k.failed_checks = 1;
  const std::string line = outcome_line(k, 12);
  EXPECT_NE(line.find("80 pass, 1 fail, 3 skip"), std::string::npos) << line;
  EXPECT_TRUE(k.failure());
  k.failed_checks = 0;
  EXPECT_FALSE(k.failure());
}

}  // namespace
}  // namespace nsm::vm

namespace nsm::vm {
namespace {

TEST(Matrix, CollectGathersKernelDirectoriesFromSeparateRuns) {
  char tmpl[] = "/tmp/nsm-collect-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  write_unbooted(dir + "/debian-5.10", "debian-5.10", {{"type", "debian"}}, "panic", "Kernel panic - not syncing: x");
  write_unbooted(dir + "/debian-6.1", "debian-6.1", {{"type", "debian"}}, "boot-failed", "not a bzImage");
  std::filesystem::create_directories(dir + "/not-a-kernel");
  std::ostringstream out;
  const MatrixResult r = collect_matrix(dir, out);
  ASSERT_EQ(r.kernels.size(), 2u);
  EXPECT_TRUE(r.any_failure());
  const auto run = read_json_file(dir + "/run.json", "run");
  EXPECT_EQ(run["kernels"], nlohmann::json({"debian-5.10", "debian-6.1"}));
  EXPECT_NE(out.str().find("debian-5.10  panic"), std::string::npos) << out.str();
  std::filesystem::remove_all(dir);
  EXPECT_THROW(collect_matrix("/nonexistent-run", out), Error);
}

}  // namespace
}  // namespace nsm::vm
