// Identity across the boundary: the pid, uid and gid a process is shown when it talks to a
// process in another PID or user namespace (unix(7) SO_PEERCRED, SCM_CREDENTIALS, SCM_PIDFD,
// SO_PEERPIDFD; pidfd fdinfo; PIDFD_GET_INFO). The kernel translates each into the
// receiver's namespaces: a process outside the receiver's PID namespace reads as pid 0, an
// id the receiver's user namespace does not map as the overflow id.
//
// The sockets are made in the test process before the child is spawned (the child inherits
// them), so neither side needs a name the other could not reach: a listener bound to an
// autobound abstract address for SO_PEERCRED (the credentials are the connector's at
// connect(2) and the listener's at listen(2)), a datagram pair for the per-message ones.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kPid = NsType::Pid;
constexpr NsType kUser = NsType::User;

// PIDFD_GET_INFO (6.13), its first version (64 bytes): what a pidfd's process is, in the
// caller's PID namespace. Declared here: the build's headers may predate it.
struct PidfdInfo {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  uint32_t spare0[1];
};
static_assert(sizeof(PidfdInfo) == 64);
constexpr uint64_t kPidfdInfoPid = 1ULL << 0;
constexpr unsigned long kPidfdGetInfo = _IOWR(0xFF, 11, PidfdInfo);

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// A listening unix stream socket on an abstract address the kernel picks (autobind), so
// no name can collide with another run's.
UniqueFd listener() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_sys("socket(AF_UNIX)");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t)) != 0)
    throw_sys("bind(AF_UNIX, autobind)");
  if (::listen(fd.get(), 4) != 0) throw_sys("listen");
  return fd;
}

// In a child: a socket connected to `listening` (inherited from the test process).
UniqueFd connect_to(int listening) {
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(listening, reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_sys("getsockname");
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_sys("socket(AF_UNIX)");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) throw_sys("connect(the test's listener)");
  return fd;
}

// In the test process, after the child said it connected: the connection, without ever
// blocking past the child timeout.
UniqueFd accept_connection(int listening) {
  pollfd p{listening, POLLIN, 0};
  int r;
  do r = ::poll(&p, 1, static_cast<int>(kChildTimeout.count()));
  while (r < 0 && errno == EINTR);
  if (r <= 0) broken("the child said it connected, but no connection is waiting");
  UniqueFd fd(::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd) throw_sys("accept4");
  return fd;
}

ucred peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) throw_sys("getsockopt(SO_PEERCRED)");
  return cred;
}

json as_json(const ucred& c) { return json{{"pid", c.pid}, {"uid", c.uid}, {"gid", c.gid}}; }

void pass_credentials(int fd) {
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) throw_sys("setsockopt(SO_PASSCRED)");
}

// Sends one byte; with `claimed`, an explicit SCM_CREDENTIALS. Returns the errno, 0 when sent.
int send_byte(int fd, const ucred* claimed) {
  char byte = 'x';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (claimed) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(ucred));
    std::memcpy(CMSG_DATA(c), claimed, sizeof(ucred));
  }
  return errno_of(::sendmsg(fd, &msg, MSG_NOSIGNAL));
}

// What came with one message: its SCM_CREDENTIALS, and its SCM_PIDFD (owned by the caller).
struct Received {
  std::optional<ucred> cred;
  UniqueFd pidfd;
};

// Receives one byte without blocking (the sender said it sent it).
Received receive_byte(int fd) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
    throw_sys("recvmsg (a message the sender said it sent)");
  Received out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS) {
      ucred cred;
      std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      out.cred = cred;
    } else if (c->cmsg_type == SCM_PIDFD) {
      int pidfd;
      std::memcpy(&pidfd, CMSG_DATA(c), sizeof pidfd);
      out.pidfd = UniqueFd(pidfd);
    }
  }
  return out;
}

// A datagram pair that passes credentials both ways: [0] for the test, [1] for the child.
std::pair<UniqueFd, UniqueFd> credential_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) throw_sys("socketpair(AF_UNIX, SOCK_DGRAM)");
  std::pair<UniqueFd, UniqueFd> pair{UniqueFd(sv[0]), UniqueFd(sv[1])};
  pass_credentials(sv[0]);
  pass_credentials(sv[1]);
  return pair;
}

// A field of /proc/self/fdinfo/FD ("Pid", "NSpid"), as the numbers on its line; empty when
// the line is missing.
std::vector<long> fdinfo_numbers(int fd, const std::string& field) {
  std::istringstream in(must_read_file(fmt::format("/proc/self/fdinfo/{}", fd)));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field + ":")) continue;
    std::istringstream words(line.substr(field.size() + 1));
    std::vector<long> out;
    long v;
    while (words >> v) out.push_back(v);
    return out;
  }
  return {};
}

