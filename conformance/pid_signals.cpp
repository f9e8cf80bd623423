// PID namespace teardown and signal scope (LTP pidns05, 12, 13, 16, 17, 20, 30, 31): which
// processes a signal from inside can reach, what the receiver learns of the sender (si_pid in
// the receiver's own namespace, 0 for a sender it cannot name), whom the death of a
// namespace's init takes along, and which pid numbers a namespace's root may choose
// (ns_last_pid, clone3 set_tid).
//
// No waits on time: a signal is made pending by the sender's kill(2) (mq_send, write) before
// it returns, so every receiver keeps it blocked and looks only after the sender reported
// back: sigpending for a signal that must not have arrived, sigtimedwait with a zero timeout
// to take one that must have (a kernel that did not deliver it fails at once, never by a
// timeout). Ends of processes are seen through pidfds.
//
// A signal that must not leave the namespace is SIGWINCH, whose default action is to ignore
// it: if a kernel let it out anyway, the processes it reached would not die of it.
#include <fcntl.h>
#include <linux/sched.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/pids.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kPid = NsType::Pid;

void block(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : signals) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) throw_sys("sigprocmask(SIG_BLOCK)");
}

bool pending(int sig) {
  sigset_t set;
  sigemptyset(&set);
  if (::sigpending(&set) != 0) throw_sys("sigpending");
  return sigismember(&set, sig) == 1;
}

// A blocked signal that is pending now: what its siginfo says, or signo 0.
struct Received {
  int signo = 0, code = 0, fd = -1;
  long pid = -1;
};
Received take(int sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  siginfo_t info{};
  const struct timespec now { 0, 0 };
  int r;
  do r = ::sigtimedwait(&set, &info, &now);
  while (r < 0 && errno == EINTR);
  if (r < 0) return {};
  return {info.si_signo, info.si_code, info.si_fd, info.si_pid};
}
json to_json(const Received& r) { return {{"signo", r.signo}, {"code", r.code}, {"fd", r.fd}, {"pid", r.pid}}; }

// Fixed-size records children write to a pipe their parent reads: writes this small are
// atomic, so several writers never interleave.
template <typename T>
void put(int fd, const T& record) {
  if (::write(fd, &record, sizeof record) != static_cast<ssize_t>(sizeof record)) ::_exit(120);
}
template <typename T>
T get(int fd) {
  T record{};
  if (::read(fd, &record, sizeof record) != static_cast<ssize_t>(sizeof record)) throw_sys("read(a process's record)");
  return record;
}

// clone3 with set_tid (5.5): the first entry is the pid in the innermost namespace.
// Returns the child's pid (0 in the child) or -1 with errno.
long clone3_with_tids(uint64_t flags, const std::vector<pid_t>& tids) {
  struct {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size;
  } args{};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  args.set_tid = reinterpret_cast<uintptr_t>(tids.data());
  args.set_tid_size = tids.size();
  return ::syscall(SYS_clone3, &args, sizeof args);
}

}  // namespace

// ---- teardown ----

namespace {
constexpr int kLevels = 3;
struct Member {
  int level;   // 1: the container's own namespace, 2 and 3 nested in it
  int role;    // 0: init of the level, 1: a worker
  long outer;  // its pid in the host's procfs; -1: a clone(CLONE_NEWPID) child that is not PID 1
};

// Run by the init of `level`: starts a worker that would live forever, and below the last
// level the next level's init, which does the same. Each reports its outer pid to `fd`.
// None of them is a harness child (no PDEATHSIG, a process group of its own): only the
// kernel's teardown of the namespaces can end them.
void populate(int level, int fd) {
  const pid_t worker = ::fork();
  if (worker < 0) throw_sys("fork");
  if (worker == 0) {
    ::setpgid(0, 0);
    long outer = -2;
    try {
      outer = nspid("self").front();
    } catch (...) {
      ::_exit(1);
    }
    put(fd, Member{level, 1, outer});
    for (;;) ::pause();
  }
  if (level == kLevels) return;
  // raw-ok: the child proves itself PID 1 of a new namespace before it goes on.
  const long init = ::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (init < 0) throw_sys("clone(CLONE_NEWPID)");
  if (init > 0) return;
  if (::getpid() != 1) {
    put(fd, Member{level + 1, 0, -1});
    ::_exit(0);
  }
  // A copy of the caller's stack from here on: nothing may unwind into it.
  try {
    ::setpgid(0, 0);
    put(fd, Member{level + 1, 0, nspid("self").front()});
    populate(level + 1, fd);
  } catch (...) {
    ::_exit(1);  // the level above waits for a record that never comes: a timeout, broken
  }
  for (;;) ::pause();
}
}  // namespace

