// The nsfs and pidfd API around namespaces (kselftests pidfd_setns and nsfs; ioctl_ns(2)):
// setns(pidfd, flags) with several types at once, all or nothing, and its errors; the
// namespace files' identity (readlink form, st_dev and st_ino); the namespace ids
// (NS_GET_MNTNS_ID, NS_GET_ID), pid translation between PID namespaces, SIOCGSKNS, and the
// ioctls' errors. The newer calls are probed first (probes/feature_probe.cpp) and skip,
// naming the probe and the kernel that brought them, where the kernel lacks them.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/ns_types.h"
#include "core/proc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, __u64)
#endif
#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS _IOR(0xb7, 0x6, int)
#define NS_GET_TGID_FROM_PIDNS _IOR(0xb7, 0x7, int)
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#define NS_GET_TGID_IN_PIDNS _IOR(0xb7, 0x9, int)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 0xd, __u64)
#endif

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

UniqueFd pidfd_open(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) throw_sys(fmt::format("pidfd_open({})", pid));
  return fd;
}

// A 64-bit id from an nsfs ioctl, or the errno's name.
json ns_id(int fd, unsigned long request) {
  uint64_t id = 0;
  if (::ioctl(fd, request, &id) != 0) return errno_name(errno);
  return id;
}

std::string readlink_text(const std::string& path) {
  char buf[128] = {};
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) throw_sys(fmt::format("readlink({})", path));
  return std::string(buf, static_cast<size_t>(n));
}

struct stat must_stat(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_sys(fmt::format("stat({})", path));
  return st;
}

constexpr int kJoined = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;

}  // namespace

NSM_CHECK(NsfsApi, PidfdSetnsJoinsSeveralAtOnceAllOrNothing,
          {.id = "lifecycle.pidfd-setns.all-or-nothing",
           .kind = CheckKind::Guarantee,
           .type = NsType::Uts,
           .title = "setns(pidfd, UTS|IPC|NET) joins all three of the target's namespaces; a set with one that cannot "
                    "be joined joins none",
           .needs = {.namespaces = {NsType::Uts, NsType::Ipc, NsType::Net, NsType::Pid},
                     .root = true,
                     .features = {"probe.pidfd-setns"}},
           .refs = {"kselftest pidfd/pidfd_setns_test"}}) {
  Peer target = Peer::spawn(kJoined, [](Link& link) {
    link.send({});
    link.recv();
  });
  target.recv();
  const pid_t pid = target.pid();
  const NsSnapshot wanted = snapshot_of_pid(pid, kJoined);
  UniqueFd pidfd = pidfd_open(pid);
  const int target_fd = pidfd.get();
  // The joiner is the init of a PID namespace of its own: the target's PID namespace, an
  // ancestor of the joiner's, cannot be joined (EINVAL), and the kernel checks PID after
  // UTS, so a UTS join made before the refusal would show.
  const json r = in_child(CLONE_NEWPID, [target_fd, &wanted] {
    const json before = namespace_inodes();
    // raw-ok: an attempt that must be refused; its outcome and our unchanged namespaces are the data.
    const std::string refused = outcome_of(::setns(target_fd, CLONE_NEWUTS | CLONE_NEWPID));
    const json after_refused = namespace_inodes();
    setns_pidfd_verified(target_fd, kJoined, wanted);
    return json{
        {"before", before}, {"refused", refused}, {"after_refused", after_refused}, {"after_join", namespace_inodes()}};
  });
  const json in_target = namespace_inodes(pid);
  target.send("done");
  target.finish();
  EXPECT_EQ(r["refused"], "EINVAL") << "a PID namespace that is not the joiner's own or below it cannot be joined";
  EXPECT_EQ(r["after_refused"], r["before"])
      << "the refused setns must have joined nothing, not even the UTS namespace";
  for (const char* type : {"uts", "ipc", "net"}) {
    EXPECT_NE(in_target[type], r["before"][type]) << "the target's " << type << " namespace must not be the joiner's";
    EXPECT_EQ(r["after_join"][type], in_target[type]) << "setns(pidfd) must join the target's " << type << " namespace";
  }
  for (const char* type : {"mnt", "pid", "cgroup", "user"})
    EXPECT_EQ(r["after_join"][type], r["before"][type]) << "types not asked for stay as they were: " << type;
}