// The NSpid line of /proc/PID/status: the pid on each level, outermost first.
std::vector<long> status_nspid(pid_t pid) {
  std::istringstream in(must_read_file(fmt::format("/proc/{}/status", pid)));
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("NSpid:")) {
      std::istringstream words(line.substr(6));
      std::vector<long> out;
      long v;
      while (words >> v) out.push_back(v);
      return out;
    }
  throw ToolError(fmt::format("/proc/{}/status has no NSpid line", pid));
}

// "ok" for 0, else the errno's name: how children report a call.
std::string word(int err) { return err ? errno_name(err) : "ok"; }

long overflow_id(const char* name) { return std::stol(must_read_file(std::string("/proc/sys/kernel/") + name)); }

}  // namespace

NSM_CHECK(
    PidCredentials, PeerCredPidIsTranslatedBothWays,
    {.id = "pid.creds.peercred-translated",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "SO_PEERCRED gives a peer's pid in the reader's PID namespace: the child's outer pid outside, 0 for a "
              "listener outside the child's namespace",
     .needs = {.namespaces = {kPid}}}) {
  const UniqueFd listening = listener();
  const int fd = listening.get();
  Peer child = Peer::spawn(container(CLONE_NEWPID), [fd](Link& link) {
    const UniqueFd conn = connect_to(fd);
    link.send({{"self", ::getpid()}, {"peer", as_json(peer_credentials(conn.get()))}});
    link.recv();  // keep the connection while the test reads its end
  });
  const json inside = child.recv();
  const UniqueFd accepted = accept_connection(fd);
  const ucred outside = peer_credentials(accepted.get());
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["self"], 1) << "the child is PID 1 of its namespace";
  EXPECT_EQ(outside.pid, child.pid()) << "outside, the connector's pid is the one its parent knows, not its pid inside";
  EXPECT_EQ(inside["peer"]["pid"], 0) << "the listener is outside the child's PID namespace: it has no pid there";
}

NSM_CHECK(
    PidCredentials, ScmCredentialsPidIsTranslatedBothWays,
    {.id = "pid.creds.scm-translated",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "SCM_CREDENTIALS carry the sender's pid into the receiver's PID namespace (0 from outside it), and a "
              "sender inside cannot name a process outside",
     .needs = {.namespaces = {kPid}}}) {
  auto [ours, theirs] = credential_pair();
  const int fd = theirs.get();
  const pid_t outer = ::getpid();  // has no number inside the child's namespace
  Peer child = Peer::spawn(container(CLONE_NEWPID), [fd, outer](Link& link) {
    const ucred own{::getpid(), ::getuid(), ::getgid()};
    const int sent = send_byte(fd, &own);
    // A pid of the test process's namespace: inside, it names nothing (or some other process).
    const ucred claimed{outer, ::getuid(), ::getgid()};
    const int spoofed = send_byte(fd, &claimed);
    link.send({{"self", ::getpid()}, {"sent", word(sent)}, {"spoofed", word(spoofed)}});
    link.recv();  // the test sent its message
    const Received r = receive_byte(fd);
    link.send({{"from_outside", r.cred ? as_json(*r.cred) : json(nullptr)}});
    link.recv();
  });
  const json first = child.recv();
  ASSERT_EQ(first["sent"], "ok") << "the child could not send its own credentials";
  const Received r = receive_byte(ours.get());
  ASSERT_TRUE(r.cred) << "SO_PASSCRED is set, yet the message came without credentials";
  const bool spoof_arrived = first["spoofed"] == "ok";
  ASSERT_EQ(send_byte(ours.get(), nullptr), 0) << "sending to the child failed";
  child.send("sent");
  const json second = child.recv();
  child.send("done");
  child.finish();
  EXPECT_EQ(first["self"], 1);
  EXPECT_EQ(r.cred->pid, child.pid()) << "the child claimed pid " << first["self"]
                                      << " inside; outside it must read as its outer pid";
  EXPECT_FALSE(spoof_arrived) << "a sender in a new PID namespace named pid " << outer
                              << " of the namespace outside it in SCM_CREDENTIALS, and the kernel sent it";
  EXPECT_TRUE(first["spoofed"] == "ESRCH" || first["spoofed"] == "EPERM") << "refused with " << first["spoofed"];
  ASSERT_FALSE(second["from_outside"].is_null())
      << "SO_PASSCRED is set, yet the child's message came without credentials";
  EXPECT_EQ(second["from_outside"]["pid"], 0) << "the test process is outside the child's PID namespace";
}

