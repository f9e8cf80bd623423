// The inside view (runtimes/): its parsers on fixed text, the gap verdicts on fixed
// readings (each outcome reachable, and a reading of the wrong shape broken, never a
// verdict), and the view itself — on the host, where every namespace is the initial one,
// and in namespaces a child of the test makes, where those types must say "not initial".
#include <sched.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/exec.h"
#include "core/kernel_version.h"
#include "core/spawn.h"
#include "runtimes/inside_gaps.h"
#include "runtimes/inside_parse.h"
#include "runtimes/inside_view.h"
#include "tests/support/command.h"
#include "tests/support/privilege.h"

namespace nsm::runtimes {
namespace {

using json = nlohmann::json;

TEST(InsideParse, CapabilityNamesByBit) {
  EXPECT_EQ(capability_names(0), std::vector<std::string>{});
  EXPECT_EQ(capability_names((1ull << 0) | (1ull << 21) | (1ull << 40) | (1ull << 45)),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_45"}));
  // Docker's default set (a80425fb): fourteen capabilities, CAP_SYS_ADMIN not among them.
  const auto docker = capability_names(0xa80425fbull);
  EXPECT_EQ(docker.size(), 14u);
  EXPECT_EQ(std::count(docker.begin(), docker.end(), "CAP_SYS_ADMIN"), 0);
  EXPECT_EQ(std::count(docker.begin(), docker.end(), "CAP_NET_RAW"), 1);
}

TEST(InsideParse, StatusField) {
  const std::string status = "Name:\tx\nCapEff:\t00000000a80425fb\nSeccomp:\t2\nSeccomp_filters:\t1\n";
  EXPECT_EQ(status_field(status, "CapEff"), "00000000a80425fb");
  EXPECT_EQ(status_field(status, "Seccomp"), "2");
  EXPECT_EQ(status_field(status, "Seccomp_filters"), "1");
  EXPECT_EQ(status_field(status, "CapAmb"), std::nullopt);
}

TEST(InsideParse, IdMaps) {
  EXPECT_TRUE(is_identity_map(parse_id_map("         0          0 4294967295\n")));
  const auto remapped = parse_id_map("0 100000 65536\n");
  ASSERT_EQ(remapped.size(), 1u);
  EXPECT_EQ(remapped[0], (IdRange{0, 100000, 65536}));
  EXPECT_FALSE(is_identity_map(remapped));
  EXPECT_FALSE(is_identity_map(parse_id_map("0 0 4294967295\n1 1 1\n")));
  EXPECT_EQ(parse_id_map("").size(), 0u);  // a user namespace whose map was never written
  EXPECT_THROW(parse_id_map("0 0\n"), Error);
  EXPECT_THROW(parse_id_map("0 0 1 9\n"), Error);
}

TEST(InsideParse, InitialInodesOnlyWhereTheKernelFixesThem) {
  const auto v = [](const char* s) { return KernelVersion::must_parse(s); };
  EXPECT_EQ(initial_ns_inode(NsType::User, v("5.10")), ino_t{0xEFFFFFFDU});
  EXPECT_EQ(initial_ns_inode(NsType::Cgroup, v("4.5")), std::nullopt);
  EXPECT_EQ(initial_ns_inode(NsType::Cgroup, v("4.6")), ino_t{0xEFFFFFFBU});
  EXPECT_EQ(initial_ns_inode(NsType::Time, v("5.5")), std::nullopt);
  EXPECT_EQ(initial_ns_inode(NsType::Net, v("6.17.9")), std::nullopt);
  EXPECT_EQ(initial_ns_inode(NsType::Net, v("6.18.0")), ino_t{0xEFFFFFF9U});
  EXPECT_EQ(initial_ns_inode(NsType::Mnt, v("6.18.0")), ino_t{0xEFFFFFF8U});
}

TEST(InsideParse, PathStates) {
  // Docker's: /proc/sys bound read-only, /proc/kcore a bind of /dev/null, /sys/firmware an
  // empty read-only tmpfs, /proc itself read-write.
  const auto mounts = conformance::parse_mountinfo(
      "1 0 0:1 / / rw,relatime - overlay overlay rw\n"
      "2 1 0:2 / /proc rw,nosuid - proc proc rw\n"
      "3 2 0:2 /sys /proc/sys ro,nosuid - proc proc rw\n"
      "4 2 0:3 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw\n"
      "5 1 0:4 / /sys ro,nosuid - sysfs sysfs ro\n"
      "6 5 0:5 / /sys/firmware ro,relatime - tmpfs tmpfs ro\n");
  const PathStat null_dev{.exists = true, .char_device = true, .rdev = makedev(1, 3)};
  const PathStat empty_dir{.exists = true, .directory = true, .empty_directory = true};
  const PathStat full_dir{.exists = true, .directory = true};
  const PathStat file{.exists = true};
  EXPECT_EQ(judge_path("/proc/kcore", null_dev, mounts), PathState::Masked);
  EXPECT_EQ(judge_path("/sys/firmware", empty_dir, mounts), PathState::Masked);
  EXPECT_EQ(judge_path("/proc/sys", full_dir, mounts), PathState::ReadOnly);
  EXPECT_EQ(judge_path("/proc/sys/kernel", full_dir, mounts), PathState::ReadOnly);
  EXPECT_EQ(judge_path("/sys/kernel/security", empty_dir, mounts),
            PathState::ReadOnly);  // empty, but not a mount of its own
  EXPECT_EQ(judge_path("/proc/keys", file, mounts), PathState::Visible);
  EXPECT_EQ(judge_path("/proc/sysfoo", file, mounts), PathState::Visible);  // not under /proc/sys
  EXPECT_EQ(judge_path("/proc/scsi", PathStat{}, mounts), PathState::Absent);
  EXPECT_EQ(path_state_name(PathState::ReadOnly), "read-only");
}

TEST(InsideParse, ProcCgroup) {
  const auto lines = parse_proc_cgroup("4:memory:/docker/ab12\n0::/docker/ab12\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].hierarchy, "4");
  EXPECT_EQ(lines[0].controllers, "memory");
  EXPECT_EQ(lines[1].controllers, "");
  EXPECT_EQ(lines[1].path, "/docker/ab12");
  EXPECT_THROW(parse_proc_cgroup("garbage\n"), Error);
}

std::string outcome_of(const json& verdicts, const std::string& id) {
  for (const auto& v : verdicts)
    if (v["id"] == id) return v["outcome"];
  ADD_FAILURE() << "no verdict for " << id;
  return {};
}

// Readings as observe_gaps() makes them, with the given entries replaced.
json readings(const json& changes) {
  json r = observe_gaps();
  for (const auto& [k, v] : changes.items()) r[k] = v;
  return r;
}

TEST(InsideGaps, KeyringVerdicts) {
  const json host = readings({{"kernel.gap.keyring-shared", {{"user_keyring", 100}}}});
  const auto verdict = [&](const json& mine) {
    return outcome_of(judge_gaps(readings({{"kernel.gap.keyring-shared", {{"user_keyring", mine}}}}), host, host),
                      "kernel.gap.keyring-shared");
  };
  EXPECT_EQ(verdict(100), "gap-confirmed");
  EXPECT_EQ(verdict(200), "gap-closed");
  EXPECT_EQ(verdict("EPERM"), "gap-closed");  // seccomp (Docker's profile) refuses keyctl
  EXPECT_EQ(verdict("ENOSYS"), "gap-closed");
  EXPECT_EQ(verdict("EINVAL"), "broken");        // no verdict in an unexpected errno
  EXPECT_EQ(verdict(json::object()), "broken");  // a reading of the wrong shape
  // Alone, a refusal is still a verdict; a serial needs the host's.
  EXPECT_EQ(
      outcome_of(judge_gaps(readings({{"kernel.gap.keyring-shared", {{"user_keyring", "EPERM"}}}}), nullptr, nullptr),
                 "kernel.gap.keyring-shared"),
      "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{"kernel.gap.keyring-shared", {{"user_keyring", 100}}}}), nullptr, nullptr),
                       "kernel.gap.keyring-shared"),
            "skip");
}

TEST(InsideGaps, ClockWindow) {
  const std::string id = "time.gap.realtime-shared";
  const json before = readings({{id, 1000}}), after = readings({{id, 2000}});
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, 1500}}), before, after), id), "gap-confirmed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, 5000}}), before, after), id), "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, -1}}), before, after), id), "broken");
}

