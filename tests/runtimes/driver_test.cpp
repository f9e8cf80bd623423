// The runtimes driver (`nsmatrix runtimes`): how it finds the held view and proves a veth's
// peer from outside (unit, on fixed input), its run marker, its input errors, and — with the
// runtimes installed, as root — a real run and a run killed with SIGKILL mid-container,
// after which `nsmatrix clean` must leave nothing of it on the host.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/harness/poll.h"
#include "conformance/driver/residue.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"
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
  EXPECT_TRUE(is_held_view(cmdline({"/nsm/nsmatrix", "inside", "--hold", "--token", "nsm-rt-1-p2-docker-default"}), "nsm-rt-1-p2-docker-default"));
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
  ASSERT_TRUE(conformance::find_runtime_run_marker("/nsm/nsmatrix inside --hold --token nsm-rt-5-p6-docker-default", pid, pidns));
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
  for (const char* word : {"docker", "podman", "runc", "crun", "bwrap", "systemd-nspawn", "lxc", "nsmatrix clean", "runtimes.json"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
}

// ---------------------------------------------------------------------------------------
// With the runtimes: real containers. Everything a run made is found by its marker.

bool on_path(const std::string& program) { return run_command({"/bin/sh", "-c", "command -v " + program}).exit_code == 0; }

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

// SIGKILL while docker's container is up (its daemon, shim, image, bridge, overlay mounts
// and cgroups all exist), then `nsmatrix clean`: nothing of the run remains.
TEST_F(RuntimesRun, SigkilledMidRunThenCleanLeavesNothing) {
  if (!on_path("dockerd")) GTEST_SKIP() << "docker.io is not installed (scripts/install-deps.sh --runtimes)";
  auto [read_end, write_end] = make_pipe();
  std::fflush(nullptr);
  const std::string binary = nsmatrix_binary();
  const pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork");
  if (pid == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::dup2(write_end.get(), STDERR_FILENO);
    ::execl(binary.c_str(), binary.c_str(), "runtimes", "--runtime", "docker", "--profile", "default", "--out", out_.c_str(), nullptr);
    ::_exit(127);
  }
  write_end.reset();
  std::string output;
  bool killed = false;
  char buf[4096];
  ssize_t n;
  // The moment is the driver's own progress (its container is up), not a timer.
  while ((n = ::read(read_end.get(), buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buf, static_cast<size_t>(n));
    if (!killed && output.find("docker/default: up") != std::string::npos) {
      ASSERT_FALSE(residue_of(pid).empty()) << "the run's objects are not found by its marker while it runs";
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(killed) << "the container never came up: " << output;
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << output;

  const auto clean = run_command({binary, "clean"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  std::vector<conformance::ResidueItem> left;
  // The kernel frees some of it (a namespace's veth, an emptied cgroup) after the processes end.
  conformance::eventually([&] { return (left = residue_of(pid)).empty(); }, std::chrono::seconds(15));
  EXPECT_TRUE(left.empty()) << describe(left) << "\nclean said:\n" << clean.out << clean.err;
  // Nothing of the run's daemon either: no process names its work directory.
  EXPECT_FALSE(fs::exists(fmt::format("{}/nsm-rt-{}-p{}", conformance::kRuntimeWorkParent, pid, conformance::own_pidns())));
}

}  // namespace
}  // namespace nsm::runtimes