NSM_CHECK(NsfsApi, PidfdSetnsErrors,
          {.id = "lifecycle.pidfd-setns.errors",
           .kind = CheckKind::Guarantee,
           .type = std::nullopt,
           .title = "setns with a pidfd is ESRCH for a process that is gone and EINVAL for no flags or a flag that is "
                    "no namespace",
           .needs = {.features = {"probe.pidfd-setns"}},
           .refs = {"kselftest pidfd/pidfd_setns_test"}}) {
  const json r = in_child(0, [] {
    UniqueFd own = pidfd_open(::getpid());
    // raw-ok: calls that must be refused; nothing is joined and nothing acts afterwards.
    const std::string no_flags = outcome_of(::setns(own.get(), 0));
    // raw-ok: as above.
    const std::string not_a_namespace = outcome_of(::setns(own.get(), CLONE_VM));
    Peer ended = Peer::spawn(ChildSpec(0), [](Link&) {});
    UniqueFd gone = pidfd_open(ended.pid());
    ended.finish();  // exited and reaped: its pidfd names no process any more
    // raw-ok: as above.
    const std::string exited = outcome_of(::setns(gone.get(), CLONE_NEWUTS));
    return json{{"no_flags", no_flags}, {"not_a_namespace", not_a_namespace}, {"exited", exited}};
  });
  EXPECT_EQ(r["no_flags"], "EINVAL") << "setns(pidfd, 0)";
  EXPECT_EQ(r["not_a_namespace"], "EINVAL") << "setns(pidfd, CLONE_VM)";
  EXPECT_EQ(r["exited"], "ESRCH") << "setns into a reaped process";
}

NSM_CHECK(NsfsApi, NamespaceFilesNameTheirIdentity,
          {.id = "lifecycle.nsfs.readlink-and-stat",
           .kind = CheckKind::Guarantee,
           .type = NsType::Uts,
           .title = "/proc/PID/ns/X reads as X:[inode] with the inode stat(2) gives; all namespace files share one "
                    "st_dev, and a new namespace has a new st_ino",
           .needs = {.namespaces = {NsType::Uts}}}) {
  Peer child = Peer::spawn(container(CLONE_NEWUTS), [](Link& link) {
    link.send({});
    link.recv();
  });
  child.recv();
  const std::string path = fmt::format("/proc/{}/ns/uts", child.pid());
  const std::string link_text = readlink_text(path);
  const struct stat theirs = must_stat(path);
  const struct stat ours = must_stat("/proc/self/ns/uts");
  const std::string our_text = readlink_text("/proc/self/ns/uts");
  json devices = json::array();
  for (const auto& info : ns_types())
    if (ns_inode(0, info.proc_name))
      devices.push_back(must_stat(fmt::format("/proc/self/ns/{}", info.proc_name)).st_dev);
  child.send("done");
  child.finish();
  EXPECT_EQ(link_text, fmt::format("uts:[{}]", theirs.st_ino)) << "readlink of the child's namespace file";
  EXPECT_EQ(our_text, fmt::format("uts:[{}]", ours.st_ino)) << "readlink of ours";
  EXPECT_NE(theirs.st_ino, ours.st_ino) << "a new UTS namespace has an inode of its own";
  EXPECT_EQ(theirs.st_dev, ours.st_dev) << "every namespace lives on the one nsfs";
  for (const auto& dev : devices) EXPECT_EQ(dev, json(ours.st_dev)) << "every type's file is on the same nsfs device";
}