TEST(InsideGaps, KernelLog) {
  const std::string id = "kernel.gap.log-readable";
  const json host = readings({{id, {{"size", "ok"}, {"read", "ok"}, {"tail", {"a", "host-last"}}}}});
  EXPECT_EQ(
      outcome_of(judge_gaps(readings({{id, {{"size", "ok"}, {"read", "ok"}, {"tail", {"host-last", "veth up"}}}}}),
                            host, host),
                 id),
      "gap-confirmed");
  EXPECT_EQ(
      outcome_of(judge_gaps(readings({{id, {{"size", "ok"}, {"read", "ok"}, {"tail", {"other"}}}}}), host, host), id),
      "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"size", "EPERM"}}}}), host, host), id), "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"size", "EIO"}}}}), host, host), id), "broken");
}

TEST(InsideGaps, SysctlsAndHostReads) {
  const std::string id = "kernel.gap.vm-sysctls-host-wide";
  const json knob_ok{{"value", "60"}, {"open_for_write", "ok"}}, knob_ro{{"value", "60"}, {"open_for_write", "EROFS"}},
      knob_own{{"value", "10"}, {"open_for_write", "ok"}};
  const json host = readings({{id, {{"vm.swappiness", knob_ok}}}});
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"vm.swappiness", knob_ok}}}}), host, host), id), "gap-confirmed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"vm.swappiness", knob_ro}}}}), host, host), id), "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"vm.swappiness", knob_own}}}}), host, host), id), "gap-closed");

  const std::string boot = "proc.gap.boot-id-shared";
  const json b = readings({{boot, "aaaa"}});
  EXPECT_EQ(outcome_of(judge_gaps(readings({{boot, "aaaa"}}), b, b), boot), "gap-confirmed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{boot, "bbbb"}}), b, b), boot), "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{boot, "bbbb"}}), b, readings({{boot, "cccc"}})), boot), "broken");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{boot, {{"error", "EACCES"}}}}), b, b), boot), "gap-closed");
}

