// PID namespaces (pid_namespaces(7)): numbering, /proc, init's special role, nesting, pidfds.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "conformance/harness/pids.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kPid = NsType::Pid;

void noop_handler(int) {}

// PROC_PID_INIT_INO: the initial PID namespace's nsfs inode, fixed since 3.8.
constexpr ino_t kInitialPidNsInode = 0xEFFFFFFCU;
// Past the 32-level limit with room to spare: the nesting check stops here, refused or not.
constexpr int kNestingBound = 40;

}  // namespace

NSM_CHECK(PidNamespace, FirstChildIsPid1WithParent0,
          {.id = "pid.init.first-is-pid1",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "the first process in a new PID namespace is PID 1 and its parent is 0",
           .needs = {.namespaces = {kPid}}}) {
  const json inside = in_child(container(CLONE_NEWPID), [] {
    return json{{"pid", ::getpid()}, {"ppid", ::getppid()}};
  });
  EXPECT_EQ(inside["pid"], 1);
  EXPECT_EQ(inside["ppid"], 0) << "the parent is outside the namespace and has no pid in it";
}

NSM_CHECK(PidNamespace, FreshProcShowsOnlyNamespaceProcesses,
          {.id = "pid.proc.fresh-shows-own",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "a procfs mounted inside a PID namespace lists only that namespace's processes",
           .needs = {.namespaces = {kPid, NsType::Mnt}}}) {
  const json inside = in_child(container(CLONE_NEWPID | CLONE_NEWNS), [] {
    set_propagation("/", MS_PRIVATE, true);
    remount_proc();
    std::vector<std::string> pids;
    for (const auto& name : list_directory("/proc"))
      if (std::all_of(name.begin(), name.end(), ::isdigit)) pids.push_back(name);
    char self[32] = {};
    if (::readlink("/proc/self", self, sizeof self - 1) < 0) throw_sys("readlink(/proc/self)");
    return json{{"pids", pids}, {"self", self}};
  });
  EXPECT_EQ(inside["pids"], json::array({"1"}));
  EXPECT_EQ(inside["self"], "1");
}

NSM_CHECK(PidNamespace, NSpidShowsThePidOnEachLevel,
          {.id = "pid.numbering.nspid",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "a process has another pid outside its PID namespace; NSpid lists both",
           .needs = {.namespaces = {kPid}, .min_kernel = "4.1"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    link.send({{"pid", ::getpid()}});
    link.recv();
  });
  const json inside = child.recv();
  const std::vector<long> levels = nspid(std::to_string(child.pid()));
  const std::vector<long> ours = nspid("self");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["pid"], 1);
  ASSERT_EQ(levels.size(), ours.size() + 1) << "one more level than the test process";
  EXPECT_EQ(levels.front(), child.pid()) << "outside, the process has the pid its parent knows";
  EXPECT_EQ(levels.back(), 1) << "inside, it is 1";
}

NSM_CHECK(PidNamespace, InitDeathKillsTheRest,
          {.id = "pid.init.death-kills-namespace",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "when PID 1 of a namespace dies, the kernel kills every other process in it",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    const pid_t worker = ::fork();
    if (worker < 0) throw_sys("fork");
    if (worker == 0) {
      // Not our child's helper: a plain process that would live forever, in a process
      // group of its own, so that only the kernel can end it (the harness kills init's
      // group when it reaps init). Its pid outside comes from the host's procfs, which
      // this namespace still sees.
      ::setpgid(0, 0);
      link.send({{"worker", nspid("self").front()}});
      for (;;) ::pause();
    }
    link.recv();
    ::_exit(0);  // init dies; the worker must die with the namespace
  });
  const json hello = init.recv();
  UniqueFd worker(pidfd_open(static_cast<pid_t>(hello["worker"].get<long>())));
  if (!worker) broken(fmt::format("pidfd_open(worker): {}", errno_name(errno)));
  const std::string worker_group = trim(must_read_file(fmt::format("/proc/{}/stat", hello["worker"].get<long>())));
  init.send("die");
  // Observed before anything reaps init or kills its group: init's end, then the worker's.
  const bool init_ended = init.child().pidfd() >= 0 && ended(init.child().pidfd());
  const bool worker_ended = init_ended && ended(worker.get());
  if (!worker_ended) pidfd_send_signal(worker.get(), SIGKILL);  // leave nothing behind
  const ChildStatus status = init.wait();
  ASSERT_TRUE(init_ended) << "init did not end when told: " << status.describe();
  EXPECT_TRUE(worker_ended) << "the worker outlived its namespace's init";
}

