// The safety proof: after a conformance run - passed, failed, or killed with SIGKILL at any
// moment - the host keeps nothing. Runs the real nsmatrix-conformance and compares the host
// before and after: nsm* links in this network namespace, named network namespaces,
// mounts, /tmp/nsm-*, nsm-* cgroups, nsm-* keys (conformance/driver/residue.h), the hostname
// and domain name, and processes of the suite's binary still alive.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
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

namespace {

using nsm::conformance::ResidueItem;
using json = nlohmann::json;

const std::string kSuite = NSM_CONFORMANCE_BINARY;

std::string uts_name(int (*get)(char*, size_t)) {
  char name[256] = {};
  get(name, sizeof name - 1);
  return name;
}

// Processes running the suite's binary (the suite, its children, a janitor).
std::vector<ResidueItem> suite_processes() {
  std::vector<ResidueItem> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (!std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    std::error_code link_ec;
    const auto exe = std::filesystem::read_symlink(e.path() / "exe", link_ec);
    if (!link_ec && exe.string() == kSuite) out.push_back({"process", pid});
  }
  return out;
}

struct HostState {
  std::vector<ResidueItem> items;
  std::string hostname, domainname;
};

HostState host_state() {
  HostState s{nsm::conformance::find_residue(), uts_name(::gethostname), uts_name(::getdomainname)};
  for (auto& p : suite_processes()) s.items.push_back(p);
  std::sort(s.items.begin(), s.items.end());
  return s;
}

// What is there now and was not before. The kernel and the janitor finish some teardown
// asynchronously after a SIGKILL (children dying of PDEATHSIG, cgroups emptied): wait for
// it, bounded and backed off.
std::vector<ResidueItem> new_residue(const HostState& before) {
  std::vector<ResidueItem> extra;
  nsm::conformance::eventually(
      [&] {
        const HostState now = host_state();
        extra.clear();
        std::set_difference(now.items.begin(), now.items.end(), before.items.begin(), before.items.end(),
                            std::back_inserter(extra));
        if (now.hostname != before.hostname) extra.push_back({"hostname", now.hostname});
        if (now.domainname != before.domainname) extra.push_back({"domainname", now.domainname});
        return extra.empty();
      },
      std::chrono::seconds(15));
  return extra;
}

std::string describe(const std::vector<ResidueItem>& items) {
  std::string out;
  for (const auto& i : items) out += fmt::format("\n  {} {}", i.kind, i.name);
  return out;
}

struct SuiteRun {
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;
  std::string output;
  std::optional<json> gtest;
};

// Runs the suite with `args` and `env`. When `kill_when` is given, the suite is sent
// SIGKILL (the suite process only, as a driver killed by someone would be) as soon as its
// output shows that line: the moment is the suite's own progress, not a timer.
SuiteRun run_suite(std::vector<std::string> args, const std::map<std::string, std::string>& env = {},
                   const std::optional<std::string>& kill_when = std::nullopt) {
  const std::string json_path = ::testing::TempDir() + fmt::format("nsm-residue-{}.json", ::getpid());
  ::unlink(json_path.c_str());
  args.insert(args.begin(), kSuite);
  args.push_back("--gtest_output=json:" + json_path);
  SuiteRun run;
  std::optional<nsm::Program> suite;
  nsm::ProgramOptions options;
  options.output = nsm::Output::Lines;
  options.environment = env;
  options.own_group = false;  // a kill reaches the suite alone: its own cleanup is under test
  options.timeout = std::chrono::minutes(5);
  bool killed = false;
  options.on_line = [&](std::string_view line) {
    run.output.append(line).append("\n");
    if (kill_when && !killed && line.find(*kill_when) != std::string_view::npos) {
      suite->signal(SIGKILL);
      killed = true;
    }
  };
  suite = nsm::Program::start(args, options);
  const nsm::ChildStatus status = suite->finish().status;
  if (status.end == nsm::ChildStatus::End::Exited) run.exit_code = status.exit_code;
  if (status.end == nsm::ChildStatus::End::Signaled) run.signal = status.signal;
  if (auto text = nsm::read_file(json_path)) run.gtest = json::parse(*text, nullptr, false);
  ::unlink(json_path.c_str());
  return run;
}

std::map<std::string, std::string> outcomes(const json& gtest) {
  std::map<std::string, std::string> out;
  for (const auto& suite : gtest["testsuites"])
    for (const auto& test : suite["testsuite"])
      out[suite["name"].get<std::string>() + "." + test["name"].get<std::string>()] = test.value("nsm_outcome", "");
  return out;
}

class Residue : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root: unprivileged, most checks skip and create nothing to leave behind";
    before_ = host_state();
  }
  HostState before_;
};

// The checks that hold the most host-adjacent state at their hold point: topologies, a
// child with a veth, cgroups guarded by a janitor, a key in a shared keyring, renamed
// UTS namespaces, mount propagation, a PID namespace with a worker, time offsets.
const std::vector<std::string> kStatefulChecks = {
    "NetNamespace.BridgeLetsEveryPairOfThreeTalk",
    "NetNamespace.DeletingNamespaceDeletesVethAndPeer",
    "NsLifecycle.FdHoldsNamespaceAfterLastProcess",
    "MemoryGap.MeminfoIgnoresCgroupLimit",
    "CgroupNamespace.Cgroup2MountShowsOnlyTheSubtree",
    "KeyringGap.UserKeyringSharedBetweenContainersWithoutUserNs",
    "UtsNamespace.HostnameChangeStaysInside",
    "MountNamespace.SharedMountPropagatesBothWays",
    "PidNamespace.InitDeathKillsTheRest",
    "TimeNamespace.SetnsAppliesOffsetsAtOnce",
};

TEST_F(Residue, NormalRunLeavesNothing) {
  const SuiteRun run = run_suite({});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(describe(new_residue(before_)), "");
}

TEST_F(Residue, FailingRunLeavesNothing) {
  const std::string failing = "NetNamespace.BridgeLetsEveryPairOfThreeTalk";
  const SuiteRun run =
      run_suite({"--gtest_filter=NetNamespace.*:MemoryGap.*:KeyringGap.*"}, {{"NSMATRIX_FORCE_FAIL", failing}});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  ASSERT_TRUE(run.gtest && !run.gtest->is_discarded()) << run.output;
  for (const auto& [test, outcome] : outcomes(*run.gtest)) {
    if (test == failing) {
      EXPECT_EQ(outcome, "fail") << "the forced failure must fail exactly this check";
    } else {
      EXPECT_NE(outcome, "fail") << test;
    }
  }
  EXPECT_EQ(describe(new_residue(before_)), "");
}

TEST_F(Residue, SigkillAtEachHoldPointLeavesNothing) {
  for (const auto& check : kStatefulChecks) {
    const SuiteRun run = run_suite({"--gtest_filter=" + check}, {{"NSMATRIX_SIGKILL_AT", check}});
    EXPECT_EQ(run.signal, SIGKILL) << check << " did not reach its hold point:\n" << run.output;
    EXPECT_EQ(describe(new_residue(before_)), "") << "after SIGKILL in " << check;
  }
}

TEST_F(Residue, SigkillAsChecksStartLeavesNothing) {
  // Killed from outside as each of these checks starts, in a full run: wherever the suite
  // happens to be when the signal lands.
  for (const auto& check : kStatefulChecks) {
    const SuiteRun run = run_suite({}, {}, "[ RUN      ] " + check);
    EXPECT_EQ(run.signal, SIGKILL) << check;
    EXPECT_EQ(describe(new_residue(before_)), "") << "after SIGKILL as " << check << " started";
  }
}

}  // namespace
