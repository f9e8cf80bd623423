#include "core/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "tests/support/privilege.h"

namespace nsm {
namespace {

using namespace std::chrono_literals;

using nsm::test::is_root;

TEST(Spawn, ReturnsThePayload) {
  auto r = run_in_child({}, [] { return std::string("hello from ") + std::to_string(::getpid()); });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.payload->rfind("hello from ", 0), 0u);
  EXPECT_NE(*r.payload, "hello from " + std::to_string(::getpid()));  // another process
}

TEST(Spawn, CarriesLargePayloadsWhole) {
  auto r = run_in_child({}, [] { return std::string(1 << 20, 'x'); });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.payload->size(), 1u << 20);
}

TEST(Spawn, ReportsExitStatus) {
  Child c = Child::spawn({}, [](Channel&) { return 7; });
  auto s = c.wait();
  EXPECT_EQ(s.end, ChildStatus::End::Exited);
  EXPECT_EQ(s.exit_code, 7);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.describe(), "exited with status 7");
}

TEST(Spawn, ReportsACrashAsASignal) {
  auto r = run_in_child({}, []() -> std::string {
    std::signal(SIGSEGV, SIG_DFL);
    ::raise(SIGSEGV);
    return "unreachable";
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status.end, ChildStatus::End::Signaled);
  EXPECT_EQ(r.status.signal, SIGSEGV);
  EXPECT_NE(r.status.describe().find("SIGSEGV"), std::string::npos) << r.status.describe();
  EXPECT_FALSE(r.payload);
}

TEST(Spawn, ReportsWhatTheBodyThrew) {
  auto r = run_in_child({}, []() -> std::string { throw SysError("unshare(CLONE_NEWUSER)", EPERM, "a test"); });
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(r.status.error);
  EXPECT_NE(r.status.error->find("unshare(CLONE_NEWUSER): EPERM"), std::string::npos);
  EXPECT_EQ(r.status.exit_code, kChildThrewExit);
  EXPECT_THROW(r.json(), Error);
}

// A hung child and the grandchild it forked are both killed at the timeout: the whole
// process group goes. The test process is a subreaper so that it can see the grandchild end.
TEST(Spawn, TimeoutKillsTheWholeProcessGroup) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  SpawnOptions options;
  options.timeout = 300ms;
  Child child = Child::spawn(options, [](Channel& channel) {
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      for (;;) ::pause();
    }
    channel.send(std::to_string(grandchild));
    for (;;) ::pause();
    return 0;
  });
  const pid_t grandchild = std::stoi(child.channel().expect(5s, "the grandchild's pid").data);
  const auto status = child.wait();
  EXPECT_EQ(status.end, ChildStatus::End::TimedOut);
  EXPECT_NE(status.describe().find("timed out"), std::string::npos);
  EXPECT_GE(status.elapsed, 300ms);

  int wstatus = 0;
  ASSERT_EQ(::waitpid(grandchild, &wstatus, 0), grandchild) << "the grandchild was reparented to us and ended";
  EXPECT_TRUE(WIFSIGNALED(wstatus));
  EXPECT_EQ(WTERMSIG(wstatus), SIGKILL);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(Spawn, DestructorKillsAndReapsARunningChild) {
  pid_t pid;
  {
    Child c = Child::spawn({}, [](Channel&) {
      for (;;) ::pause();
      return 0;
    });
    pid = c.pid();
    ASSERT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "reaped, so gone";
  EXPECT_EQ(errno, ESRCH);
}

TEST(Spawn, ChildIsItsOwnProcessGroupLeader) {
  auto r = run_in_child({}, [] { return std::to_string(::getpgrp() == ::getpid()); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.payload, "1");
}

TEST(Spawn, NewNamespacesThroughClone3) {
  if (!is_root()) GTEST_SKIP() << "needs root";
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUTS | CLONE_NEWPID;
  options.method = CloneMethod::Clone3;
  Child c = Child::spawn(options, [](Channel& ch) {
    ch.send(std::to_string(::getpid()) + " " + std::to_string(*ns_inode(0, "uts")));
    return 0;
  });
  EXPECT_STREQ(c.method(), "clone3");
  EXPECT_GE(c.pidfd(), 0);
  const auto answer = c.channel().expect(5s, "pid and inode").data;
  EXPECT_TRUE(c.wait().ok());
  EXPECT_EQ(answer.substr(0, 2), "1 ") << "PID 1 of its own PID namespace";
  EXPECT_NE(answer.substr(2), std::to_string(*ns_inode(0, "uts")));
}

TEST(Spawn, CloneFallbackGivesTheSameNamespaces) {
  if (!is_root()) GTEST_SKIP() << "needs root";
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUTS | CLONE_NEWIPC;
  options.method = CloneMethod::Clone;
  Child c = Child::spawn(options, [](Channel& ch) {
    ch.send(std::to_string(*ns_inode(0, "uts")) + " " + std::to_string(*ns_inode(0, "ipc")));
    return 0;
  });
  EXPECT_STREQ(c.method(), "clone");
  const auto answer = c.channel().expect(5s, "inodes").data;
  EXPECT_TRUE(c.wait().ok());
  EXPECT_EQ(answer.find(std::to_string(*ns_inode(0, "uts"))), std::string::npos);
  EXPECT_EQ(answer.find(std::to_string(*ns_inode(0, "ipc"))), std::string::npos);
}

TEST(Spawn, CloneCannotCarryNewTimeAndSaysWhy) {
  SpawnOptions options;
  options.clone_flags = 0x80;  // CLONE_NEWTIME collides with clone(2)'s signal bits
  options.method = CloneMethod::Clone;
  try {
    Child::spawn(options, [](Channel&) { return 0; });
    FAIL() << "spawned";
  } catch (const SysError& e) {
    EXPECT_EQ(e.err(), ENOSYS);
    EXPECT_NE(std::string(e.what()).find("only by clone3"), std::string::npos);
  }
}

TEST(Spawn, RefusalIsASysErrorNamingTheFlags) {
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUSER | CLONE_FS;  // the kernel refuses this combination: EINVAL
  options.method = CloneMethod::Clone3;
  try {
    Child::spawn(options, [](Channel&) { return 0; });
    FAIL() << "spawned";
  } catch (const SysError& e) {
    EXPECT_EQ(e.err(), EINVAL);
    EXPECT_NE(std::string(e.what()).find("clone3(CLONE_NEWUSER|0x200)"), std::string::npos) << e.what();
  }
}

TEST(Spawn, IdMapIsWrittenBeforeTheBodyRuns) {
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUSER;
  options.id_map = IdMap::root_is(::geteuid(), ::getegid());
  auto r = run_in_child(options, [] {
    return nlohmann::json{{"uid", ::getuid()},
                          {"map", must_read_file("/proc/self/uid_map")},
                          {"setgroups", must_read_file("/proc/self/setgroups")}}
        .dump();
  });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  auto j = r.json();
  EXPECT_EQ(j["uid"], 0);
  EXPECT_NE(j["map"].get<std::string>().find(std::to_string(::geteuid())), std::string::npos);
  EXPECT_EQ(j["setgroups"], "deny\n");
}

TEST(Spawn, FailedIdMapIsAnErrorAndTheChildIsReaped) {
  if (is_root()) GTEST_SKIP() << "root may map any id; the refusal needs an unprivileged parent";
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUSER;
  options.id_map = IdMap::root_is(0, 0);  // an unprivileged user may not map root
  EXPECT_THROW(run_in_child(options, [] { return std::string("x"); }), SysError);
}

TEST(IdMap, FormatsLinesTheKernelReads) {
  EXPECT_EQ(IdMap::format({{0, 1000, 1}, {1, 100000, 65536}}), "0 1000 1\n1 100000 65536\n");
}

TEST(IdMap, RootlessChildCanMapItself) {
  if (!is_root()) GTEST_SKIP() << "needs root to become another user";
  auto r = run_in_child({}, [] {
    become_unprivileged(65534, 65534);
    enter_own_user_namespace();
    return nlohmann::json{{"uid", ::getuid()}, {"map", must_read_file("/proc/self/uid_map")}}.dump();
  });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.json()["uid"], 0);
  EXPECT_NE(r.json()["map"].get<std::string>().find("65534"), std::string::npos);
}

TEST(Spawn, HaveClone3OnThisKernel) { EXPECT_TRUE(have_clone3()); }

}  // namespace
}  // namespace nsm