NSM_CHECK(PidNamespace, OrphansAreReparentedToNamespaceInit,
          {.id = "pid.init.reaps-orphans",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "an orphan inside a PID namespace is reparented to the namespace's PID 1",
           .needs = {.namespaces = {kPid}}}) {
  const json result = in_child(container(CLONE_NEWPID), [] {
    auto [from_orphan, to_init] = make_pipe();
    const pid_t middle = ::fork();
    if (middle < 0) throw_sys("fork");
    if (middle == 0) {
      const pid_t orphan = ::fork();
      if (orphan == 0) {
        // Learn of the middle process's death from the kernel (PR_SET_PDEATHSIG), not by
        // polling getppid().
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        ::sigprocmask(SIG_BLOCK, &set, nullptr);
        ::prctl(PR_SET_PDEATHSIG, SIGUSR1);
        const pid_t first_parent = ::getppid();
        if (first_parent != 1) {
          const struct timespec limit { 8, 0 };
          ::sigtimedwait(&set, nullptr, &limit);
        }
        const int ppid = ::getppid();
        ssize_t ignored = ::write(to_init.get(), &ppid, sizeof ppid);
        (void)ignored;
        ::_exit(0);
      }
      ::_exit(orphan > 0 ? 0 : 1);  // orphan the grandchild
    }
    to_init.reset();
    int status;
    ::waitpid(middle, &status, 0);
    int ppid = -1;
    if (::read(from_orphan.get(), &ppid, sizeof ppid) != sizeof ppid) throw_sys("read(orphan's answer)");
    // As the namespace's init, reap the orphan too.
    const pid_t reaped = ::wait(&status);
    return json{{"orphan_ppid", ppid}, {"init_reaped", reaped > 0}};
  });
  EXPECT_EQ(result["orphan_ppid"], 1) << "the orphan's new parent must be the namespace's init";
  EXPECT_EQ(result["init_reaped"], true) << "and init must be able to reap it";
}

namespace {
// In a new PID namespace's init: a forked sender sends SIGTERM, SIGINT and SIGKILL to PID 1.
json signal_own_init() {
  // Verify before act: kill(1, ...) must reach this process, not the host's init (SIGINT
  // to systemd reboots the machine). Spawn proved the namespace new; PID 1 proves we are
  // its init.
  if (::getpid() != 1) return json{{"pid", ::getpid()}};
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, SIG_DFL);
  const pid_t sender = ::fork();
  if (sender < 0) throw_sys("fork");
  if (sender == 0) {
    int failures = 0;
    for (int sig : {SIGTERM, SIGINT, SIGKILL})
      if (::kill(1, sig) != 0) ++failures;
    ::_exit(failures);
  }
  int status = 0;
  ::waitpid(sender, &status, 0);
  // A fatal signal would have killed init on its way back from waitpid: reaching this
  // line is the proof.
  return json{{"pid", 1}, {"alive", true}, {"kill_failures", WIFEXITED(status) ? WEXITSTATUS(status) : -1}};
}
}  // namespace

NSM_CHECK(PidNamespace, InitIgnoresUnhandledSignalsFromInside,
          {.id = "pid.init.ignores-signals-inside",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "PID 1 ignores SIGTERM, SIGINT and even SIGKILL sent from inside when it has no handler",
           .needs = {.namespaces = {kPid}}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) { link.send(signal_own_init()); });
  // A kernel that lets a signal from inside kill init ends the conversation: a fail.
  const std::optional<json> answer = init.recv_unless_ended();
  if (!answer) {
    const ChildStatus died = init.wait();
    throw_if_kernel_fault(died);
    if (died.end != ChildStatus::End::Signaled) broken("init ended without answering: " + died.describe());
    FAIL() << "init of the namespace was " << died.describe() << " by a signal sent from inside";
  }
  init.finish();
  const json& result = *answer;
  ASSERT_EQ(result["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1: no signal was sent";
  EXPECT_EQ(result["alive"], true);
  EXPECT_EQ(result["kill_failures"], 0) << "kill(1, ...) itself succeeds; the kernel drops the signal";
}

NSM_CHECK(PidNamespace, InitTakesOnlySigkillFromOutside,
          {.id = "pid.init.sigkill-from-outside",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "from the parent namespace, PID 1 ignores an unhandled SIGTERM but dies of SIGKILL",
           .needs = {.namespaces = {kPid}}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    ::signal(SIGTERM, SIG_DFL);
    link.send({});
    link.recv();  // after SIGTERM came from outside
    link.send({{"alive", true}});
    link.recv();  // SIGKILL ends this wait
  });
  init.recv();
  ASSERT_EQ(::kill(init.pid(), SIGTERM), 0);
  init.send("still there?");
  // A kernel that lets SIGTERM kill init ends the conversation: a fail, with how it ended.
  const std::optional<json> answer = init.recv_unless_ended();
  if (!answer) {
    const ChildStatus died = init.wait();
    throw_if_kernel_fault(died);
    if (died.end != ChildStatus::End::Signaled) broken("init ended without answering: " + died.describe());
    FAIL() << "SIGTERM without a handler must be dropped, but init was " << died.describe();
  }
  ASSERT_EQ(::kill(init.pid(), SIGKILL), 0);
  const ChildStatus status = init.wait();
  EXPECT_EQ((*answer)["alive"], true) << "SIGTERM without a handler must be dropped";
  EXPECT_EQ(status.end, ChildStatus::End::Signaled) << status.describe();
  EXPECT_EQ(status.signal, SIGKILL) << status.describe();
}