NSM_CHECK(NsfsApi, IoctlErrors,
          {.id = "lifecycle.nsfs.ioctl-errors",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "nsfs ioctls: ENOTTY on a file that is no namespace, EINVAL for NS_GET_OWNER_UID on a non-user "
                    "namespace, EPERM for an owner out of scope",
           .needs = {.namespaces = {NsType::User}, .min_kernel = "4.11"}}) {
  // The mount namespace: the one type every kernel has (uts may be configured out).
  UniqueFd host_mnt = open_ns(0, "mnt");
  const int host_mnt_fd = host_mnt.get();
  const json r = in_child(in_own_user_ns(0), [host_mnt_fd] {
    UniqueFd status(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    if (!status) throw_sys("open(/proc/self/status)");
    const std::string not_nsfs = outcome_of(::ioctl(status.get(), NS_GET_NSTYPE));
    uid_t uid = 0;
    const std::string owner_of_mnt = outcome_of(::ioctl(host_mnt_fd, NS_GET_OWNER_UID, &uid));
    // The host's mount namespace is owned by the host's user namespace, an ancestor of ours.
    const int owner = ::ioctl(host_mnt_fd, NS_GET_USERNS);
    const std::string out_of_scope = outcome_of(owner);
    if (owner >= 0) ::close(owner);
    return json{{"not_nsfs", not_nsfs}, {"owner_uid_of_mnt", owner_of_mnt}, {"userns_out_of_scope", out_of_scope}};
  });
  EXPECT_EQ(r["not_nsfs"], "ENOTTY") << "NS_GET_NSTYPE on /proc/self/status";
  EXPECT_EQ(r["owner_uid_of_mnt"], "EINVAL") << "NS_GET_OWNER_UID on a mount namespace";
  EXPECT_EQ(r["userns_out_of_scope"], "EPERM")
      << "NS_GET_USERNS of a namespace owned outside the caller's user namespace";
}

NSM_CHECK(
    NsfsApi, MountNamespaceIdIsUniqueAndStable,
    {.id = "mnt.nsfs.mntns-id",
     .kind = CheckKind::Guarantee,
     .type = NsType::Mnt,
     .title = "NS_GET_MNTNS_ID gives a mount namespace one id, the same through every fd, another for a new namespace",
     .needs = {.namespaces = {NsType::Mnt}, .features = {"probe.nsfs-mntns-id"}}}) {
  Peer child = Peer::spawn(container(CLONE_NEWNS), [](Link& link) {
    UniqueFd own = open_ns(0, "mnt");
    link.send({{"id", ns_id(own.get(), NS_GET_MNTNS_ID)}});
    link.recv();
  });
  const json inside = child.recv();
  UniqueFd theirs = open_ns(child.pid(), "mnt");
  UniqueFd theirs_again = open_ns(child.pid(), "mnt");
  UniqueFd ours = open_ns(0, "mnt");
  const json from_outside = ns_id(theirs.get(), NS_GET_MNTNS_ID);
  const json again = ns_id(theirs_again.get(), NS_GET_MNTNS_ID);
  const json our_id = ns_id(ours.get(), NS_GET_MNTNS_ID);
  child.send("done");
  child.finish();
  ASSERT_TRUE(our_id.is_number()) << "NS_GET_MNTNS_ID on our own: " << our_id;
  EXPECT_EQ(inside["id"], from_outside) << "the id read inside and through /proc/PID/ns/mnt outside";
  EXPECT_EQ(again, from_outside) << "a second fd of the same namespace";
  EXPECT_NE(from_outside, our_id) << "a new mount namespace has a new id";
}

NSM_CHECK(NsfsApi, NamespaceIdsForEveryType,
          {.id = "lifecycle.nsfs.ns-get-id",
           .kind = CheckKind::Guarantee,
           .type = std::nullopt,
           .title = "NS_GET_ID gives every namespace type an id: equal through two fds, different for a new namespace",
           .needs = {.namespaces = {NsType::User, NsType::Uts, NsType::Ipc, NsType::Net, NsType::Mnt, NsType::Cgroup},
                     .features = {"probe.nsfs-ns-id"}}}) {
  constexpr int kFlags = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWCGROUP;
  Peer child = Peer::spawn(in_own_user_ns(kFlags), [](Link& link) {
    link.send({});
    link.recv();
  });
  child.recv();
  json theirs, again, ours;
  for (const char* entry : {"user", "uts", "ipc", "net", "mnt", "cgroup"}) {
    theirs[entry] = ns_id(open_ns(child.pid(), entry).get(), NS_GET_ID);
    again[entry] = ns_id(open_ns(child.pid(), entry).get(), NS_GET_ID);
    ours[entry] = ns_id(open_ns(0, entry).get(), NS_GET_ID);
  }
  child.send("done");
  child.finish();
  for (const char* entry : {"user", "uts", "ipc", "net", "mnt", "cgroup"}) {
    ASSERT_TRUE(ours[entry].is_number()) << "NS_GET_ID on our " << entry << " namespace: " << ours[entry];
    EXPECT_EQ(theirs[entry], again[entry]) << entry << ": two fds of one namespace";
    EXPECT_NE(theirs[entry], ours[entry]) << entry << ": a new namespace has a new id";
  }
}

NSM_CHECK(NsfsApi, PidTranslationBetweenPidNamespaces,
          {.id = "pid.nsfs.pid-translation",
           .kind = CheckKind::Guarantee,
           .type = NsType::Pid,
           .title = "NS_GET_PID_FROM_PIDNS and NS_GET_PID_IN_PIDNS translate pids between a child PID namespace and "
                    "ours; ESRCH for a pid it cannot see",
           .needs = {.namespaces = {NsType::Pid}, .features = {"probe.nsfs-pid-translation"}},
           .refs = {"kselftest pid_namespace/pidns_init_via_setns", "nsfs: add pid translation ioctls (6.11)"}}) {
  Peer init = Peer::spawn(container(CLONE_NEWPID), [](Link& link) {
    link.send({{"getpid", ::getpid()}});
    link.recv();
  });
  const json inside = init.recv();
  UniqueFd pidns = open_ns(init.pid(), "pid");
  const int from_1 = ::ioctl(pidns.get(), NS_GET_PID_FROM_PIDNS, 1);
  const std::string from_1_err = from_1 < 0 ? errno_name(errno) : "";
  const int tgid_from_1 = ::ioctl(pidns.get(), NS_GET_TGID_FROM_PIDNS, 1);
  const int in_ns = ::ioctl(pidns.get(), NS_GET_PID_IN_PIDNS, init.pid());
  const int tgid_in_ns = ::ioctl(pidns.get(), NS_GET_TGID_IN_PIDNS, init.pid());
  const std::string ours_in_ns = outcome_of(::ioctl(pidns.get(), NS_GET_PID_IN_PIDNS, ::getpid()));
  init.send("done");
  init.finish();
  EXPECT_EQ(inside["getpid"], 1) << "the child is its PID namespace's init";
  EXPECT_EQ(from_1, init.pid()) << "pid 1 of the child's namespace is its pid in ours"
                                << (from_1_err.empty() ? "" : ": " + from_1_err);
  EXPECT_EQ(tgid_from_1, init.pid()) << "NS_GET_TGID_FROM_PIDNS";
  EXPECT_EQ(in_ns, 1) << "its pid in ours is 1 in its namespace";
  EXPECT_EQ(tgid_in_ns, 1) << "NS_GET_TGID_IN_PIDNS";
  EXPECT_EQ(ours_in_ns, "ESRCH") << "our own process is not in the child's namespace";
}

NSM_CHECK(
    NsfsApi, SiocgsknsNamesTheSocketsNamespace,
    {.id = "net.nsfs.siocgskns",
     .kind = CheckKind::Guarantee,
     .type = NsType::Net,
     .title =
         "SIOCGSKNS on a socket gives the network namespace it was created in, even after it was passed to the host",
     .needs = {.namespaces = {NsType::Net}, .min_kernel = "4.9"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWNET), [](Link& link) {
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) throw_sys("socket(AF_INET)");
    UniqueFd ns(::ioctl(s.get(), SIOCGSKNS));
    const json own = ns ? json(fd_inode(ns.get())) : json(errno_name(errno));
    const int fds[] = {s.get()};
    link.send({{"inside", own}, {"own_net", must_ns_inode(0, "net")}}, fds);
    link.recv();
  });
  std::vector<UniqueFd> fds;
  const json inside = child.recv(fds);
  ASSERT_EQ(fds.size(), 1u);
  UniqueFd ns(::ioctl(fds[0].get(), SIOCGSKNS));
  const json here = ns ? json(fd_inode(ns.get())) : json(errno_name(errno));
  child.send("done");
  child.finish();
  EXPECT_NE(inside["own_net"], json(must_ns_inode(0, "net"))) << "the child's network namespace is its own";
  EXPECT_EQ(inside["inside"], inside["own_net"]) << "SIOCGSKNS inside names the child's namespace";
  EXPECT_EQ(here, inside["own_net"]) << "the passed socket still belongs to the child's namespace";
}
