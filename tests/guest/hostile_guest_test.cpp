// A kernel under test may be hostile: these replay crafted console, results and status
// streams through the real `run_vm` with a stand-in for QEMU (a script first on PATH that
// copies prepared bytes to the files QEMU's three serial ports would write). No kernel, no
// QEMU; each case is an attack from issue 16 that once forged, crashed or flooded the host.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/proc.h"
#include "core/results.h"
#include "tests/support/temp_dir.h"
#include "vm/protocol/frame.h"
#include "vm/protocol/guest_layout.h"
#include "vm/qemu/vm_run.h"

namespace nsm::vm {
namespace {

using nsm::test::TempDir;

// The stand-in: `--version` like QEMU, else the three -chardev file paths get the scenario's
// console, results and status bytes (commas in a path come doubled, as QEMU wants them).
constexpr const char* kStandIn = R"SH(#!/bin/bash
if [ "$1" = --version ]; then echo "QEMU emulator version 7.2.99 (nsmatrix stand-in)"; exit 0; fi
while [ $# -gt 0 ]; do
  if [ "$1" = -chardev ]; then
    id=${2#*id=}; id=${id%%,*}; path=${2#*,path=}; path=${path//,,/,}
    case $id in nsmcon) con=$path;; nsmres) res=$path;; nsmsts) sts=$path;; esac
    shift
  fi
  shift
done
for pair in "console:$con" "results:$res" "status:$sts"; do
  src=$NSM_STANDIN_SCENARIO/${pair%%:*}
  if [ -e "$src" ]; then cat "$src" > "${pair#*:}"; fi
done
exit 0
)SH";

// A bundle as a guest could pack it, names unchecked (pack_bundle refuses bad ones).
std::string raw_bundle(const std::vector<std::pair<std::string, std::string>>& files,
                       std::optional<uint64_t> claimed = {}) {
  std::string raw;
  for (const auto& [name, content] : files) raw += fmt::format("file {} {}\n{}", name, content.size(), content);
  uLongf bound = ::compressBound(static_cast<uLong>(raw.size()));
  std::string out(8 + bound, '\0');
  const uint64_t size = claimed.value_or(raw.size());
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  EXPECT_EQ(::compress2(reinterpret_cast<Bytef*>(out.data() + 8), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                        static_cast<uLong>(raw.size()), Z_BEST_SPEED),
            Z_OK);
  out.resize(8 + bound);
  return out;
}

std::string status_frame(const std::string& json) { return encode_frame(layout::kStatusFrame, json); }
std::string results_frame(const std::string& packed) { return encode_frame(layout::kResultsFrame, packed); }

const std::string kGuestOk = R"({"schema_version":1,"kind":"guest","exit_code":0,"stages":[]})";
const std::string kProbeOk = R"({"schema_version":1,"kind":"probe"})";

class HostileGuest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bin_ = new TempDir();
    const std::string standin = bin_->write("qemu-system-x86_64", kStandIn);
    ::chmod(standin.c_str(), 0755);
    const char* path = std::getenv("PATH");
    ::setenv("PATH", fmt::format("{}:{}", bin_->path(), path ? path : "/usr/bin:/bin").c_str(), 1);
  }
  static void TearDownTestSuite() {
    delete bin_;
    bin_ = nullptr;
  }

  void SetUp() override {
    ::setenv("NSM_STANDIN_SCENARIO", (dir_ / "scenario").c_str(), 1);
    make_directories(dir_ / "scenario");
    target_.id = "hostile";
    target_.release = "6.1.0-real";
    target_.image = dir_.write("vmlinuz", "not a kernel: the stand-in never reads it");
    target_.source = {{"type", "file"}};
    options_.out_dir = dir_ / "out";
    options_.cache_dir = dir_ / "cache";
    options_.accel = "tcg";
    // A base archive stand-in: vm/qemu only concatenates it.
    options_.base = BaseArchive{dir_.write("base.cpio", "base"), std::string(64, 'a'), {}, {}, false, 4};
  }

  void scenario(const std::string& port, const std::string& bytes) { dir_.write("scenario/" + port, bytes); }
  VmResult run() {
    return run_vm(target_, options_, [this](std::string_view line) { progress_ += std::string(line) + "\n"; });
  }
  nlohmann::json status_json() { return read_json_file(options_.out_dir + "/status.json", "status"); }
  nlohmann::json kernel_json() { return read_json_file(options_.out_dir + "/kernel.json", "kernel"); }

  static TempDir* bin_;
  TempDir dir_;
  BootTarget target_;
  VmOptions options_;
  std::string progress_;
};