NSM_CHECK(PidTeardown, InitDeathKillsNestedNamespaces,
          {.id = "pid.init.death-kills-nested",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "when PID 1 of a namespace dies, every process of the namespaces nested in it dies too",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"},
           .refs = {"LTP pidns05"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    auto [from_members, to_init] = make_pipe();
    populate(1, to_init.get());
    json members = json::array();
    for (int i = 0; i < 2 * kLevels - 1; ++i) {
      const auto m = get<Member>(from_members.get());
      members.push_back({{"level", m.level}, {"role", m.role}, {"outer", m.outer}});
    }
    link.send({{"members", members}});
    link.recv();
    ::_exit(0);  // the outermost init dies; every level below must die with it
  });
  const json hello = init.recv();
  std::vector<std::pair<std::string, UniqueFd>> watched;
  for (const json& m : hello["members"]) {
    const std::string what =
        fmt::format("the {} of level {}", m["role"] == 0 ? "init" : "worker", m["level"].get<int>());
    ASSERT_NE(m["outer"], -1) << "clone(CLONE_NEWPID) made " << what << ", which is not PID 1 of a new namespace";
    UniqueFd fd(pidfd_open(static_cast<pid_t>(m["outer"].get<long>())));
    if (!fd) broken(fmt::format("pidfd_open({}): {}", what, errno_name(errno)));
    watched.emplace_back(what, std::move(fd));
  }
  hold_point();
  init.send("die");
  const bool init_ended = init.child().pidfd() >= 0 && ended(init.child().pidfd());
  std::vector<std::string> survivors;
  for (auto& [what, fd] : watched)
    if (!init_ended || !ended(fd.get())) {
      survivors.push_back(what);
      pidfd_send_signal(fd.get(), SIGKILL);  // leave nothing behind
    }
  const ChildStatus status = init.wait();
  ASSERT_TRUE(init_ended) << "the outermost init did not end when told: " << status.describe();
  std::string list;
  for (const std::string& s : survivors) list += (list.empty() ? "" : ", ") + s;
  EXPECT_TRUE(survivors.empty()) << "outlived the outermost init: " << list;
}

// ---- signal scope ----