NSM_CHECK(
    UserCredentials, UnmappedIdsReadAsOverflowAcrossSockets,
    {.id = "user.creds.unmapped-overflow",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title = "SO_PEERCRED and SCM_CREDENTIALS give ids in the reader's user namespace: the mapped id outside, the "
              "overflow ids for an id the child's namespace does not map",
     .needs = {.namespaces = {kUser}, .root = true}}) {
  const UniqueFd listening = listener();
  const int lfd = listening.get();
  auto [ours, theirs] = credential_pair();
  const int dfd = theirs.get();
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap::root_is(100000, 100000);  // the test's uid 0 is not mapped inside
  Peer child = Peer::spawn(spec, [lfd, dfd](Link& link) {
    become_root_inside();
    const UniqueFd conn = connect_to(lfd);
    if (send_byte(dfd, nullptr) != 0) throw_sys("send");
    link.send({{"peer", as_json(peer_credentials(conn.get()))}});
    link.recv();  // the test sent its message
    const Received r = receive_byte(dfd);
    link.send({{"from_outside", r.cred ? as_json(*r.cred) : json(nullptr)}});
    link.recv();
  });
  const json first = child.recv();
  const UniqueFd accepted = accept_connection(lfd);
  const ucred peer = peer_credentials(accepted.get());
  const Received r = receive_byte(ours.get());
  ASSERT_EQ(send_byte(ours.get(), nullptr), 0) << "sending to the child failed";
  child.send("sent");
  const json second = child.recv();
  child.send("done");
  child.finish();
  const long overflow_uid = overflow_id("overflowuid"), overflow_gid = overflow_id("overflowgid");
  EXPECT_EQ(peer.uid, 100000u) << "outside, root of the child's namespace is the id it maps to";
  EXPECT_EQ(peer.gid, 100000u);
  ASSERT_TRUE(r.cred) << "SO_PASSCRED is set, yet the message came without credentials";
  EXPECT_EQ(r.cred->uid, 100000u);
  EXPECT_EQ(r.cred->gid, 100000u);
  EXPECT_EQ(first["peer"]["uid"], overflow_uid) << "the test's uid 0 is unmapped in the child's namespace";
  EXPECT_EQ(first["peer"]["gid"], overflow_gid);
  ASSERT_FALSE(second["from_outside"].is_null())
      << "SO_PASSCRED is set, yet the child's message came without credentials";
  EXPECT_EQ(second["from_outside"]["uid"], overflow_uid);
  EXPECT_EQ(second["from_outside"]["gid"], overflow_gid);
}

NSM_CHECK(
    PidCredentials, PidfdFdinfoShowsEveryLevel,
    {.id = "pid.pidfd.fdinfo-nspid",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "a pidfd's fdinfo names its process by the reader's pid (Pid:) and by its pid on every level (NSpid:)",
     .needs = {.namespaces = {kPid}, .min_kernel = "5.5"},
     .refs = {"kselftest pidfd pidfd_fdinfo_test"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    link.send({{"self", ::getpid()}});
    link.recv();
  });
  const json inside = child.recv();
  const UniqueFd pidfd(pidfd_open(child.pid()));
  if (!pidfd) throw_sys("pidfd_open(the child)");
  const std::vector<long> pid = fdinfo_numbers(pidfd.get(), "Pid");
  const std::vector<long> nspid = fdinfo_numbers(pidfd.get(), "NSpid");
  const std::vector<long> ours = status_nspid(::getpid());
  const std::vector<long> status = status_nspid(child.pid());
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["self"], 1);
  EXPECT_EQ(pid, std::vector<long>{child.pid()}) << "Pid: is the child's pid in the reader's namespace";
  ASSERT_EQ(nspid.size(), ours.size() + 1) << "NSpid: has one level more than the reader (the child's own namespace)";
  EXPECT_EQ(nspid[ours.size() - 1], child.pid()) << "on the reader's level, the pid the reader knows";
  EXPECT_EQ(nspid.back(), 1) << "on the child's own level, 1";
  EXPECT_EQ(nspid, status) << "the same levels as the child's /proc/PID/status";
}