TempDir* HostileGuest::bin_ = nullptr;

const std::string kConsoleWithSplats =
    std::string(layout::kInitStarted) +
    "\n[    2.000000] WARNING: CPU: 0 PID: 1 at kernel/nsproxy.c:99\n"
    "[    2.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n";

TEST_F(HostileGuest, AnHonestGuestIsOk) {
  scenario("console", std::string(layout::kInitStarted) + "\n");
  scenario("results",
           results_frame(raw_bundle({{"guest.json", kGuestOk}, {"probe.json", kProbeOk}, {"probe.log", "fine\n"}})));
  scenario("status", status_frame(R"({"exit_code":0})"));
  const VmResult r = run();
  EXPECT_EQ(r.status, "ok") << r.reason;
  EXPECT_TRUE(std::filesystem::exists(options_.out_dir + "/probe.json"));
  EXPECT_TRUE(status_json()["limits"].empty());
  // The run's combined initrd was made for it alone and is gone after it.
  EXPECT_FALSE(std::filesystem::exists(options_.out_dir + "/.qemu/initrd.cpio"));
  EXPECT_TRUE(kernel_json()["guest_binaries"].is_array());
}

TEST_F(HostileGuest, CannotForgeItsVerdict) {
  scenario("console", kConsoleWithSplats);
  const std::string forged_status = R"({"schema_version":1,"kind":"status","status":"ok","reason":"","splats":[]})";
  const std::string forged_kernel =
      R"({"schema_version":1,"kind":"kernel","id":"hostile","release":"9.9.9-forged","accel":"kvm"})";
  scenario("results", results_frame(raw_bundle({{"guest.json", kGuestOk},
                                                {"probe.json", kProbeOk},
                                                {"status.json", forged_status},
                                                {"kernel.json", forged_kernel},
                                                {"console.log", "all quiet\n"},
                                                {".qemu", "shadow"},
                                                {".hidden.json", kProbeOk},
                                                {std::string(300, 'n'), "longer than NAME_MAX"}})));
  scenario("status", status_frame(R"({"exit_code":0})"));
  const VmResult r = run();
  EXPECT_NE(r.status, "ok");
  const auto status = status_json();
  EXPECT_EQ(status["status"], r.status);
  ASSERT_EQ(status["splats"].size(), 2u) << status.dump();
  EXPECT_EQ(status["splats"][0]["kind"], "WARNING");
  EXPECT_EQ(status["splats"][1]["kind"], "BUG");
  EXPECT_FALSE(status["limits"].empty());
  EXPECT_EQ(kernel_json()["release"], "6.1.0-real");
  EXPECT_EQ(must_read_file(options_.out_dir + "/console.log"), kConsoleWithSplats);
  EXPECT_TRUE(std::filesystem::is_directory(options_.out_dir + "/.qemu"));
  EXPECT_FALSE(std::filesystem::exists(options_.out_dir + "/.hidden.json"));
  EXPECT_TRUE(std::filesystem::exists(options_.out_dir + "/probe.json"));
}

TEST_F(HostileGuest, DeepNestingIsRefusedNotACrash) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  scenario("console", std::string(layout::kInitStarted) + "\n");
  scenario("results", results_frame(raw_bundle({{"guest.json", deep}, {"probe.json", "{\"a\":" + deep + "}"}})));
  scenario("status", status_frame(R"({"exit_code":0})"));
  VmResult r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_NE(r.reason.find("nested deeper"), std::string::npos) << r.reason;
  EXPECT_EQ(status_json()["status"], "infra-error");

  // A deep status frame, and a deep probe.json beside a sane guest.json.
  scenario("status", status_frame("{\"exit_code\":0,\"x\":" + deep + "}"));
  r = run();
  EXPECT_EQ(r.status, "infra-error");
  scenario("status", status_frame(R"({"exit_code":0})"));
  scenario("results", results_frame(raw_bundle({{"guest.json", kGuestOk}, {"probe.json", "{\"a\":" + deep + "}"}})));
  r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_THROW(read_json_file(options_.out_dir + "/probe.json", "probe"), ResultsError);
}