NSM_CHECK(PidSignals, KillMinusOneStaysInside,
          {.id = "pid.signal.kill-all-stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "kill(-1) inside a PID namespace reaches every process of it but its init, and nothing outside",
           .needs = {.namespaces = {kPid}},
           .refs = {"LTP pidns17"}}) {
  // Outside: a process the sender may signal (the same uid; as root, any) if the namespace
  // did not confine kill(-1).
  Peer witness = Peer::spawn(0, [](Link& link) {
    block({SIGWINCH});
    link.send({});
    link.recv();
    link.send({{"pending", pending(SIGWINCH)}});
  });
  witness.recv();
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    if (::getpid() != 1) {
      link.send({{"pid", ::getpid()}});
      return;
    }
    block({SIGWINCH});  // inherited: the receivers cannot miss it
    auto [from, to] = make_pipe();
    auto [go_from, go_to] = make_pipe();  // a byte per receiver once kill(-1) has returned
    constexpr int kReceivers = 2;
    for (int i = 0; i < kReceivers; ++i) {
      const pid_t r = ::fork();
      if (r < 0) throw_sys("fork");
      if (r == 0) {
        char c;
        while (::read(go_from.get(), &c, 1) < 0 && errno == EINTR) {
        }
        const Received got = take(SIGWINCH);
        put(to.get(), std::array<long, 4>{::getpid(), got.signo, got.code, got.pid});
        ::_exit(0);
      }
    }
    // Verify before act: this process's namespace is not the suite's, so kill(-1) from its
    // child cannot reach the host's processes.
    require_apart_from_suite(kPid, "kill(-1, SIGWINCH)");
    const pid_t sender = ::fork();
    if (sender < 0) throw_sys("fork");
    if (sender == 0) {
      const int r = ::kill(-1, SIGWINCH);
      put(to.get(), std::array<long, 4>{-1, r == 0 ? 0 : errno, 0, 0});
      ::_exit(0);
    }
    // The sender's record comes first: the receivers write only after the go.
    const long kill_errno = get<std::array<long, 4>>(from.get())[1];
    if (::write(go_to.get(), "gg", kReceivers) != kReceivers) throw_sys("write(go)");
    json receivers = json::array();
    for (int i = 0; i < kReceivers; ++i) {
      const auto rec = get<std::array<long, 4>>(from.get());
      receivers.push_back({{"pid", rec[0]}, {"signo", rec[1]}, {"code", rec[2]}, {"sender", rec[3]}});
    }
    while (::wait(nullptr) > 0) {
    }
    link.send({{"pid", 1},
               {"sender", sender},
               {"kill", kill_errno == 0 ? "ok" : errno_name(static_cast<int>(kill_errno))},
               {"receivers", receivers},
               {"init_pending", pending(SIGWINCH)}});
  });
  const json r = init.recv();
  init.finish();
  witness.send("report");
  const json outside = witness.recv();
  witness.finish();
  ASSERT_EQ(r["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(r["kill"], "ok");
  for (const json& rec : r["receivers"]) {
    EXPECT_EQ(rec["signo"], SIGWINCH) << "process " << rec["pid"] << " inside did not receive it";
    EXPECT_EQ(rec["code"], SI_USER);
    EXPECT_EQ(rec["sender"], r["sender"]) << "si_pid is the sender's pid in the namespace";
  }
  EXPECT_EQ(r["init_pending"], false) << "kill(-1) spares the namespace's init";
  EXPECT_EQ(outside["pending"], false) << "kill(-1) from inside reached a process outside the namespace";
}

NSM_CHECK(PidSignalGap, KillZeroFollowsTheProcessGroup,
          {.id = "pid.gap.kill-0-crosses-in-process-group",
           .kind = CheckKind::Gap,
           .type = kPid,
           .title = "process groups are not namespaced: kill(0) from inside reaches a member of the caller's group "
                    "outside the PID namespace",
           .needs = {.namespaces = {kPid}},
           .refs = {"LTP pidns17"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    block({SIGWINCH});
    link.send({{"pid", ::getpid()}});
    link.recv();  // a process outside joined this process group
    require_apart_from_suite(kPid, "kill(0, SIGWINCH)");
    const int r = ::kill(0, SIGWINCH);
    link.send({{"kill", outcome_of(r)}, {"self_pending", pending(SIGWINCH)}});
  });
  const json hello = init.recv();
  const pid_t group = ::getpgid(init.pid());
  // What a runtime that forks without setsid leaves (unshare --pid --fork in a shell job):
  // a process outside in the same group as the container's init.
  Peer witness = Peer::spawn(0, [group](Link& link) {
    block({SIGWINCH});
    link.send({});
    link.recv();  // after the spawner set this process's own group, which it may do late
    link.send({{"joined", outcome_of(::setpgid(0, group))}});
    link.recv();
    link.send({{"pending", pending(SIGWINCH)}});
  });
  witness.recv();
  witness.send("join");
  const json joined = witness.recv();
  if (joined["joined"] != "ok")
    broken("the witness could not join the container's process group: " + joined["joined"].get<std::string>());
  init.send("send");
  const json inside = init.recv();
  // The witness first: ending the init's child kills the init's process group, the witness now in it.
  witness.send("report");
  const json outside = witness.recv();
  witness.finish();
  init.finish();
  if (hello["pid"] != 1) broken(fmt::format("the container's init is pid {}, not 1", hello["pid"].dump()));
  if (inside["kill"] != "ok") broken("kill(0) inside: " + inside["kill"].get<std::string>());
  if (outside["pending"] == true)
    gap_confirmed(fmt::format(
        "a process outside in process group {} (the container init's) got SIGWINCH from kill(0) inside", group));
  else if (inside["self_pending"] == true)
    gap_closed("kill(0) inside reached its own group's members inside but not the one outside");
  else
    broken("kill(0) returned 0 but reached no member of the group, inside or out");
}

NSM_CHECK(
    PidSignals, SenderPidAsTheReceiverSeesIt,
    {.id = "pid.signal.si-pid-inward",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "a signal from outside arrives at init with si_pid 0 (blocked, then taken once); one from a process "
              "inside carries its pid there",
     .needs = {.namespaces = {kPid}},
     .refs = {"LTP pidns12", "LTP pidns16", "LTP pidns20"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    block({SIGUSR1, SIGUSR2});
    ::signal(SIGUSR1, [](int) {});  // a handler: init takes signals it handles, from anywhere
    ::signal(SIGUSR2, [](int) {});
    link.send({{"pid", ::getpid()}});
    link.recv();  // SIGUSR1 is pending now, from outside
    const Received outside = take(SIGUSR1);
    const bool again = pending(SIGUSR1);
    const pid_t sibling = ::fork();
    if (sibling < 0) throw_sys("fork");
    if (sibling == 0) ::_exit(::kill(1, SIGUSR2) == 0 ? 0 : 1);
    ::waitpid(sibling, nullptr, 0);  // its kill has returned
    const Received inside = take(SIGUSR2);
    link.send({{"outside", to_json(outside)}, {"again", again}, {"inside", to_json(inside)}, {"sibling", sibling}});
  });
  const json hello = init.recv();
  ASSERT_EQ(hello["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  ASSERT_EQ(::kill(init.pid(), SIGUSR1), 0);
  init.send("sent");
  const json r = init.recv();
  init.finish();
  EXPECT_EQ(r["outside"]["signo"], SIGUSR1) << "init did not take the signal from outside";
  EXPECT_EQ(r["outside"]["code"], SI_USER);
  EXPECT_EQ(r["outside"]["pid"], 0) << "the sender is outside the namespace and has no pid in it";
  EXPECT_EQ(r["again"], false) << "delivered once";
  EXPECT_EQ(r["inside"]["signo"], SIGUSR2);
  EXPECT_EQ(r["inside"]["pid"], r["sibling"]) << "a sender inside is named by its pid inside";
}

NSM_CHECK(PidSignals, OutwardSignalsAreTranslatedOrRefused,
          {.id = "pid.signal.outward",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "outside, the SIGCHLD of a container's init names its outer pid; a pidfd of an outside process "
                    "passed in cannot signal it (EINVAL)",
           .needs = {.namespaces = {kPid}, .min_kernel = "5.3"},
           .refs = {"fix: 3eb39f47934f (signal: add pidfd_send_signal() syscall; the pidfd's process must be in the "
                    "caller's PID namespace or below)"}}) {
  // The parent of the container is a process outside that takes its SIGCHLD; the target
  // of the passed pidfd is that same parent.
  Peer parent = Peer::spawn(0, [](Link& link) {
    block({SIGCHLD, SIGWINCH});
    UniqueFd self(pidfd_open(::getpid()));
    if (!self) throw_sys("pidfd_open(self)");
    const int self_fd = self.get();
    Peer init = Peer::spawn(container(CLONE_NEWPID), [self_fd](Link& inner) {
      require_apart_from_suite(kPid, "pidfd_send_signal(a process outside)");
      const int r = pidfd_send_signal(self_fd, SIGWINCH);
      inner.send({{"pid", ::getpid()}, {"send", outcome_of(r)}});
    });
    const json inside = init.recv();
    const pid_t outer = init.pid();
    init.finish();  // it has exited: its SIGCHLD is queued
    const Received chld = take(SIGCHLD);
    link.send({{"inside", inside}, {"outer", outer}, {"sigchld", to_json(chld)}, {"pending", pending(SIGWINCH)}});
  });
  const json r = parent.recv();
  parent.finish();
  ASSERT_EQ(r["inside"]["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(r["inside"]["send"], "EINVAL") << "a process outside the caller's PID namespace is out of a pidfd's reach";
  EXPECT_EQ(r["pending"], false) << "the process outside received the signal";
  EXPECT_EQ(r["sigchld"]["signo"], SIGCHLD);
  EXPECT_EQ(r["sigchld"]["code"], CLD_EXITED);
  EXPECT_EQ(r["sigchld"]["pid"], r["outer"]) << "the parent outside knows the init by its outer pid, not 1";
}

NSM_CHECK(PidSignals, MqNotifySenderPidPerNamespace,
          {.id = "pid.signal.mq-notify-si-pid",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "an mq_notify signal names the message's sender as the registered process sees it: 0 from outside "
                    "the PID namespace, the outer pid from inside",
           .needs = {.namespaces = {kPid, NsType::Ipc}, .kconfig = {"CONFIG_POSIX_MQUEUE"}},
           .refs = {"LTP pidns30", "LTP pidns31"}}) {
  // The outside party is a child of the test (it takes signals); the queue lives in the
  // container's own IPC namespace, unlinked at once, and is shared by its descriptor.
  Peer outside = Peer::spawn(0, [](Link& link) {
    block({SIGUSR1});
    Peer init = Peer::spawn(container(CLONE_NEWPID | CLONE_NEWIPC), [](Link& inner) {
      block({SIGUSR1});
      require_apart_from_suite(NsType::Ipc, "create a message queue");
      struct mq_attr attr {};
      attr.mq_maxmsg = 2;
      attr.mq_msgsize = 8;
      const mqd_t q = ::mq_open("/nsm-pidsig", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
      if (q < 0) throw_sys("mq_open");
      ::mq_unlink("/nsm-pidsig");
      struct sigevent ev {};
      ev.sigev_notify = SIGEV_SIGNAL;
      ev.sigev_signo = SIGUSR1;
      if (::mq_notify(q, &ev) != 0) throw_sys("mq_notify (inside)");
      const int fds[] = {q};
      inner.send({{"pid", ::getpid()}}, fds);
      inner.recv();  // the message from outside is there
      const Received from_outside = take(SIGUSR1);
      char buf[8];
      ::mq_receive(q, buf, sizeof buf, nullptr);
      inner.send({{"notified", to_json(from_outside)}});
      inner.recv();  // outside registered
      const int sent = ::mq_send(q, "in", 2, 0);
      inner.send({{"send", outcome_of(sent)}});
    });
    std::vector<UniqueFd> fds;
    const json hello = init.recv(fds);
    if (fds.size() != 1) throw ToolError("the queue's descriptor did not arrive");
    const mqd_t q = fds[0].get();
    if (::mq_send(q, "out", 3, 0) != 0) throw_sys("mq_send (outside)");
    init.send("sent");
    const json inward = init.recv();
    struct sigevent ev {};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    if (::mq_notify(q, &ev) != 0) throw_sys("mq_notify (outside)");
    init.send("registered");
    const json sent = init.recv();
    const Received from_inside = take(SIGUSR1);
    const pid_t outer = init.pid();
    init.finish();
    link.send({{"pid", hello["pid"]},
               {"inward", inward["notified"]},
               {"send", sent["send"]},
               {"outward", to_json(from_inside)},
               {"outer", outer}});
  });
  const json r = outside.recv();
  outside.finish();
  ASSERT_EQ(r["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(r["inward"]["signo"], SIGUSR1) << "the process inside was not notified";
  EXPECT_EQ(r["inward"]["code"], SI_MESGQ);
  EXPECT_EQ(r["inward"]["pid"], 0) << "the sender outside has no pid in the namespace";
  ASSERT_EQ(r["send"], "ok");
  EXPECT_EQ(r["outward"]["signo"], SIGUSR1) << "the process outside was not notified";
  EXPECT_EQ(r["outward"]["code"], SI_MESGQ);
  EXPECT_EQ(r["outward"]["pid"], r["outer"]) << "the sender inside is named by its outer pid, not 1";
}

NSM_CHECK(
    PidSignals, SigioOwnerAcrossTheBoundary,
    {.id = "pid.signal.sigio-owner",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "a pipe owned (F_SETOWN) by init inside reads as owned by pid 1 there and by its outer pid outside; "
              "a write from outside signals it (POLL_IN)",
     .needs = {.namespaces = {kPid}},
     .refs = {"LTP pidns13"}}) {
  auto [read_end, write_end] = make_pipe();  // inherited by the child: one open file, two namespaces
  const int rfd = read_end.get();
  Peer init = Peer::spawn(container(CLONE_NEWPID), [rfd](Link& link) {
    block({SIGUSR1});
    if (::fcntl(rfd, F_SETOWN, ::getpid()) != 0) throw_sys("fcntl(F_SETOWN)");
    if (::fcntl(rfd, F_SETSIG, SIGUSR1) != 0) throw_sys("fcntl(F_SETSIG)");
    if (::fcntl(rfd, F_SETFL, ::fcntl(rfd, F_GETFL) | O_ASYNC | O_NONBLOCK) != 0) throw_sys("fcntl(O_ASYNC)");
    link.send({{"pid", ::getpid()}, {"owner", ::fcntl(rfd, F_GETOWN)}});
    link.recv();  // written from outside
    link.send({{"got", to_json(take(SIGUSR1))}});
  });
  const json hello = init.recv();
  const int owner_outside = ::fcntl(rfd, F_GETOWN);
  if (::write(write_end.get(), "x", 1) != 1) throw_sys("write(pipe)");
  init.send("written");
  const json r = init.recv();
  init.finish();
  ASSERT_EQ(hello["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(hello["owner"], 1) << "inside, the owner is init's own pid";
  EXPECT_EQ(owner_outside, init.pid()) << "outside, F_GETOWN names the owner by its outer pid";
  EXPECT_EQ(r["got"]["signo"], SIGUSR1) << "the owner inside was not signalled";
  EXPECT_EQ(r["got"]["code"], POLL_IN);
  EXPECT_EQ(r["got"]["fd"], rfd);
}

// ---- choosing pids ----

NSM_CHECK(PidNumbering, NsLastPidIsPerNamespace,
          {.id = "pid.numbering.ns-last-pid-own",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "ns_last_pid written inside a PID namespace sets the next pid there, and not the outer pid of the "
                    "same process",
           .needs = {.namespaces = {kPid}, .kconfig = {"CONFIG_CHECKPOINT_RESTORE"}, .min_kernel = "4.1"},
           .refs = {"kernel 3.3: kernel.ns_last_pid, written by checkpoint/restore (CRIU)"}}) {
  const auto host_last = read_file("/proc/sys/kernel/ns_last_pid");
  if (!host_last) skip_check("no /proc/sys/kernel/ns_last_pid (CONFIG_CHECKPOINT_RESTORE is off)");
  const long last = std::stol(*host_last);
  const long pid_max = std::stol(must_read_file("/proc/sys/kernel/pid_max"));
  // Far from where the host is counting: if the write reached the host's counter, the
  // worker's outer pid would be this + 1.
  const long chosen = last + 1000 < pid_max - 10 ? last + 1000 : 1000;
  const json r = in_child(container(CLONE_NEWPID), [chosen] {
    if (::getpid() != 1) return json{{"pid", ::getpid()}};
    require_apart_from_suite(kPid, "write kernel.ns_last_pid");
    UniqueFd fd(::open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC));
    if (!fd) throw_sys("open(ns_last_pid)");
    const std::string text = std::to_string(chosen);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw_sys("write(ns_last_pid)");
    const std::string read_back = trim(must_read_file("/proc/sys/kernel/ns_last_pid"));
    auto [from, to] = make_pipe();
    const pid_t worker = ::fork();
    if (worker < 0) throw_sys("fork");
    if (worker == 0) {
      std::array<long, 2> rec{-1, -1};
      try {
        const std::vector<long> levels = nspid("self");
        rec = {levels.front(), levels.back()};
      } catch (...) {
      }
      put(to.get(), rec);
      ::_exit(0);
    }
    const auto levels = get<std::array<long, 2>>(from.get());
    ::waitpid(worker, nullptr, 0);
    return json{{"pid", 1},
                {"read_back", read_back},
                {"worker", worker},
                {"worker_outer", levels[0]},
                {"worker_inner", levels[1]},
                {"after", trim(must_read_file("/proc/sys/kernel/ns_last_pid"))}};
  });
  ASSERT_EQ(r["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(r["read_back"], std::to_string(chosen));
  EXPECT_EQ(r["worker"], chosen + 1) << "the next fork inside takes the pid after ns_last_pid";
  EXPECT_EQ(r["worker_inner"], chosen + 1);
  EXPECT_EQ(r["after"], std::to_string(chosen + 1));
  EXPECT_NE(r["worker_outer"], chosen + 1) << "the write reached the outer namespace's counter";
}

NSM_CHECK(PidNumbering, SetTidOnlyWhereTheCallerIsPrivileged,
          {.id = "pid.numbering.set-tid-levels",
           .kind = CheckKind::Guarantee,
           .type = kPid,
           .title = "root of a user namespace chooses pids with clone3 set_tid in the PID namespaces it owns, on every "
                    "level, but not in the parent's (EPERM)",
           .needs = {.namespaces = {kPid, NsType::User}, .min_kernel = "5.5"},
           .refs = {"fix: 49cb2fc42ce4 (fork: extend clone3() to support setting a PID)",
                    "kselftest clone3/clone3_set_tid"}}) {
  const pid_t suite_pid = ::getpid();  // taken on the parent's level: set_tid there could never succeed
  const json r = in_child(in_own_user_ns(CLONE_NEWPID), [suite_pid] {
    if (::getpid() != 1) return json{{"pid", ::getpid()}};
    auto [from, to] = make_pipe();
    // Runs clone3 with `tids`; the child reports its NSpid (outermost first) and exits.
    auto attempt = [&from = from, &to = to](uint64_t flags, const std::vector<pid_t>& tids) {
      const long pid = clone3_with_tids(flags, tids);
      if (pid == 0) {
        std::array<long, 4> rec{0, -1, -1, ::getpid()};
        try {
          const std::vector<long> levels = nspid("self");
          rec[0] = static_cast<long>(levels.size());
          for (size_t i = 0; i < 2 && i < levels.size(); ++i) rec[1 + i] = levels[levels.size() - 1 - i];
        } catch (...) {
        }
        put(to.get(), rec);
        ::_exit(0);
      }
      if (pid < 0) return json{{"result", errno_name(errno)}};
      const auto rec = get<std::array<long, 4>>(from.get());
      ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
      return json{{"result", "ok"}, {"levels", rec[0]}, {"innermost", rec[1]}, {"next", rec[2]}, {"getpid", rec[3]}};
    };
    json out{{"pid", 1}};
    out["own_level"] = attempt(0, {50});
    // raw-ok: the child reports getpid(), which must be 1 in a new namespace.
    out["two_levels"] = attempt(CLONE_NEWPID, {1, 60});
    out["taken"] = attempt(0, {1});
    out["parent_level"] = attempt(0, {70, suite_pid});
    return out;
  });
  ASSERT_EQ(r["pid"], 1) << "the child of clone(CLONE_NEWPID) is not PID 1";
  EXPECT_EQ(r["own_level"]["result"], "ok");
  EXPECT_EQ(r["own_level"]["getpid"], 50) << "set_tid chose the pid in the caller's own namespace";
  EXPECT_EQ(r["two_levels"]["result"], "ok");
  EXPECT_EQ(r["two_levels"]["getpid"], 1) << "a new PID namespace's first process is 1";
  EXPECT_EQ(r["two_levels"]["next"], 60) << "and 60, as chosen, one level up";
  EXPECT_EQ(r["taken"]["result"], "EEXIST") << "pid 1 is the namespace's init";
  EXPECT_EQ(r["parent_level"]["result"], "EPERM")
      << "the parent's PID namespace belongs to a user namespace where the caller has no capability";
}
