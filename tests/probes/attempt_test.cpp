// The probe believes only what it sees: an attempt that returned 0 is judged by the
// identities its child observed, and a faked one makes the verdict "faulty".
#include "probes/attempt.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/namespace_probe.h"
#include "probes/probe_report.h"
#include "probes/probe_table.h"

namespace nsm {
namespace {

Attempt ok_attempt(NsType type, NsId before, std::optional<NsId> after) {
  Attempt a;
  a.tried = a.ok = true;
  a.call = "unshare(CLONE_NEWNET)";
  a.entry = std::string(entry_changed_by_unshare(type));
  a.before = before;
  a.after = after;
  return a;
}

TEST(AttemptIdentities, SameIdentityAfterASuccessIsAKernelFault) {
  Attempt a = ok_attempt(NsType::Net, {4, 4026531840}, NsId{4, 4026531840});
  judge_identities(a, NsType::Net);
  EXPECT_TRUE(a.faulty);
  EXPECT_NE(a.fault.find("before net:[4026531840], after net:[4026531840]"), std::string::npos) << a.fault;
  EXPECT_EQ(a.to_json()["faulty"], true);
  EXPECT_EQ(a.to_json()["identities"]["before"]["ino"], 4026531840u);
}

TEST(AttemptIdentities, ANewIdentityIsNoFault) {
  Attempt a = ok_attempt(NsType::Net, {4, 4026531840}, NsId{4, 4026532999});
  judge_identities(a, NsType::Net);
  EXPECT_FALSE(a.faulty) << a.fault;
}

TEST(AttemptIdentities, AnEmptyNewPidNamespaceHasNoEntryYet) {
  Attempt a = ok_attempt(NsType::Pid, {4, 4026531836}, std::nullopt);
  judge_identities(a, NsType::Pid);
  EXPECT_FALSE(a.faulty) << a.fault;
  Attempt b = ok_attempt(NsType::Net, {4, 4026531840}, std::nullopt);
  judge_identities(b, NsType::Net);
  EXPECT_TRUE(b.faulty) << "only pid may lose its entry";
}

TEST(AttemptIdentities, ASuccessNothingCanProveIsNoSupport) {
  Attempt a = ok_attempt(NsType::Time, {}, std::nullopt);
  a.before.reset();
  a.unproven = true;
  judge_identities(a, NsType::Time);
  EXPECT_TRUE(a.faulty);
  EXPECT_NE(a.fault.find("no /proc/thread-self/ns/time_for_children"), std::string::npos) << a.fault;
}

TEST(AttemptIdentities, ASetnsThatDoesNotMoveIsAKernelFault) {
  Attempt a = ok_attempt(NsType::Uts, {4, 4026531838}, NsId{4, 4026532500});
  a.setns_call = "setns(<held>, CLONE_NEWUTS)";
  a.setns_after = NsId{4, 4026532500};
  judge_identities(a, NsType::Uts);
  EXPECT_TRUE(a.faulty);
  EXPECT_NE(a.fault.find("uts:[4026532500] instead of moving to uts:[4026531838]"), std::string::npos) << a.fault;
  a.setns_after = NsId{4, 4026531838};
  judge_identities(a, NsType::Uts);
  EXPECT_FALSE(a.faulty) << a.fault;
}

TEST(AttemptIdentities, AUserSetnsMustReachItsTarget) {
  Attempt a = ok_attempt(NsType::User, {4, 4026531837}, NsId{4, 4026532600});
  a.setns_call = "setns(<held by a helper>, CLONE_NEWUSER)";
  a.setns_target = NsId{4, 4026532601};
  a.setns_after = NsId{4, 4026532600};  // stayed in the unshared one
  judge_identities(a, NsType::User);
  EXPECT_TRUE(a.faulty);
  a.setns_after = a.setns_target;
  judge_identities(a, NsType::User);
  EXPECT_FALSE(a.faulty) << a.fault;
}

TEST(AttemptIdentities, TheRunningKernelGivesNewIdentitiesAsRoot) {
  // This kernel does its job: every ok attempt has seen a new namespace.
  for (const auto& info : ns_types()) {
    const Attempt a = attempt_namespace(info.type);
    if (!a.ok) continue;
    SCOPED_TRACE(std::string(info.name));
    EXPECT_FALSE(a.faulty) << a.fault;
    ASSERT_TRUE(a.before);
    if (info.type != NsType::Pid) {
      ASSERT_TRUE(a.after);
      EXPECT_NE(*a.after, *a.before);
    }
    ASSERT_TRUE(a.setns_after) << a.setns_call;
    if (info.type == NsType::User) {
      // A helper joined the attempt's new user namespace: not the one before.
      ASSERT_TRUE(a.setns_target);
      EXPECT_EQ(*a.setns_after, *a.setns_target);
      EXPECT_NE(*a.setns_after, *a.before);
    } else {
      EXPECT_EQ(*a.setns_after, *a.before);
    }
  }
}

TEST(ProbeTable, AFaultyTypeShowsItsWordAndEvidence) {
  ProbeReport r;
  r.mode = "running";
  r.kernel = {{"release", "6.18"}, {"machine", "x86_64"}};
  r.config = {{"found", false}};
  r.process = {{"euid", 0}, {"initial_namespaces", nlohmann::json::object()}};
  NamespaceProbe p;
  p.type = NsType::Net;
  p.verdict = Verdict::Faulty;
  p.reason = "kernel fault: unshare(CLONE_NEWNET) returned 0, but ... (before net:[1], after net:[1])";
  p.proc_ns_present = true;
  p.attempt = ok_attempt(NsType::Net, {4, 1}, NsId{4, 1});
  judge_identities(*p.attempt, NsType::Net);
  r.namespaces.push_back(p);
  const std::string table = render_probe_table(r, false);
  EXPECT_NE(table.find("\u26A1 faulty"), std::string::npos) << table;
  EXPECT_NE(table.find("ok, faked"), std::string::npos) << table;
  EXPECT_NE(table.find("before net:[1], after net:[1]"), std::string::npos) << table;
}

// A type whose call "succeeds" with no nsfs entry to compare: the kernel built without
// CONFIG_CGROUPS ignores CLONE_NEWCGROUP (seen in the no-cgroup-ns variant), which is the
// type's absence only when the config and /proc/self/ns agree; anything else is a fault.
NamespaceProbe unproven_success(NsType type, const std::string& kconfig_value, bool proc_ns_present) {
  NamespaceProbe p;
  p.type = type;
  const NsTypeInfo& info = ns_info(type);
  p.kconfig = {std::string(info.kconfig), kconfig_value,
               kconfig_value == "n" ? fmt::format("# {} is not set", info.kconfig) : fmt::format("{}=y", info.kconfig),
               "/proc/config.gz"};
  p.proc_ns_present = proc_ns_present;
  Attempt a;
  a.tried = a.ok = a.unproven = true;
  a.call = fmt::format("unshare({})", info.clone_flag_name);
  a.entry = std::string(entry_changed_by_unshare(type));
  judge_identities(a, type);
  p.attempt = a;
  p.rootless = a;
  return p;
}

TEST(NamespaceVerdict, AKernelWithoutCgroupsIgnoringTheFlagHasNoCgroupNamespaces) {
  NamespaceProbe p = unproven_success(NsType::Cgroup, "n", false);
  judge_namespace(p, true);
  EXPECT_EQ(p.verdict, Verdict::Unsupported);
  EXPECT_EQ(p.believed, "kconfig");
  for (const char* word : {"CONFIG_CGROUPS is not set (/proc/config.gz)", "/proc/self/ns/cgroup is missing",
                           "unshare(CLONE_NEWCGROUP) returned 0 and made no namespace"})
    EXPECT_NE(p.reason.find(word), std::string::npos) << word << " in: " << p.reason;
}

TEST(NamespaceVerdict, AnIgnoredFlagIsAFaultWhenTheConfigOrProcSaysTheTypeExists) {
  NamespaceProbe on = unproven_success(NsType::Cgroup, "y", false);
  judge_namespace(on, true);
  EXPECT_EQ(on.verdict, Verdict::Faulty) << on.reason;
  NamespaceProbe entry = unproven_success(NsType::Cgroup, "n", true);
  judge_namespace(entry, true);
  EXPECT_EQ(entry.verdict, Verdict::Faulty) << entry.reason;
}

TEST(NamespaceVerdict, OnlyCgroupMayIgnoreItsFlag) {
  // Every other type's flag is EINVAL on a kernel without it: a 0 is a lie.
  NamespaceProbe p = unproven_success(NsType::Uts, "n", false);
  judge_namespace(p, true);
  EXPECT_EQ(p.verdict, Verdict::Faulty) << p.reason;
}

}  // namespace
}  // namespace nsm