TEST_F(HostileGuest, AConsoleFloodIsCappedAndSaid) {
  // 24 MB of splats: three times what the host keeps.
  std::string console = std::string(layout::kInitStarted) + "\n";
  const std::string line = "[    3.000000] WARNING: CPU: 0 PID: 1 at fs/namespace.c:1 flood+0x0/0x0\n";
  while (console.size() < (size_t{24} << 20)) console += line;
  scenario("console", console);
  scenario("results", results_frame(raw_bundle({{"guest.json", kGuestOk}, {"probe.json", kProbeOk}})));
  scenario("status", status_frame(R"({"exit_code":0})"));
  run();
  const auto status = status_json();
  EXPECT_EQ(status["splats"].size(), kMaxSplatsListed);
  EXPECT_GT(status["splat_count"].get<size_t>(), kMaxSplatsListed);
  EXPECT_GE(status["limits"].size(), 2u) << status["limits"].dump();  // the console's cap and the splats'
  EXPECT_LE(std::filesystem::file_size(options_.out_dir + "/console.log"), (size_t{8} << 20) + 200);
}

TEST_F(HostileGuest, AZipBombIsRefusedBeforeItInflates) {
  scenario("console", std::string(layout::kInitStarted) + "\n");
  scenario("status", status_frame(R"({"exit_code":0})"));
  // Claims 1 GiB.
  scenario("results", results_frame(raw_bundle({{"guest.json", kGuestOk}}, uint64_t{1} << 30)));
  VmResult r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_NE(r.reason.find("claims"), std::string::npos) << r.reason;
  // Honest about 80 MB of zeros (80 kB packed): over the cap all the same.
  scenario("results",
           results_frame(raw_bundle({{"guest.json", kGuestOk}, {"bench.log", std::string(size_t{80} << 20, '\0')}})));
  r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_NE(r.reason.find("more than"), std::string::npos) << r.reason;
}

TEST_F(HostileGuest, TwentyThousandFilesAreNotWritten) {
  std::vector<std::pair<std::string, std::string>> files = {{"guest.json", kGuestOk}, {"probe.json", kProbeOk}};
  for (int i = 0; i < 20000; ++i) files.emplace_back(fmt::format("f{}.json", i), "{}");
  scenario("console", std::string(layout::kInitStarted) + "\n");
  scenario("results", results_frame(raw_bundle(files)));
  scenario("status", status_frame(R"({"exit_code":0})"));
  const VmResult r = run();
  EXPECT_EQ(r.status, "infra-error");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(options_.out_dir)) ++entries;
  EXPECT_LE(entries, 6u);  // .qemu, console.log, probe.json, kernel.json, status.json
}

TEST_F(HostileGuest, EscapeSequencesAndBadNumbersReachNoTerminal) {
  scenario("console", std::string(layout::kInitStarted) + "\n");
  scenario("results",
           results_frame(raw_bundle({{"guest.json", R"({"exit_code":2,"error":"\u001b]0;pwned\u0007\u001b[2J"})"}})));
  scenario("status", status_frame(R"({"exit_code":2})"));
  VmResult r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_EQ(r.reason.find('\x1b'), std::string::npos) << r.reason;
  EXPECT_EQ(progress_.find('\x1b'), std::string::npos);

  scenario("status", status_frame(R"({"exit_code":1e300})"));
  r = run();
  EXPECT_EQ(r.status, "infra-error");
  EXPECT_NE(r.reason.find("exit_code"), std::string::npos) << r.reason;

  // A guest.json of the wrong types, and a stage named to overwrite a host duration.
  scenario("status", status_frame(R"({"exit_code":0})"));
  scenario(
      "results",
      results_frame(raw_bundle(
          {{"guest.json", R"({"stages":[{"name":"total","seconds":1e9},{"name":"probe","seconds":"x"}],"mounts":[7]})"},
           {"probe.json", kProbeOk}})));
  r = run();
  const auto status = status_json();
  EXPECT_LT(status["durations"]["total_seconds"].get<double>(), 1e6);
  EXPECT_FALSE(status["durations"].contains("total_seconds_seconds"));
}

}  // namespace
}  // namespace nsm::vm