// A kernel without module support: /proc/modules is absent on the host too, no verdict.
TEST(InsideGaps, ListingAbsentOnTheHostIsASkip) {
  const std::string id = "kernel.gap.proc-modules-host-wide";
  const json none = readings({{id, {{"error", "ENOENT"}}}});
  EXPECT_EQ(outcome_of(judge_gaps(none, none, none), id), "skip");
  // Absent inside only (a runtime hid it) while the host has one: not a skip.
  const json host = readings({{id, {{"count", 3}, {"sha256", "abc"}}}});
  EXPECT_NE(outcome_of(judge_gaps(none, host, host), id), "skip");
}

// /sys/module missing inside: closed only where /sys is no sysfs (the container got none);
// missing from a real sysfs is no verdict.
TEST(InsideGaps, SysModuleAbsentBecauseNoSysfs) {
  const std::string id = "kernel.gap.sys-module-host-wide";
  const json host = readings({{id, {{"count", 82}, {"sha256", "abc"}}}});
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"error", "ENOENT"}, {"sys_is_sysfs", false}}}}), host, host), id),
            "gap-closed");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"error", "ENOENT"}, {"sys_is_sysfs", true}}}}), host, host), id),
            "broken");
  EXPECT_EQ(outcome_of(judge_gaps(readings({{id, {{"count", 82}, {"sha256", "abc"}}}}), host, host), id),
            "gap-confirmed");
}