NSM_CHECK(
    PidCredentials, PidfdGetInfoAnswersInCallersNamespace,
    {.id = "pid.pidfd.get-info",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "PIDFD_GET_INFO gives a process's pid and parent in the caller's PID namespace: the outer pid outside, 1 "
              "inside",
     .needs = {.namespaces = {kPid}, .min_kernel = "6.13"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    const UniqueFd self(pidfd_open(::getpid()));
    if (!self) throw_sys("pidfd_open(self) inside");
    PidfdInfo info{};
    info.mask = kPidfdInfoPid;
    const int err = errno_of(::ioctl(self.get(), kPidfdGetInfo, &info));
    link.send({{"err", word(err)}, {"pid", info.pid}, {"tgid", info.tgid}, {"ppid", info.ppid}});
    link.recv();
  });
  const json inside = child.recv();
  const UniqueFd pidfd(pidfd_open(child.pid()));
  if (!pidfd) throw_sys("pidfd_open(the child)");
  PidfdInfo info{};
  info.mask = kPidfdInfoPid;
  const int err = errno_of(::ioctl(pidfd.get(), kPidfdGetInfo, &info));
  child.send("done");
  child.finish();
  ASSERT_EQ(err, 0) << "PIDFD_GET_INFO from outside: " << errno_name(err);
  ASSERT_EQ(inside["err"], "ok") << "PIDFD_GET_INFO inside";
  EXPECT_EQ(info.pid, static_cast<uint32_t>(child.pid())) << "outside: the pid the parent knows";
  EXPECT_EQ(info.ppid, static_cast<uint32_t>(::getpid())) << "outside: its parent is the test process";
  EXPECT_EQ(inside["pid"], 1) << "inside: PID 1";
  EXPECT_EQ(inside["tgid"], 1);
  EXPECT_EQ(inside["ppid"], 0) << "inside: the parent is outside the namespace";
}

NSM_CHECK(
    PidCredentials, PeerPidfdsNameThePeerAcrossTheBoundary,
    {.id = "pid.creds.peer-pidfd",
     .kind = CheckKind::Guarantee,
     .type = kPid,
     .title = "SO_PEERPIDFD and SCM_PIDFD hand the reader a pidfd of the peer in a new PID namespace: its outer pid "
              "outside, 1 on its own level",
     .needs = {.namespaces = {kPid}, .min_kernel = "6.5"},
     .refs = {"kselftest net/af_unix scm_pidfd"}}) {
  const UniqueFd listening = listener();
  const int lfd = listening.get();
  auto [ours, theirs] = credential_pair();
  const int on = 1;
  if (::setsockopt(ours.get(), SOL_SOCKET, SO_PASSPIDFD, &on, sizeof on) != 0) throw_sys("setsockopt(SO_PASSPIDFD)");
  const int dfd = theirs.get();
  Peer child = Peer::spawn(container(CLONE_NEWPID), [lfd, dfd](Link& link) {
    const UniqueFd conn = connect_to(lfd);
    if (send_byte(dfd, nullptr) != 0) throw_sys("send");
    link.send({{"self", ::getpid()}});
    link.recv();
  });
  const json inside = child.recv();
  const UniqueFd accepted = accept_connection(lfd);
  int raw = -1;
  socklen_t len = sizeof raw;
  if (::getsockopt(accepted.get(), SOL_SOCKET, SO_PEERPIDFD, &raw, &len) != 0) throw_sys("getsockopt(SO_PEERPIDFD)");
  const UniqueFd peer_pidfd(raw);
  const Received r = receive_byte(ours.get());
  const std::vector<long> peer_nspid = fdinfo_numbers(peer_pidfd.get(), "NSpid");
  const std::vector<long> scm_nspid = r.pidfd ? fdinfo_numbers(r.pidfd.get(), "NSpid") : std::vector<long>{};
  const std::vector<long> child_nspid = status_nspid(child.pid());
  const std::vector<long> peer_pid = fdinfo_numbers(peer_pidfd.get(), "Pid");  // -1 once the child is gone
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["self"], 1);
  ASSERT_TRUE(r.pidfd) << "SO_PASSPIDFD is set, yet the message came without SCM_PIDFD";
  EXPECT_EQ(peer_nspid, child_nspid) << "SO_PEERPIDFD: the pidfd's NSpid must be the child's";
  EXPECT_EQ(scm_nspid, child_nspid) << "SCM_PIDFD: the pidfd's NSpid must be the child's";
  ASSERT_GE(child_nspid.size(), 2u);
  EXPECT_EQ(child_nspid.back(), 1);
  EXPECT_EQ(peer_pid, std::vector<long>{child.pid()}) << "Pid: is the peer's pid in the reader's namespace";
}
