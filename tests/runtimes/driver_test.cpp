// The runtimes driver (`nsmatrix runtimes`): how it finds the held view and proves a veth's
// peer from outside (unit, on fixed input), its run marker, its input errors, and — with the
// runtimes installed, as root — a real run and a run killed with SIGKILL mid-container,
// after which `nsmatrix clean` must leave nothing of it on the host.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/driver/residue.h"
#include "conformance/harness/poll.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "runtimes/driver.h"
#include "runtimes/outside.h"
#include "runtimes/rootfs.h"
#include "tests/support/command.h"

namespace nsm::runtimes {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing_support::nsmatrix_binary;
using testing_support::run_command;

std::string cmdline(std::initializer_list<std::string_view> argv) {
  std::string out;
  for (auto a : argv) out.append(a).push_back('\0');
  return out;
}

TEST(RuntimesOutside, HeldViewIsTheNsmatrixProcessWithTheToken) {
  EXPECT_TRUE(is_held_view(cmdline({"/nsm/nsmatrix", "inside", "--hold", "--token", "nsm-rt-1-p2-docker-default"}),
                           "nsm-rt-1-p2-docker-default"));
  // The runtime's own command names the token too: argv[0] decides.
  EXPECT_FALSE(is_held_view(cmdline({"docker", "run", "/nsm/nsmatrix", "inside", "--hold", "--token", "T"}), "T"));
  EXPECT_FALSE(is_held_view(cmdline({"/nsm/nsmatrix", "inside", "--hold", "--token", "T2"}), "T"));
  EXPECT_FALSE(is_held_view(cmdline({"/nsm/nsmatrix", "runtimes", "--token", "T"}), "T"));
  EXPECT_FALSE(is_held_view(cmdline({"/nsm/nsmatrix", "inside", "T"}), "T"));
}

TEST(RuntimesOutside, VethPeerIsProvedOnlyWhenBothEndsNameEachOther) {
  const json inside = json::array({{{"name", "lo"}, {"ifindex", 1}, {"kind", nullptr}},
                                   {{"name", "eth0"}, {"ifindex", 7}, {"kind", "veth"}, {"peer_ifindex", 12}}});
  std::vector<HostLink> links{{3, "nsm-9-dk", "bridge", 0, 0, false}, {12, "veth1a2b", "veth", 3, 7, true}};
  json net = network_from_outside(inside, links);
  ASSERT_EQ(net.size(), 1u);
  EXPECT_EQ(net[0]["host_peer"], "veth1a2b");
  EXPECT_EQ(net[0]["bridge"], "nsm-9-dk");
  EXPECT_EQ(net[0]["bridge_kind"], "bridge");
  // A host veth at that ifindex whose peer is another ifindex: not this container's.
  links[1].link = 8;
  net = network_from_outside(inside, links);
  EXPECT_TRUE(net[0]["host_peer"].is_null());
  EXPECT_TRUE(net[0].contains("why"));
  // Its peer in the same namespace (no netnsid): not the container's either.
  links[1].link = 7;
  links[1].peer_elsewhere = false;
  EXPECT_TRUE(network_from_outside(inside, links)[0]["host_peer"].is_null());
  // No veth inside: nothing to prove.
  EXPECT_TRUE(network_from_outside(json::array({{{"name", "lo"}, {"ifindex", 1}}}), links).empty());
}

TEST(RuntimesRootfs, LibrariesGoToTheMergedUsrLayout) {
  EXPECT_EQ(rootfs_library_path("/lib/x86_64-linux-gnu/libc.so.6"), "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(rootfs_library_path("/lib64/ld-linux-x86-64.so.2"), "/usr/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(rootfs_library_path("/usr/lib/x86_64-linux-gnu/libfmt.so.9"), "/usr/lib/x86_64-linux-gnu/libfmt.so.9");
  EXPECT_EQ(rootfs_library_path("/opt/lib/libx.so"), "/opt/lib/libx.so");
}

TEST(RuntimesMarker, FoundInPathsAndCommandLines) {
  int pid = 0;
  unsigned long pidns = 0;
  ASSERT_TRUE(conformance::find_runtime_run_marker("/var/lib/nsm-rt-123-p4026531836/docker/data", pid, pidns));
  EXPECT_EQ(pid, 123);
  EXPECT_EQ(pidns, 4026531836ul);
  ASSERT_TRUE(conformance::find_runtime_run_marker("/nsm/nsmatrix inside --hold --token nsm-rt-5-p6-docker-default",
                                                   pid, pidns));
  EXPECT_EQ(pid, 5);
  EXPECT_EQ(pidns, 6ul);
  // The unmarked: other nsm names, a marker without its pid namespace.
  EXPECT_FALSE(conformance::find_runtime_run_marker("/var/lib/nsm-rtx", pid, pidns));
  EXPECT_FALSE(conformance::find_runtime_run_marker("nsm-rt-123", pid, pidns));
  EXPECT_FALSE(conformance::find_runtime_run_marker("nsm-4-p5-7", pid, pidns));
  EXPECT_EQ(conformance::runtime_run_marker(), fmt::format("nsm-rt-{}-p{}", ::getpid(), conformance::own_pidns()));
}

TEST(RuntimesCli, UnknownRuntimeOrProfileIsBadInput) {
  auto r = run_command({nsmatrix_binary(), "runtimes", "--runtime", "dockr"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown runtime 'dockr'"), std::string::npos) << r.err;
  r = run_command({nsmatrix_binary(), "runtimes", "--profile", "rootful"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown profile 'rootful'"), std::string::npos) << r.err;
  r = run_command({nsmatrix_binary(), "runtimes", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word :
       {"docker", "podman", "runc", "crun", "bwrap", "systemd-nspawn", "lxc", "nsmatrix clean", "runtimes.json"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
}

// ---------------------------------------------------------------------------------------
// With the runtimes: real containers. Everything a run made is found by its marker.

std::vector<conformance::ResidueItem> residue_of(pid_t pid) {
  std::vector<conformance::ResidueItem> out;
  for (const auto& item : conformance::find_residue())
    if (item.owner_pid == pid && item.owner_pidns == conformance::own_pidns()) out.push_back(item);
  return out;
}

std::string describe(const std::vector<conformance::ResidueItem>& items) {
  std::string out;
  for (const auto& i : items) out += fmt::format("\n  {} {}", i.kind, i.name);
  return out;
}

class RuntimesRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: the runtimes start containers and daemons as root";
    out_ = ::testing::TempDir() + fmt::format("nsm-runtimes-test-{}", ::getpid());
    fs::remove_all(out_);
  }
  void TearDown() override { fs::remove_all(out_); }
  std::string out_;
};

TEST_F(RuntimesRun, BwrapRunsTheViewAndLeavesNothing) {
  if (!on_path("bwrap")) GTEST_SKIP() << "bubblewrap is not installed (scripts/install-deps.sh --runtimes)";
  const auto r = run_command({nsmatrix_binary(), "runtimes", "--runtime", "bwrap", "--out", out_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json doc = json::parse(read_file(out_ + "/runtimes.json").value());
  EXPECT_EQ(doc["kind"], "runtimes");
  ASSERT_EQ(doc["runtimes"].size(), 2u);
  for (const auto& rec : doc["runtimes"]) {
    ASSERT_EQ(rec["outcome"], "ran") << rec.dump();
    EXPECT_EQ(rec["namespaces"]["mnt"]["new"], true);  // bwrap's one namespace by default
    EXPECT_EQ(rec["view"]["kind"], "inside");
  }
  // --unshare-all: a user namespace, and the host's uid 0 is not inside.
  const json& all = doc["runtimes"][1];
  EXPECT_EQ(all["profile"], "unshare-all");
  EXPECT_EQ(all["namespaces"]["user"]["new"], true);
  EXPECT_EQ(all["namespaces"]["net"]["new"], true);
  EXPECT_TRUE(doc["teardown"].empty()) << doc["teardown"].dump();
  int pid = 0;
  unsigned long pidns = 0;
  ASSERT_TRUE(conformance::find_runtime_run_marker(doc["marker"].get<std::string>(), pid, pidns));
  EXPECT_EQ(residue_of(pid).size(), 0u) << describe(residue_of(pid));
}

// Rootless podman: the view runs as nobody, root inside mapped to nobody alone; no user and
// no /etc/subuid range is made for it, and nothing of nobody's is left running.
TEST_F(RuntimesRun, RootlessPodmanRunsTheViewAsNobodyAndLeavesNothing) {
  if (!on_path("podman")) GTEST_SKIP() << "podman is not installed (scripts/install-deps.sh --runtimes)";
  const auto users_before = read_file("/etc/passwd"), subuid_before = read_file("/etc/subuid"),
             subgid_before = read_file("/etc/subgid");
  const auto r =
      run_command({nsmatrix_binary(), "runtimes", "--runtime", "podman", "--profile", "rootless", "--out", out_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json doc = json::parse(read_file(out_ + "/runtimes.json").value());
  ASSERT_EQ(doc["runtimes"].size(), 1u);
  const json& rec = doc["runtimes"][0];
  ASSERT_EQ(rec["outcome"], "ran") << rec.dump();
  EXPECT_EQ(rec["namespaces"]["user"]["new"], true);
  EXPECT_EQ(rec["view"]["ids"]["uid_map"]["ranges"], json::parse("[[0, 65534, 1]]")) << rec["view"]["ids"].dump();
  EXPECT_EQ(read_file("/etc/passwd"), users_before);
  EXPECT_EQ(read_file("/etc/subuid"), subuid_before);
  EXPECT_EQ(read_file("/etc/subgid"), subgid_before);
  // Its pause process and conmon cgroup are ended by the engine, not found by the last sweep.
  EXPECT_TRUE(doc["teardown"].empty()) << doc["teardown"].dump();
  int pid = 0;
  unsigned long pidns = 0;
  ASSERT_TRUE(conformance::find_runtime_run_marker(doc["marker"].get<std::string>(), pid, pidns));
  EXPECT_EQ(residue_of(pid).size(), 0u) << describe(residue_of(pid));
}

// podman as root makes /var/lib/containers/cache whatever its --root: a run that found none
// removes it at its end.
TEST_F(RuntimesRun, PodmanLeavesNoBlobInfoCache) {
  if (!on_path("podman")) GTEST_SKIP() << "podman is not installed (scripts/install-deps.sh --runtimes)";
  if (std::filesystem::exists("/var/lib/containers"))
    GTEST_SKIP() << "/var/lib/containers exists already: not ours to remove";
  const auto r =
      run_command({nsmatrix_binary(), "runtimes", "--runtime", "podman", "--profile", "default", "--out", out_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json doc = json::parse(read_file(out_ + "/runtimes.json").value());
  ASSERT_EQ(doc["runtimes"][0]["outcome"], "ran") << doc["runtimes"][0].dump();
  EXPECT_FALSE(std::filesystem::exists("/var/lib/containers"));
  EXPECT_TRUE(doc["teardown"].empty()) << doc["teardown"].dump();
}

// Starts `nsmatrix runtimes` for docker's default container and sends `sig` to the driver
// alone the moment the container is up (its daemon, shim, image, bridge, overlay mounts and
// cgroups all exist): the moment is the driver's own progress line, not a timer.
struct Interrupted {
  ChildStatus status;
  std::string output;
  pid_t pid = 0;
  bool sent = false;
  bool marked_while_up = false;  // the run's objects were found by its marker while it ran
};

Interrupted run_docker_until_up_then(const std::string& out_dir, int sig) {
  Interrupted r;
  ProgramOptions options;
  options.output = Output::Lines;
  options.timeout = std::chrono::minutes(5);
  std::optional<Program> driver;
  options.on_line = [&](std::string_view line) {
    r.output.append(line).push_back('\n');
    if (r.sent || line.find("docker/default: up") == std::string_view::npos) return;
    r.marked_while_up = !residue_of(driver->pid()).empty();
    ::kill(driver->pid(), sig);  // the driver alone: what it started lives in groups of its own
    r.sent = true;
  };
  driver = Program::start(
      {nsmatrix_binary(), "runtimes", "--runtime", "docker", "--profile", "default", "--out", out_dir}, options);
  r.pid = driver->pid();
  r.status = driver->finish().status;
  return r;
}

// A run that fails (here: stopped by SIGTERM with its container up) cleans up itself.
TEST_F(RuntimesRun, InterruptedRunCleansUpItself) {
  if (!on_path("dockerd")) GTEST_SKIP() << "docker.io is not installed (scripts/install-deps.sh --runtimes)";
  const Interrupted r = run_docker_until_up_then(out_, SIGTERM);
  ASSERT_TRUE(r.sent) << "the container never came up: " << r.output;
  EXPECT_TRUE(r.marked_while_up) << "the run's objects are not found by its marker while it runs";
  // It ends by the signal, as a command stopped by it, after writing what it did.
  EXPECT_EQ(r.status.end, ChildStatus::End::Signaled) << r.status.describe() << r.output;
  EXPECT_EQ(r.status.signal, SIGTERM) << r.output;
  const json doc = json::parse(read_file(out_ + "/runtimes.json").value());
  EXPECT_NE(doc["teardown"].dump().find("interrupted by signal 15"), std::string::npos) << doc["teardown"].dump();
  const auto left = residue_of(r.pid);
  EXPECT_TRUE(left.empty()) << describe(left);
  EXPECT_FALSE(
      fs::exists(fmt::format("{}/nsm-rt-{}-p{}", conformance::kRuntimeWorkParent, r.pid, conformance::own_pidns())));
}

// SIGKILL with the container up, then `nsmatrix clean`: nothing of the run remains.
TEST_F(RuntimesRun, SigkilledMidRunThenCleanLeavesNothing) {
  if (!on_path("dockerd")) GTEST_SKIP() << "docker.io is not installed (scripts/install-deps.sh --runtimes)";
  const Interrupted r = run_docker_until_up_then(out_, SIGKILL);
  ASSERT_TRUE(r.sent) << "the container never came up: " << r.output;
  EXPECT_TRUE(r.marked_while_up) << "the run's objects are not found by its marker while it runs";
  ASSERT_EQ(r.status.end, ChildStatus::End::Signaled) << r.status.describe() << r.output;
  ASSERT_EQ(r.status.signal, SIGKILL);
  EXPECT_FALSE(residue_of(r.pid).empty()) << "a killed run left nothing: the test shows nothing of clean";

  const auto clean = run_command({nsmatrix_binary(), "clean"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  std::vector<conformance::ResidueItem> left;
  // The kernel frees some of it (a namespace's veth, an emptied cgroup) after the processes end.
  conformance::eventually([&] { return (left = residue_of(r.pid)).empty(); }, std::chrono::seconds(15));
  EXPECT_TRUE(left.empty()) << describe(left) << "\nclean said:\n" << clean.out << clean.err;
  EXPECT_FALSE(
      fs::exists(fmt::format("{}/nsm-rt-{}-p{}", conformance::kRuntimeWorkParent, r.pid, conformance::own_pidns())));
}

}  // namespace
}  // namespace nsm::runtimes