NSM_CHECK(PidNamespace, NestingStopsAt32Levels,
          {.id = "pid.nesting.limit-32",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "PID namespaces nest 32 levels deep; one more fails with ENOSPC",
           .needs = {.namespaces = {kPid}, .min_kernel = "3.7"}}) {
  const std::vector<long> ours = nspid("self");
  // NSpid counts levels from the procfs's PID namespace. The count is the absolute level
  // when the suite is in the initial PID namespace itself (its fixed inode), or when the
  // procfs's PID 1 is (where PID 1 may be looked at); in a container with its own /proc it
  // is not.
  char link[64] = {};
  const bool absolute = ns_inode(0, "pid") == kInitialPidNsInode ||
                        (::readlink("/proc/1/ns/pid", link, sizeof link - 1) > 0 &&
                         std::string_view(link) == fmt::format("pid:[{}]", kInitialPidNsInode));
  const int start_level = static_cast<int>(ours.size()) - 1;
  Peer nest = Peer::spawn(container(0), [](Link& link) {
    int depth = 0;
    // Bounded: a kernel that never refuses gets found out, not followed forever.
    for (;;) {
      if (depth > kNestingBound) {
        link.send({{"created", depth}, {"error", "none"}});
        ::_exit(0);
      }
      // raw-ok: each level proves itself below (getpid() == 1) before it goes deeper.
      const long pid = ::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (pid < 0) {
        link.send({{"created", depth}, {"error", errno_name(errno)}});
        ::_exit(0);
      }
      if (pid > 0) {
        int status = 0;
        ::waitpid(static_cast<pid_t>(pid), &status, 0);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
      }
      // The child: PID 1 of a namespace one level deeper - or the kernel said yes and did not.
      if (::getpid() != 1) {
        link.send({{"created", depth}, {"error", "none"}, {"not_pid1", ::getpid()}});
        ::_exit(0);
      }
      ++depth;
    }
  });
  const json deepest = nest.recv();
  nest.finish();
  ASSERT_FALSE(deepest.contains("not_pid1")) << "clone(CLONE_NEWPID) at depth " << deepest["created"]
                                             << " succeeded, but its child is pid " << deepest["not_pid1"] << ", not 1";
  // ENOSPC since 4.9 (the pid namespace ucount); EINVAL before: either is the refusal, the
  // depth is the guarantee.
  EXPECT_TRUE(deepest["error"] == "ENOSPC" || deepest["error"] == "EINVAL") << "the refusal: " << deepest["error"];
  if (absolute) {
    EXPECT_EQ(deepest["created"], 32 - start_level) << "the test runs at PID namespace level " << start_level;
  } else {
    const int created = deepest["created"].get<int>();
    EXPECT_GE(created, 1);
    EXPECT_LE(created, 32 - start_level) << "the test runs at least at PID namespace level " << start_level;
    note(fmt::format(
        "{} levels created; this /proc is not the initial PID namespace's, so the starting level is unknown", created));
  }
}

NSM_CHECK(PidNamespace, PidfdFromOutsideSignalsInside,
          {.id = "pid.pidfd.signal-inward",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "a pidfd held outside signals a process inside; the sender shows as pid 0 there",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    ::signal(SIGUSR1, noop_handler);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    link.send({});
    siginfo_t info{};
    const struct timespec limit { 8, 0 };
    const int sig = ::sigtimedwait(&set, &info, &limit);
    link.send({{"signal", sig}, {"sender", info.si_pid}});
  });
  if (child.child().pidfd() < 0) skip_check("this kernel gave no pidfd (CLONE_PIDFD needs 5.2, pidfd_open 5.3)");
  child.recv();
  const int sent = pidfd_send_signal(child.child().pidfd(), SIGUSR1);
  const int err = errno;
  const json got = child.recv();
  child.finish();
  ASSERT_EQ(sent, 0) << "pidfd_send_signal: " << errno_name(err);
  EXPECT_EQ(got["signal"], SIGUSR1);
  EXPECT_EQ(got["sender"], 0) << "the sender lives outside the namespace and has no pid in it";
}

