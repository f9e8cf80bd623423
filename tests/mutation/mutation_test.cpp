// ctest -L mutation: the suite tests its own tests. For each namespace type T, the probe and
// every guarantee that needs T run under nsm-lie --type T (clone, clone3, unshare and setns
// "succeed" without a new T), inside a throwaway sandbox, and:
//   - the probe must not say T is supported;
//   - every such guarantee must fail: not pass, not broken (a survivor is a vacuous check),
//     unless it skips under the lie for the very reason it skips without it (not
//     applicable on this machine: printed, not counted);
//   - a guarantee with no verdict at all under the lie fails the test (a new check cannot
//     slip past);
//   - the sandbox's hostname, domain name, links, mounts, sysctls and SysV IPC objects are
//     as before, and its PID 1 got no signal.
// The sandbox is a child in new mnt, uts, ipc, net, pid and cgroup namespaces, proven new by
// core/spawn before it runs anything, with every mount made private so nothing propagates
// to the host, and its own /proc. The baseline (no lie) runs first, in the same sandbox.
#include <signal.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/exec.h"
#include "core/netlink.h"
#include "core/ns_types.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "tests/support/check_listing.h"
#include "tests/support/command.h"

namespace nsm {
namespace {

using nlohmann::json;

// Survivors known when this test was written, "type:check id" -> why, and the sandbox state
// a known check still changes under a lie, "type:what" -> which check: each names its
// entry in conformance/README.md ("Mutations"). The checks are being mended; an entry here
// keeps the test honest meanwhile, one check and one mutation at a time, never a blanket
// skip. An entry whose check is mended fails the test until it is removed.
const std::map<std::string, std::string>& known_survivors() {
  static const std::map<std::string, std::string> list = {
#include "tests/mutation/survivors.inc"
  };
  return list;
}
const std::map<std::string, std::string>& known_residue() {
  static const std::map<std::string, std::string> list = {
#include "tests/mutation/residue.inc"
  };
  return list;
}

// A scratch directory outside /tmp (a check under the mnt lie may mount over the sandbox's
// /tmp and hide what was written there), removed at the end.
struct WorkDir {
  std::string path;
  WorkDir() {
    std::string templ = std::string(NSM_WORK_DIR) + "/nsm-mutation-XXXXXX";
    std::filesystem::create_directories(NSM_WORK_DIR);
    if (!::mkdtemp(templ.data())) throw_sys("mkdtemp");
    path = templ;
  }
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::string conformance_binary() { return std::string(NSM_BIN_DIR) + "/nsmatrix-conformance"; }

// The guarantees that need `type`: of that type, or listing it among their needs.
std::vector<json> guarantees_needing(NsType type) {
  const auto r = testing_support::run_command({conformance_binary(), "--nsm_list_checks"});
  if (r.exit_code != 0) throw ToolError("nsmatrix-conformance --nsm_list_checks failed: " + r.err);
  std::vector<json> out;
  const std::string name(ns_name(type));
  for (const auto& c : json::parse(r.out))
    if (testing_support::guarantee_of_type(c, name)) out.push_back(c);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// What a lie must not change, as the sandbox sees it.
json sandbox_state() {
  json s;
  struct utsname u {};
  ::uname(&u);
  s["hostname"] = u.nodename;
  s["domainname"] = u.domainname;
  s["links"] = read_file("/proc/self/net/dev").value_or("?");  // this netns's devices
  // Mount ids and peer groups are not stable text: keep mount point, fs type and source.
  std::vector<std::string> mounts;
  std::istringstream mountinfo(read_file("/proc/self/mountinfo").value_or(""));
  for (std::string line; std::getline(mountinfo, line);) {
    const auto fields = words(line);
    if (fields.size() < 5) continue;
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    std::string fs = dash != fields.end() && dash + 2 < fields.end() ? *(dash + 1) + " " + *(dash + 2) : "";
    mounts.push_back(fields[4] + " " + fs);
  }
  std::sort(mounts.begin(), mounts.end());
  s["mounts"] = mounts;
  for (const char* sysctl :
       {"net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv6.conf.all.forwarding",
        "net.ipv4.ping_group_range", "net.core.somaxconn", "kernel.shmmax", "kernel.shmall", "kernel.shmmni",
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "fs.mqueue.queues_max", "fs.mqueue.msg_max"})
    s["sysctl"][sysctl] = read_sysctl(sysctl).value_or("(none)");
  for (const char* ipc : {"shm", "msg", "sem"})
    s["sysvipc"][ipc] = read_file(fmt::format("/proc/sysvipc/{}", ipc)).value_or("");
  return s;
}

std::atomic<int> g_signals_to_init{0};
std::atomic<int> g_last_signal{0};
void count_signal(int sig) {
  g_signals_to_init.fetch_add(1);
  g_last_signal.store(sig);
}

// In the sandbox's PID 1: runs argv (its output into `log`), then reaps every orphan left
// until none is.
int run_and_reap(const std::vector<std::string>& argv, const std::string& log) {
  ProgramOptions options;
  options.output = Output::File;
  options.output_path = log;
  options.own_group = false;  // what it leaves behind is for PID 1 to see end, not for us to kill
  options.timeout = std::chrono::seconds(50);
  const ChildStatus status = run_program(argv, options).status;
  for (;;) {
    const pid_t r = ::waitpid(-1, nullptr, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
  }
  switch (status.end) {
    case ChildStatus::End::Exited:
      return status.error ? 127 : status.exit_code;
    case ChildStatus::End::Signaled:
      return 128 + status.signal;
    case ChildStatus::End::TimedOut:
      return 128 + SIGKILL;
  }
  return -1;
}

struct SandboxRun {
  json before, after_baseline, after_lie;
  int signals = 0, last_signal = 0;
  int baseline_exit = -1, lie_exit = -1;
};

SandboxRun run_in_sandbox(NsType type, const std::string& filter, const std::string& dir) {
  SpawnOptions o;
  o.clone_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;
  o.timeout = std::chrono::seconds(55);
  const ChildResult r = run_in_child(o, [&] {
    // Proven new by spawn; now nothing mounted here may reach the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("mount(/, MS_REC|MS_PRIVATE)");
    // The sandbox's own /proc: /proc/PID must name the sandbox's processes.
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      throw_sys("mount(proc, /proc)");
    struct sigaction sa {};
    sa.sa_handler = count_signal;
    for (int sig = 1; sig < 32; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) ::sigaction(sig, &sa, nullptr);
    json out;
    out["before"] = sandbox_state();
    const std::string bin(NSM_BIN_DIR);
    out["baseline_exit"] = run_and_reap({bin + "/nsmatrix", "test", "-o", dir + "/baseline.json", "--filter", filter},
                                        dir + "/baseline.log");
    out["after_baseline"] = sandbox_state();
    out["lie_exit"] =
        run_and_reap({std::string(NSM_LIE), "--type", std::string(ns_name(type)), "--", bin + "/nsmatrix", "run",
                      "--out", dir + "/lie", "--id", "lie", "--bench", "none", "--no-report", "--filter", filter},
                     dir + "/lie.log");
    out["after_lie"] = sandbox_state();
    out["signals"] = g_signals_to_init.load();
    out["last_signal"] = g_last_signal.load();
    return out.dump();
  });
  if (!r.ok()) throw ToolError(fmt::format("the sandbox {}", r.status.describe()));
  const json j = r.json();
  return {j["before"],      j["after_baseline"], j["after_lie"], j["signals"],
          j["last_signal"], j["baseline_exit"],  j["lie_exit"]};
}

// "+ /tmp tmpfs nsm; - ..." for two mount lists, the whole values otherwise.
std::string difference(const json& before, const json& after) {
  if (!before.is_array() || !after.is_array()) return fmt::format("before: {}\nafter: {}", before.dump(), after.dump());
  std::multiset<std::string> b, a;
  for (const auto& x : before) b.insert(x.get<std::string>());
  for (const auto& x : after) a.insert(x.get<std::string>());
  std::string out;
  for (const auto& x : a)
    if (a.count(x) > b.count(x)) out += "\n  + " + x;
  for (const auto& x : b)
    if (b.count(x) > a.count(x)) out += "\n  - " + x;
  return out;
}

std::map<std::string, json> by_id(const json& conformance) {
  std::map<std::string, json> out;
  for (const auto& c : conformance.value("checks", json::array())) out[c.value("id", "")] = c;
  return out;
}

class Mutation : public ::testing::TestWithParam<NsType> {};

TEST_P(Mutation, KillsEveryGuaranteeOfItsType) {
  const NsType type = GetParam();
  const std::string name(ns_name(type));
  const auto guarantees = guarantees_needing(type);
  ASSERT_FALSE(guarantees.empty());
  std::string filter;
  for (const auto& g : guarantees) filter += (filter.empty() ? "" : ":") + g.value("test", "");

  WorkDir dir;
  const SandboxRun run = run_in_sandbox(type, filter, dir.path);
  // Nothing outside the checks' own namespaces changed.
  for (const auto& [key, value] : run.before.items())
    EXPECT_TRUE(run.after_baseline[key] == value)
        << key << " changed without any lie: " << difference(value, run.after_baseline[key]);
  for (const char* key : {"hostname", "domainname", "links", "mounts", "sysctl", "sysvipc"}) {
    const auto known = known_residue().find(name + ":" + key);
    if (run.after_lie[key] == run.before[key]) {
      if (known != known_residue().end())
        ADD_FAILURE() << "stale entry in residue.inc: " << name << ":" << key << " is clean now; remove it";
    } else if (known != known_residue().end()) {
      std::printf("KNOWN RESIDUE %s under the %s lie -- %s:%s\n", key, name.c_str(), known->second.c_str(),
                  difference(run.before[key], run.after_lie[key]).c_str());
    } else {
      ADD_FAILURE() << key << " changed under the " << name
                    << " lie: " << difference(run.before[key], run.after_lie[key]);
    }
  }
  EXPECT_EQ(run.signals, 0) << "the sandbox's PID 1 got " << run.signals << " signal(s), the last " << run.last_signal;

  const auto baseline = by_id(json::parse(read_file(dir / "baseline.json").value_or("{}")));
  const auto lie_file = read_file(dir / "lie/lie/conformance.json");
  ASSERT_TRUE(lie_file) << "no conformance.json under the lie; log:\n" << read_file(dir / "lie.log").value_or("");
  const auto lie = by_id(json::parse(*lie_file));

  // The probe flags the type.
  const json probe = json::parse(read_file(dir / "lie/lie/probe.json").value_or("{}"));
  bool probed = false;
  for (const auto& ns : probe.value("namespaces", json::array())) {
    if (ns.value("type", "") != name) continue;
    probed = true;
    EXPECT_NE(ns.value("verdict", ""), "supported") << "the probe believed the lie: " << ns.value("reason", "");
    std::printf("probe under the %s lie: %s: %s\n", name.c_str(), ns.value("verdict", "").c_str(),
                ns.value("reason", "").c_str());
  }
  EXPECT_TRUE(probed) << "probe.json has no " << name << " entry";

  // Every guarantee fails.
  std::map<std::string, int> tally;
  for (const auto& g : guarantees) {
    const std::string id = g.value("id", "");
    auto it = lie.find(id);
    if (it == lie.end()) {
      ADD_FAILURE() << id << ": no verdict under the " << name << " lie";
      continue;
    }
    const std::string outcome = it->second.value("outcome", "");
    const std::string reason = it->second.value("reason", "");
    ++tally[outcome];
    const auto base = baseline.find(id);
    const std::string base_outcome = base == baseline.end() ? "(none)" : base->second.value("outcome", "");
    if (outcome == "fail") {
      // An allow-list entry that no longer survives is a lie of the list: remove it.
      if (known_survivors().count(name + ":" + id))
        ADD_FAILURE() << "stale entry in survivors.inc: " << id << " fails under the " << name << " lie now; remove it";
      continue;
    }
    if (outcome == "skip" && base_outcome == "skip" && base->second.value("reason", "") == reason) {
      std::printf("not applicable on this machine: %s (skips with and without the lie: %s)\n", id.c_str(),
                  reason.c_str());
      continue;
    }
    const auto survivor = known_survivors().find(name + ":" + id);
    if (survivor != known_survivors().end()) {
      std::printf("KNOWN SURVIVOR %s: %s under the %s lie (without it: %s) -- %s\n", id.c_str(), outcome.c_str(),
                  name.c_str(), base_outcome.c_str(), survivor->second.c_str());
      continue;
    }
    ADD_FAILURE() << id << " survives the " << name << " lie: " << outcome << " (without the lie: " << base_outcome
                  << ")\n  " << reason;
  }
  std::printf("under the %s lie: %zu guarantees: %d fail, %d pass, %d skip, %d broken\n", name.c_str(),
              guarantees.size(), tally["fail"], tally["pass"], tally["skip"], tally["broken"]);
}

// ctest -L offvariant: the suite on a kernel built without type T, as nsm-lie --absent shows
// it (every call that asks for T fails with EINVAL): the whole suite runs in the sandbox,
// and the probe says T is unsupported, every check that needs T skips naming it, no check
// fails or is broken (a check that uses T without declaring it would), and the sandbox is
// as before. The real off-variant kernels (vm/kernels, tag variant) prove the rest: the
// missing /proc/PID/ns entry and the Kconfig symbol.
json run_absent_in_sandbox(NsType type, const std::string& dir) {
  SpawnOptions o;
  o.clone_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;
  o.timeout = std::chrono::seconds(55);
  const ChildResult r = run_in_child(o, [&] {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("mount(/, MS_REC|MS_PRIVATE)");
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      throw_sys("mount(proc, /proc)");
    // lo up, as on a host or in a guest: a network namespace that never had an address has
    // no local routing table, and there a socket binds to any address at all, which
    // net.address.per-namespace's look from "the host" would take for a leak.
    RouteSocket::open().set_up("lo");
    json out;
    out["before"] = sandbox_state();
    const std::string bin(NSM_BIN_DIR);
    out["exit"] =
        run_and_reap({std::string(NSM_LIE), "--absent", "--type", std::string(ns_name(type)), "--", bin + "/nsmatrix",
                      "run", "--out", dir + "/absent", "--id", "absent", "--bench", "none", "--no-report"},
                     dir + "/absent.log");
    out["after"] = sandbox_state();
    return out.dump();
  });
  if (!r.ok()) throw ToolError(fmt::format("the sandbox {}", r.status.describe()));
  return r.json();
}

class OffVariant : public ::testing::TestWithParam<NsType> {};

TEST_P(OffVariant, EveryCheckNeedingTheTypeSkipsAndNoneFails) {
  const NsType type = GetParam();
  const std::string name(ns_name(type));
  WorkDir dir;
  const json run = run_absent_in_sandbox(type, dir.path);
  for (const auto& [key, value] : run["before"].items())
    EXPECT_TRUE(run["after"][key] == value)
        << key << " changed without " << name << " namespaces: " << difference(value, run["after"][key]);

  const json probe = json::parse(read_file(dir / "absent/absent/probe.json").value_or("{}"));
  bool probed = false;
  for (const auto& ns : probe.value("namespaces", json::array())) {
    if (ns.value("type", "") != name) continue;
    probed = true;
    EXPECT_EQ(ns.value("verdict", ""), "unsupported") << ns.value("reason", "");
    EXPECT_NE(ns.value("reason", "").find("EINVAL"), std::string::npos)
        << "the reason names no failed attempt: " << ns.value("reason", "");
    std::printf("probe without %s namespaces: %s: %s\n", name.c_str(), ns.value("verdict", "").c_str(),
                ns.value("reason", "").c_str());
  }
  EXPECT_TRUE(probed) << "probe.json has no " << name << " entry";

  const auto file = read_file(dir / "absent/absent/conformance.json");
  ASSERT_TRUE(file) << "no conformance.json; log:\n" << read_file(dir / "absent.log").value_or("");
  std::map<std::string, json> listed;
  {
    const auto r = testing_support::run_command({conformance_binary(), "--nsm_list_checks"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& c : json::parse(r.out)) listed[c.value("id", "")] = c;
  }
  const std::string unsupported = name + " namespaces unsupported";
  std::map<std::string, int> tally;
  int needing = 0;
  for (const auto& c : json::parse(*file).value("checks", json::array())) {
    const std::string id = c.value("id", ""), outcome = c.value("outcome", ""), reason = c.value("reason", "");
    ++tally[outcome];
    EXPECT_NE(outcome, "fail") << id << " fails without " << name << " namespaces: " << reason;
    EXPECT_NE(outcome, "broken") << id << " is broken without " << name
                                 << " namespaces (does it use them undeclared?): " << reason;
    const auto it = listed.find(id);
    if (it == listed.end() || !testing_support::needs_type(it->second, name)) continue;
    ++needing;
    EXPECT_EQ(outcome, "skip") << id << " needs " << name << " namespaces: " << reason;
    if (outcome == "skip" && reason.find(unsupported) == std::string::npos) {
      // Skipped for a reason decided before the type's (not root, a missing feature): fine.
      std::printf("%s skips for another reason: %s\n", id.c_str(), reason.c_str());
    }
  }
  EXPECT_GT(needing, 0) << "no check needs " << name << " namespaces";
  std::printf(
      "without %s namespaces: %d checks need them; %d pass, %d skip, %d fail, %d broken, %d gap confirmed, %d gap "
      "closed\n",
      name.c_str(), needing, tally["pass"], tally["skip"], tally["fail"], tally["broken"], tally["gap-confirmed"],
      tally["gap-closed"]);
}

INSTANTIATE_TEST_SUITE_P(EveryTypeButMnt, OffVariant,
                         ::testing::Values(NsType::Cgroup, NsType::Ipc, NsType::Net, NsType::Pid, NsType::Time,
                                           NsType::User, NsType::Uts),
                         [](const auto& info) { return std::string(ns_name(info.param)); });

INSTANTIATE_TEST_SUITE_P(EveryType, Mutation,
                         ::testing::Values(NsType::Cgroup, NsType::Ipc, NsType::Net, NsType::Mnt, NsType::Pid,
                                           NsType::Time, NsType::User, NsType::Uts),
                         [](const auto& info) { return std::string(ns_name(info.param)); });

}  // namespace
}  // namespace nsm