TEST(InsideGaps, EveryGapHasOneVerdictAndAReadingErrorIsBroken) {
  json inside = observe_gaps();
  inside["proc.gap.stat-host-wide"] = {{"observe_error", "boom"}};
  inside.erase("uts.gap.uname-release-shared");
  const json verdicts = judge_gaps(inside, observe_gaps(), observe_gaps());
  ASSERT_EQ(verdicts.size(), inside_gaps().size());
  EXPECT_EQ(outcome_of(verdicts, "proc.gap.stat-host-wide"), "broken");
  EXPECT_EQ(outcome_of(verdicts, "uts.gap.uname-release-shared"), "broken");
  for (const auto& v : verdicts)
    EXPECT_TRUE(v["evidence"].is_string() && !v["evidence"].get<std::string>().empty()) << v.dump();
}

TEST(InsideGaps, TheHostJudgedAgainstItselfConfirmsWhatItShares) {
  const json host = observe_gaps();
  const json verdicts = judge_gaps(host, host, host);
  EXPECT_EQ(outcome_of(verdicts, "proc.gap.boot-id-shared"), "gap-confirmed");
  EXPECT_EQ(outcome_of(verdicts, "uts.gap.uname-release-shared"), "gap-confirmed");
  EXPECT_EQ(outcome_of(verdicts, "kernel.gap.keyring-shared"), "gap-confirmed");
}

TEST(InsideView, OnTheHostEveryDecidableNamespaceIsInitial) {
  const json view = collect_inside_view({.token = "nsm-test"});
  EXPECT_EQ(view["kind"], "inside");
  EXPECT_EQ(view["token"], "nsm-test");
  ASSERT_EQ(view["namespaces"].size(), 8u);
  // ctest runs on the host, in its initial namespaces (CI and this machine alike).
  for (const auto& [type, ns] : view["namespaces"].items())
    if (!ns["initial"].is_null()) {
      EXPECT_TRUE(ns["initial"].get<bool>()) << type;
    }
  EXPECT_EQ(view["seccomp"]["calls"].size(), probed_calls().size());
  for (const auto& [name, call] : view["seccomp"]["calls"].items())
    if (test::is_root()) {
      EXPECT_TRUE(call["reached"].get<bool>()) << name << ": " << call.dump();  // root, no filter
    }
  EXPECT_TRUE(view["network"].is_array());
  EXPECT_EQ(view["gaps"].size(), inside_gaps().size());
}

TEST(InsideView, InNewNamespacesThoseTypesAreNotInitial) {
  if (!test::is_root()) GTEST_SKIP() << "needs root to create namespaces without a user namespace";
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  const auto result = run_in_child(options, [] { return collect_inside_view({}).dump(); });
  const json view = result.json();
  for (const char* type : {"uts", "ipc", "net"}) {
    const json& ns = view["namespaces"][type];
    if (ns["initial"].is_null()) continue;  // net before 6.18
    EXPECT_FALSE(ns["initial"].get<bool>()) << type;
  }
  for (const char* type : {"user", "pid"}) EXPECT_TRUE(view["namespaces"][type]["initial"].get<bool>()) << type;
  // A new network namespace has lo alone, and lo is down.
  ASSERT_EQ(view["network"].size(), 1u) << view["network"].dump();
  EXPECT_EQ(view["network"][0]["name"], "lo");
}

TEST(InsideCli, PrintsTheViewAndHeldEndsAtEndOfInput) {
  const auto plain = testing_support::run_command({testing_support::nsmatrix_binary(), "inside", "--token", "nsm-cli"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(json::parse(plain.out)["token"], "nsm-cli");
  // run_program's stdin is /dev/null: the held view prints its one line, then ends.
  const auto held = run_program({testing_support::nsmatrix_binary(), "inside", "--hold", "--token", "nsm-held"});
  ASSERT_TRUE(held.ok()) << held.status.describe() << held.err;
  ASSERT_EQ(std::count(held.out.begin(), held.out.end(), '\n'), 1) << "one line";
  EXPECT_EQ(json::parse(held.out)["token"], "nsm-held");
  const auto bad = testing_support::run_command({testing_support::nsmatrix_binary(), "inside", "--no-such-option"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace nsm::runtimes