NSM_CHECK(PidNamespace, PidfdFromInsideWorksOutside,
          {.id = "pid.pidfd.pass-outward",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "a pidfd opened inside a PID namespace and passed out names the same process outside",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    auto [from_worker, to_init] = make_pipe();
    const pid_t worker = ::fork();
    if (worker < 0) throw_sys("fork");
    if (worker == 0) {
      // Its pid outside, from the host's procfs (which this namespace still sees).
      const long outer = nspid("self").front();
      ssize_t ignored = ::write(to_init.get(), &outer, sizeof outer);
      (void)ignored;
      for (;;) ::pause();
    }
    to_init.reset();
    long outer = 0;
    if (::read(from_worker.get(), &outer, sizeof outer) != sizeof outer) throw_sys("read(the worker's outer pid)");
    UniqueFd fd(pidfd_open(worker));
    if (!fd) throw_sys("pidfd_open(worker)");
    const int fds[] = {fd.get()};
    link.send({{"inner_pid", worker}, {"outer_pid", outer}}, fds);
    link.recv();
    int status = 0;
    ::waitpid(worker, &status, 0);
    link.send({{"killed_by", WIFSIGNALED(status) ? WTERMSIG(status) : 0}});
  });
  std::vector<UniqueFd> fds;
  const json hello = init.recv(fds);
  ASSERT_EQ(fds.size(), 1u) << "the pidfd did not arrive";
  // fdinfo shows the pid in the reader's namespace: ours, not the inner one.
  const std::string fdinfo = must_read_file(fmt::format("/proc/self/fdinfo/{}", fds[0].get()));
  const int sent = pidfd_send_signal(fds[0].get(), SIGKILL);
  const bool worker_ended = ended(fds[0].get());
  init.send("reap");
  const json reaped = init.recv();
  init.finish();
  EXPECT_EQ(sent, 0) << "pidfd_send_signal from outside through the passed pidfd";
  EXPECT_TRUE(worker_ended);
  EXPECT_EQ(reaped["killed_by"], SIGKILL);
  EXPECT_NE(fdinfo.find(fmt::format("\nPid:\t{}\n", hello["outer_pid"].get<long>())), std::string::npos)
      << "outside, the pidfd must show the worker's pid here, " << hello["outer_pid"] << ": " << fdinfo;
  EXPECT_EQ(fdinfo.find(fmt::format("\nPid:\t{}\n", hello["inner_pid"].get<int>())), std::string::npos)
      << "and not the inner pid: " << fdinfo;
}

NSM_CHECK(PidNamespace, InsideCannotReachOutsidePids,
          {.id = "pid.visibility.outside-unreachable",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "inside a PID namespace, the parent's pid names no process: kill and pidfd_open give ESRCH",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"}}) {
  const pid_t outside = ::getpid();
  if (outside == 1) skip_check("the suite itself runs as PID 1, a number that exists in every namespace");
  const json inside = in_child(container(CLONE_NEWPID), [outside] {
    const int k = ::kill(outside, 0);
    const std::string kill_result = outcome_of(k);
    const int fd = pidfd_open(outside);
    const std::string open_result = outcome_of(fd);
    if (fd >= 0) ::close(fd);
    return json{{"kill", kill_result}, {"pidfd_open", open_result}};
  });
  EXPECT_EQ(inside["kill"], "ESRCH");
  EXPECT_EQ(inside["pidfd_open"], "ESRCH");
}

NSM_CHECK(PidNamespace, ForkIntoNamespaceWithDeadInitFails,
          {.id = "pid.init.dead-namespace-refuses-fork",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "once PID 1 of a namespace is gone, a process entering it with setns cannot fork (ENOMEM)",
           .needs = {.namespaces = {kPid}, .root = true}}) {
  Peer init = Peer::spawn(CLONE_NEWPID, [](Link& link) {
    link.send({});
    link.recv();
  });
  init.recv();
  UniqueFd held = open_ns(init.pid(), "pid");
  init.send("exit");
  init.finish();
  const int held_fd = held.get();
  const json result = in_child(0, [held_fd] {
    setns_verified(held_fd, NsType::Pid);
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    const std::string outcome = outcome_of(pid);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
    return json{{"fork", outcome}};
  });
  EXPECT_EQ(result["fork"], "ENOMEM");
}
