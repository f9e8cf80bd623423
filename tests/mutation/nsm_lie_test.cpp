// The injector's contract (nsm_lie.cpp's header), proven call by call: under the lie of type
// T, unshare, clone, clone3 and setns "succeed" and the caller (or its child) is still in
// its own namespace of type T; without the lie, and for every other type, they really move.
// Under --absent (a kernel built without T), each of them fails with EINVAL instead.
#include <sched.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/ns_types.h"
#include "core/spawn.h"
#include "tests/support/command.h"

namespace nsm {
namespace {

using testing_support::run_command;

std::string run(const std::vector<std::string>& argv) {
  const auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << argv[0] << " " << argv[1] << ": " << r.err;
  return r.out;
}

std::vector<std::string> lied(NsType lie, std::vector<std::string> probe) {
  std::vector<std::string> argv{NSM_LIE, "--type", std::string(ns_name(lie)), "--"};
  argv.push_back(NSM_LIE_PROBE);
  argv.insert(argv.end(), probe.begin(), probe.end());
  return argv;
}
std::vector<std::string> absent(NsType type, std::vector<std::string> probe) {
  std::vector<std::string> argv{NSM_LIE, "--absent", "--type", std::string(ns_name(type)), "--"};
  argv.push_back(NSM_LIE_PROBE);
  argv.insert(argv.end(), probe.begin(), probe.end());
  return argv;
}
std::vector<std::string> plain(std::vector<std::string> probe) {
  probe.insert(probe.begin(), NSM_LIE_PROBE);
  return probe;
}

// A child in a new namespace of `type`, alive until the end of the test: setns's target.
Child hold(NsType type) {
  SpawnOptions o;
  o.clone_flags = ns_info(type).clone_flag;
  o.timeout = std::chrono::seconds(30);
  return Child::spawn(o, [](Channel& c) {
    (void)c.recv(std::chrono::seconds(30));
    return 0;
  });
}

class Lie : public ::testing::TestWithParam<NsType> {};

TEST_P(Lie, CreationAndJoiningOfItsTypeAreSilentNoOps) {
  const NsType t = GetParam();
  const std::string name(ns_name(t));
  Child held = hold(t);
  const std::string path = "/proc/" + std::to_string(held.pid()) + "/ns/" + std::string(ns_info(t).proc_name);
  const std::string pid = std::to_string(held.pid());
  // clone(2) cannot create a time namespace (CLONE_NEWTIME is an exit-signal bit there).
  std::vector<const char*> ops{"unshare", "clone3"};
  if (t != NsType::Time) ops.push_back("clone");
  // The probe can tell: without the lie every call moves.
  for (const char* op : ops) EXPECT_EQ(run(plain({op, name})), "new\n") << op;
  EXPECT_EQ(run(plain({"setns", name, path})), "new\n");
  // Under the lie, every call succeeds and nothing moves.
  for (const char* op : ops) EXPECT_EQ(run(lied(t, {op, name})), "same\n") << op;
  EXPECT_EQ(run(lied(t, {"setns", name, path})), "same\n");
  EXPECT_EQ(run(lied(t, {"setns0", name, path})), "same\n");
  EXPECT_EQ(run(lied(t, {"setns-pidfd", name, pid})), "same\n");
  held.channel().send("done");
  (void)held.wait();
}

TEST_P(Lie, OtherTypesAreUntouched) {
  const NsType t = GetParam();
  const NsType other = t == NsType::Uts ? NsType::Ipc : NsType::Uts;
  const std::string other_name(ns_name(other));
  Child held = hold(other);
  const std::string path = "/proc/" + std::to_string(held.pid()) + "/ns/" + std::string(ns_info(other).proc_name);
  for (const char* op : {"unshare", "clone", "clone3"}) EXPECT_EQ(run(lied(t, {op, other_name})), "new\n") << op;
  EXPECT_EQ(run(lied(t, {"setns", other_name, path})), "new\n");
  held.channel().send("done");
  (void)held.wait();
}

TEST_P(Lie, APidfdLosesOnlyTheLiedBit) {
  const NsType t = GetParam();
  if (t == NsType::User)
    GTEST_SKIP() << "joining a user namespace with others through a pidfd needs the others owned by it";
  const NsType other = t == NsType::Uts ? NsType::Ipc : NsType::Uts;
  SpawnOptions o;
  o.clone_flags = ns_info(t).clone_flag | ns_info(other).clone_flag;
  o.timeout = std::chrono::seconds(30);
  Child held = Child::spawn(o, [](Channel& c) {
    (void)c.recv(std::chrono::seconds(30));
    return 0;
  });
  const std::string pid = std::to_string(held.pid());
  EXPECT_EQ(run(plain({"setns-pidfd", std::string(ns_name(t)), pid, std::string(ns_name(other))})), "new\nnew\n");
  EXPECT_EQ(run(lied(t, {"setns-pidfd", std::string(ns_name(t)), pid, std::string(ns_name(other))})), "same\nnew\n");
  held.channel().send("done");
  (void)held.wait();
}

// Every type a kernel can be built without (mnt cannot).
class Absent : public ::testing::TestWithParam<NsType> {};

TEST_P(Absent, ItsTypeIsRefusedWithEinvalAndOthersMove) {
  const NsType t = GetParam();
  const std::string name(ns_name(t));
  const NsType other = t == NsType::Uts ? NsType::Ipc : NsType::Uts;
  const std::string other_name(ns_name(other));
  Child held = hold(t);
  Child held_other = hold(other);
  const std::string path = "/proc/" + std::to_string(held.pid()) + "/ns/" + std::string(ns_info(t).proc_name);
  const std::string other_path =
      "/proc/" + std::to_string(held_other.pid()) + "/ns/" + std::string(ns_info(other).proc_name);
  const std::string einval = "error Invalid argument\n";
  std::vector<const char*> ops{"unshare", "clone3"};
  if (t != NsType::Time) ops.push_back("clone");
  for (const char* op : ops) EXPECT_EQ(run(absent(t, {op, name})), einval) << op;
  EXPECT_EQ(run(absent(t, {"setns", name, path})), einval);
  EXPECT_EQ(run(absent(t, {"setns0", name, path})), einval);
  EXPECT_EQ(run(absent(t, {"setns-pidfd", name, std::to_string(held.pid())})), einval);
  for (const char* op : {"unshare", "clone", "clone3"}) EXPECT_EQ(run(absent(t, {op, other_name})), "new\n") << op;
  EXPECT_EQ(run(absent(t, {"setns", other_name, other_path})), "new\n");
  held.channel().send("done");
  held_other.channel().send("done");
  (void)held.wait();
  (void)held_other.wait();
}

INSTANTIATE_TEST_SUITE_P(EveryTypeButMnt, Absent,
                         ::testing::Values(NsType::Cgroup, NsType::Ipc, NsType::Net, NsType::Pid, NsType::Time,
                                           NsType::User, NsType::Uts),
                         [](const auto& info) { return std::string(ns_name(info.param)); });

TEST(LieExit, TheCommandsStatusPassesThrough) {
  EXPECT_EQ(run_command({NSM_LIE, "--type", "net", "--", "/bin/sh", "-c", "exit 7"}).exit_code, 7);
  EXPECT_EQ(run_command({NSM_LIE, "--type", "net", "--", "/bin/sh", "-c", "kill -TERM $$"}).exit_code, 128 + 15);
  EXPECT_EQ(run_command({NSM_LIE, "--type", "nosuch", "--", "/bin/true"}).exit_code, 125);
  EXPECT_EQ(run_command({NSM_LIE, "--absent", "--type", "mnt", "--", "/bin/true"}).exit_code, 125);
}

INSTANTIATE_TEST_SUITE_P(EveryType, Lie,
                         ::testing::Values(NsType::Cgroup, NsType::Ipc, NsType::Net, NsType::Mnt, NsType::Pid,
                                           NsType::Time, NsType::User, NsType::Uts),
                         [](const auto& info) { return std::string(ns_name(info.param)); });

}  // namespace
}  // namespace nsm
