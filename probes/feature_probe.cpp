#include "probes/feature_probe.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/id_map.h"
#include "core/netlink.h"
#include "core/ns_id.h"
#include "core/ns_listing.h"
#include "core/proc.h"
#include "core/spawn.h"
#include "probes/attempt.h"
#include "probes/diagnosis.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
// nsfs ioctls newer than the build machine's headers (include/uapi/linux/nsfs.h).
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, __u64)
#endif
#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS _IOR(0xb7, 0x6, int)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 0xd, __u64)
#endif
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

namespace nsm {

nlohmann::json FeatureProbe::to_json() const {
  return {{"id", id},
          {"title", title},
          {"verdict", std::string(verdict_name(verdict))},
          {"reason", reason},
          {"first_version", first_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(first_version)},
          {"evidence", evidence}};
}

namespace {

bool is_root() { return ::geteuid() == 0; }

// A child's body that reports the SysError it hit, instead of failing the child, and the
// kernel fault it caught (a namespace call that said yes and did not: core/ns_id.h).
nlohmann::json catching(const std::function<nlohmann::json()>& body) {
  try {
    return body();
  } catch (const SysError& e) {
    return {{"ok", false}, {"call", e.call()}, {"errno", errno_name(e.err())}, {"errno_number", e.err()}};
  } catch (const KernelFault& e) {
    return {{"ok", false}, {"call", "probe child"}, {"errno", nullptr}, {"kernel_fault", e.what()}};
  }
}

// Runs `body` (which returns JSON) in a child; the child's failure becomes {"ok": false}.
nlohmann::json in_child(const std::function<nlohmann::json()>& body, SpawnOptions options = {}) {
  options.timeout = std::chrono::seconds(10);
  ChildResult r;
  try {
    r = run_in_child(options, [&] { return catching(body).dump(); });
  } catch (const KernelFault& e) {
    return {{"ok", false}, {"call", "probe child"}, {"errno", nullptr}, {"kernel_fault", e.what()}};
  }
  if (!r.ok() && r.status.kernel_fault)
    return {{"ok", false}, {"call", "probe child"}, {"errno", nullptr}, {"kernel_fault", r.status.error.value_or("")}};
  if (!r.ok()) return {{"ok", false}, {"call", "probe child"}, {"errno", nullptr}, {"child", r.status.describe()}};
  return r.json();
}

// A failed probe child that caught the kernel lying makes the feature faulty: true then.
bool faulted(FeatureProbe& f, const nlohmann::json& r) {
  if (!r.contains("kernel_fault")) return false;
  f.verdict = Verdict::Faulty;
  f.reason = fmt::format("kernel fault: {}", r["kernel_fault"].get<std::string>());
  f.evidence["kernel_fault"] = r["kernel_fault"];
  return true;
}

// Gives an unprivileged caller the privileges it needs for the probe, in its own user namespace.
void enter_privileged_context() {
  if (!is_root()) enter_own_user_namespace();
}

std::string failure_words(const nlohmann::json& r) {
  if (r.contains("child")) return fmt::format("the probe child {}", r["child"].get<std::string>());
  return fmt::format("{}: {}", r.value("call", "?"), r["errno"].is_string() ? r["errno"].get<std::string>() : "?");
}

int failure_errno(const nlohmann::json& r) { return r.value("errno_number", 0); }

FeatureProbe probe_clone3() {
  FeatureProbe f{"probe.clone3", "clone3()", Verdict::Unsupported, "", "5.3", nlohmann::json::object()};
  f.evidence["call"] = "clone3(CLONE_PIDFD)";
  SpawnOptions options;
  options.method = CloneMethod::Clone3;
  try {
    ChildResult r = run_in_child(options, [] { return std::string("ok"); });
    // A child that ends badly without an errno is no policy's doing.
    f.verdict = r.ok() ? Verdict::Supported : Verdict::Unsupported;
    f.reason = r.ok() ? "clone3 created a child with a pidfd" : fmt::format("clone3 child {}", r.status.describe());
    f.evidence["errno"] = nullptr;
  } catch (const SysError& e) {
    f.evidence["errno"] = errno_name(e.err());
    f.verdict = verdict_for_errno(e.err());
    f.reason = e.err() == ENOSYS ? "clone3: ENOSYS \u2014 kernel < 5.3, or a seccomp filter (Docker's returns ENOSYS)"
                                 : fmt::format("{}", e.what());
  }
  return f;
}

FeatureProbe probe_clone3_newtime() {
  FeatureProbe f{"probe.clone3-newtime",  "CLONE_NEWTIME through clone3()", Verdict::Unsupported, "", "5.6",
                 nlohmann::json::object()};
  auto r = in_child([] {
    enter_privileged_context();
    const ino_t outside = *ns_inode(0, "time");
    SpawnOptions options;
    options.method = CloneMethod::Clone3;
    options.clone_flags = CLONE_NEWTIME;
    ChildResult inner = run_in_child(options, [] { return std::to_string(ns_inode(0, "time").value_or(0)); });
    if (!inner.ok()) throw ToolError(fmt::format("the CLONE_NEWTIME child {}", inner.status.describe()));
    const bool own = std::stoull(*inner.payload) != outside;
    return nlohmann::json{{"ok", true}, {"own_time_namespace", own}};
  });
  f.evidence["call"] = "clone3(CLONE_NEWTIME)";
  if (r.value("ok", false)) {
    const bool own = r.value("own_time_namespace", false);
    f.verdict = own ? Verdict::Supported : Verdict::Faulty;
    f.reason = own ? "clone3(CLONE_NEWTIME) put the child in a new time namespace"
                   : "kernel fault: clone3(CLONE_NEWTIME) succeeded, yet the child shares the caller's time namespace";
    f.evidence["own_time_namespace"] = own;
  } else if (!faulted(f, r)) {
    f.evidence["errno"] = r["errno"];
    f.verdict = failure_errno(r) ? verdict_for_errno(failure_errno(r)) : Verdict::Unsupported;
    f.reason = failure_words(r);
    if (failure_errno(r) == EINVAL)
      f.reason += " \u2014 the kernel does not know CLONE_NEWTIME (< 5.6 or CONFIG_TIME_NS off)";
  }
  return f;
}

FeatureProbe probe_pidfd_setns() {
  FeatureProbe f{"probe.pidfd-setns",     "setns() with a pidfd", Verdict::Unsupported, "", "5.8",
                 nlohmann::json::object()};
  auto r = in_child([] {
    enter_privileged_context();
    unshare_verified(CLONE_NEWUTS);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
    if (!pidfd) throw_sys("pidfd_open");
    if (::setns(pidfd.get(), CLONE_NEWUTS) != 0) throw_sys("setns(pidfd, CLONE_NEWUTS)");
    return nlohmann::json{{"ok", true}};
  });
  f.evidence["call"] = "setns(pidfd, CLONE_NEWUTS)";
  if (r.value("ok", false)) {
    f.verdict = Verdict::Supported;
    f.reason = "setns accepted a pidfd";
  } else if (!faulted(f, r)) {
    f.evidence["errno"] = r["errno"];
    f.evidence["failed_call"] = r.value("call", "");
    const int err = failure_errno(r);
    f.verdict = err == EBADF ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = failure_words(r);
    if (err == EINVAL) f.reason += " \u2014 setns takes only nsfs files before 5.8";
    if (err == ENOSYS) f.reason += " \u2014 no pidfd_open (kernel < 5.3)";
  }
  return f;
}

FeatureProbe probe_nsfs_ioctls() {
  FeatureProbe f{"probe.nsfs-ioctls",     "nsfs ioctls (NS_GET_*)", Verdict::Unsupported, "", "4.11",
                 nlohmann::json::object()};
  std::vector<std::string> failed;
  auto record = [&](const char* name, bool ok, const std::string& detail) {
    f.evidence[name] = ok ? nlohmann::json(detail) : nlohmann::json("failed: " + detail);
    if (!ok) failed.push_back(fmt::format("{} {}", name, detail));
  };

  UniqueFd uts(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
  const int type = uts ? ::ioctl(uts.get(), NS_GET_NSTYPE) : -1;
  record("NS_GET_NSTYPE", type == CLONE_NEWUTS,
         type < 0 ? errno_name(errno) : fmt::format("{:#x} on /proc/self/ns/uts", type));

  UniqueFd owner(uts ? ::ioctl(uts.get(), NS_GET_USERNS) : -1);
  if (!owner) {
    record("NS_GET_USERNS", false, errno_name(errno));
  } else {
    struct stat st {};
    ::fstat(owner.get(), &st);
    record("NS_GET_USERNS", st.st_ino == ns_inode(0, "user"), "the owner of our uts namespace is our user namespace");
  }

  // NS_GET_PARENT on a child's new user namespace must name ours (allowed unprivileged).
  try {
    SpawnOptions options;
    options.clone_flags = CLONE_NEWUSER;
    Child child = Child::spawn(options, [](Channel& channel) {
      channel.recv(std::chrono::seconds(10));  // hold the namespace until the parent is done
      return 0;
    });
    UniqueFd child_user(::open(fmt::format("/proc/{}/ns/user", child.pid()).c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd parent(child_user ? ::ioctl(child_user.get(), NS_GET_PARENT) : -1);
    if (!parent) {
      record("NS_GET_PARENT", false, errno_name(errno));
    } else {
      struct stat st {};
      ::fstat(parent.get(), &st);
      record("NS_GET_PARENT", st.st_ino == ns_inode(0, "user"), "the parent of a child's user namespace is ours");
    }
    uid_t owner_uid = static_cast<uid_t>(-1);
    const int rc = child_user ? ::ioctl(child_user.get(), NS_GET_OWNER_UID, &owner_uid) : -1;
    record("NS_GET_OWNER_UID", rc == 0 && owner_uid == ::geteuid(),
           rc == 0 ? fmt::format("{}", owner_uid) : errno_name(errno));
    child.channel().close();
    child.wait();
  } catch (const SysError& e) {
    record("NS_GET_PARENT", false, fmt::format("no child in a new user namespace ({})", e.what()));
  } catch (const KernelFault& e) {
    record("NS_GET_PARENT", false, fmt::format("kernel fault: {}", e.what()));
  }

  f.verdict = failed.empty() ? Verdict::Supported : Verdict::Unsupported;
  f.reason = failed.empty() ? "NS_GET_NSTYPE, NS_GET_USERNS, NS_GET_PARENT and NS_GET_OWNER_UID answer correctly"
                            : fmt::format("failed: {}", fmt::join(failed, "; "));
  return f;
}

// An nsfs ioctl that answers a 64-bit id on /proc/self/ns/ENTRY: ENOTTY is "the kernel has no
// such ioctl"; the id must be non-zero.
FeatureProbe probe_ns_id_ioctl(std::string id, std::string title, const char* first, unsigned long request,
                               const char* request_name, const char* entry) {
  FeatureProbe f{std::move(id), std::move(title), Verdict::Unsupported, "", first, nlohmann::json::object()};
  f.evidence["call"] = fmt::format("ioctl(/proc/self/ns/{}, {})", entry, request_name);
  UniqueFd fd(::open(fmt::format("/proc/self/ns/{}", entry).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    f.evidence["errno"] = errno_name(errno);
    f.reason = fmt::format("/proc/self/ns/{} cannot be opened ({})", entry, errno_name(errno));
    return f;
  }
  uint64_t value = 0;
  if (::ioctl(fd.get(), request, &value) != 0) {
    const int err = errno;
    f.evidence["errno"] = errno_name(err);
    f.verdict = err == ENOTTY ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = fmt::format("{}: {}{}", request_name, errno_name(err),
                           err == ENOTTY ? fmt::format(" \u2014 kernel < {}", first) : "");
    return f;
  }
  f.evidence["id"] = value;
  f.verdict = value ? Verdict::Supported : Verdict::Faulty;
  f.reason = value ? fmt::format("{} answered {}", request_name, value)
                   : fmt::format("{} answered 0, which is no id", request_name);
  return f;
}

FeatureProbe probe_nsfs_pid_translation() {
  FeatureProbe f{"probe.nsfs-pid-translation",
                 "nsfs pid translation (NS_GET_PID_FROM_PIDNS ...)",
                 Verdict::Unsupported,
                 "",
                 "6.11",
                 nlohmann::json::object()};
  f.evidence["call"] = "ioctl(/proc/self/ns/pid, NS_GET_PID_FROM_PIDNS, getpid())";
  UniqueFd fd(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  const int r = fd ? ::ioctl(fd.get(), NS_GET_PID_FROM_PIDNS, ::getpid()) : -1;
  if (r < 0) {
    const int err = errno;
    f.evidence["errno"] = errno_name(err);
    f.verdict = err == ENOTTY || err == ENOENT ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason =
        fmt::format("NS_GET_PID_FROM_PIDNS: {}{}", errno_name(err), err == ENOTTY ? " \u2014 kernel < 6.11" : "");
    return f;
  }
  f.evidence["answer"] = r;
  // Our own pid, translated from our own namespace into it, is our pid.
  f.verdict = r == ::getpid() ? Verdict::Supported : Verdict::Faulty;
  f.reason =
      r == ::getpid() ? "our own pid translates to itself" : fmt::format("our pid {} translated to {}", ::getpid(), r);
  return f;
}

// listmount(2)/statmount(2) in a mount namespace of the probe's own: every listed id
// must stat as itself.
FeatureProbe probe_listmount() {
  FeatureProbe f{"probe.listmount",       "listmount() and statmount()", Verdict::Unsupported, "", "6.8",
                 nlohmann::json::object()};
  f.evidence["call"] = "listmount(LSMT_ROOT), statmount(first id)";
  auto r = in_child([] {
    enter_privileged_context();
    unshare_verified(CLONE_NEWNS);
    const auto ids = list_mounts();
    if (ids.empty()) return nlohmann::json{{"ok", true}, {"mounts", 0}};
    const MountStatus s = stat_mount(ids.front());
    return nlohmann::json{
        {"ok", true}, {"mounts", ids.size()}, {"first", ids.front()}, {"statted", s.mnt_id}, {"fs_type", s.fs_type}};
  });
  if (r.value("ok", false)) {
    f.evidence["mounts"] = r["mounts"];
    const bool consistent = r["mounts"].get<size_t>() > 0 && r["first"] == r["statted"];
    f.verdict = consistent ? Verdict::Supported : Verdict::Faulty;
    f.reason = consistent ? fmt::format("listmount listed {} mounts; statmount of the first names it ({})",
                                        r["mounts"].get<size_t>(), r["fs_type"].get<std::string>())
                          : fmt::format("listmount and statmount disagree: {}", r.dump());
  } else if (!faulted(f, r)) {
    const int err = failure_errno(r);
    f.evidence["errno"] = r["errno"];
    f.verdict = err == ENOSYS ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = failure_words(r) + (err == ENOSYS ? " \u2014 kernel < 6.8" : "");
  }
  return f;
}

// A file handle of an nsfs file (a UTS namespace of the probe's own) opened again through
// FD_NSFS_ROOT must give that namespace.
FeatureProbe probe_nsfs_file_handles() {
  FeatureProbe f{"probe.nsfs-file-handles",
                 "nsfs file handles (name_to_handle_at, open_by_handle_at(FD_NSFS_ROOT))",
                 Verdict::Unsupported,
                 "",
                 "6.18",
                 nlohmann::json::object()};
  f.evidence["call"] = "name_to_handle_at(/proc/self/ns/uts), open_by_handle_at(FD_NSFS_ROOT)";
  auto r = in_child([] {
    enter_privileged_context();
    {
      // Whether nsfs has handles at all, asked first of a namespace we already have: a kernel
      // without them must read as one whatever another type's unshare below does.
      UniqueFd mnt(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
      if (!mnt) throw_sys("open(/proc/self/ns/mnt)");
      (void)nsfs_handle(mnt.get());
    }
    unshare_verified(CLONE_NEWUTS);
    UniqueFd own(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
    if (!own) throw_sys("open(/proc/self/ns/uts)");
    const NsfsHandle handle = nsfs_handle(own.get());
    int err = 0;
    UniqueFd opened = open_nsfs_handle(handle, err);
    if (!opened) throw SysError("open_by_handle_at(FD_NSFS_ROOT)", err);
    struct stat a {
    }, b{};
    ::fstat(own.get(), &a);
    ::fstat(opened.get(), &b);
    return nlohmann::json{
        {"ok", true}, {"same", a.st_ino == b.st_ino && a.st_dev == b.st_dev}, {"bytes", handle.bytes.size()}};
  });
  if (r.value("ok", false)) {
    const bool same = r.value("same", false);
    f.verdict = same ? Verdict::Supported : Verdict::Faulty;
    f.reason = same ? fmt::format("a {}-byte handle of our UTS namespace opens it again", r["bytes"].get<size_t>())
                    : "the handle of our UTS namespace opened another file";
  } else if (!faulted(f, r)) {
    const int err = failure_errno(r);
    f.evidence["errno"] = r["errno"];
    f.evidence["failed_call"] = r.value("call", "");
    // nsfs had no export operations before 6.18, and open_by_handle_at no FD_NSFS_ROOT.
    const bool absent = err == EOPNOTSUPP || (err == EBADF && r.value("call", "").starts_with("open_by_handle_at"));
    f.verdict = absent ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = failure_words(r) + (absent ? " \u2014 kernel < 6.18" : "");
  }
  return f;
}

// listns(2) must list a UTS namespace the probe just made, among those its user namespace owns.
FeatureProbe probe_listns() {
  FeatureProbe f{"probe.listns", "listns()", Verdict::Unsupported, "", "6.19", nlohmann::json::object()};
  f.evidence["call"] = "listns(CLONE_NEWUTS, LISTNS_CURRENT_USER)";
  auto r = in_child([] {
    enter_privileged_context();
    unshare_verified(CLONE_NEWUTS);
    const auto ids = list_namespaces(CLONE_NEWUTS, ~0ULL);
    UniqueFd own(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
    if (!own) throw_sys("open(/proc/self/ns/uts)");
    const uint64_t id = nsfs_id(own.get());
    return nlohmann::json{
        {"ok", true}, {"listed", ids.size()}, {"found", std::find(ids.begin(), ids.end(), id) != ids.end()}};
  });
  if (r.value("ok", false)) {
    const bool found = r.value("found", false);
    f.verdict = found ? Verdict::Supported : Verdict::Faulty;
    f.reason = found ? fmt::format("listns listed {} UTS namespaces, ours among them", r["listed"].get<size_t>())
                     : "listns did not list the UTS namespace we are in";
  } else if (!faulted(f, r)) {
    const int err = failure_errno(r);
    f.evidence["errno"] = r["errno"];
    f.verdict = err == ENOSYS ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = failure_words(r) + (err == ENOSYS ? " \u2014 kernel < 6.19" : "");
  }
  return f;
}

FeatureProbe probe_so_netns_cookie() {
  FeatureProbe f{"probe.so-netns-cookie", "SO_NETNS_COOKIE", Verdict::Unsupported, "", "5.14",
                 nlohmann::json::object()};
  f.evidence["call"] = "getsockopt(SOL_SOCKET, SO_NETNS_COOKIE)";
  UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (!s || ::getsockopt(s.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) {
    const int err = errno;
    f.evidence["errno"] = errno_name(err);
    f.verdict = err == ENOPROTOOPT ? Verdict::Unsupported : verdict_for_errno(err);
    f.reason = fmt::format("SO_NETNS_COOKIE: {}{}", errno_name(err), err == ENOPROTOOPT ? " \u2014 kernel < 5.14" : "");
    return f;
  }
  f.evidence["cookie"] = cookie;
  f.verdict = cookie ? Verdict::Supported : Verdict::Faulty;
  f.reason =
      cookie ? fmt::format("our network namespace's cookie is {}", cookie) : "the cookie is 0, which names nothing";
  return f;
}

FeatureProbe probe_idmapped_mounts() {
  FeatureProbe f{
      "probe.idmapped-mounts", "idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP)", Verdict::Unsupported, "", "5.12",
      nlohmann::json::object()};
  f.evidence["call"] = "mount_setattr(MOUNT_ATTR_IDMAP, userns_fd: an fd that is not open)";
  // No mount is touched: a kernel that knows MOUNT_ATTR_IDMAP looks the user namespace fd
  // up before any path and answers EBADF; one that does not know the flag says EINVAL.
  auto r = in_child([] {
    enter_privileged_context();
    if (!is_root()) unshare_verified(CLONE_NEWNS);  // mount_setattr wants CAP_SYS_ADMIN over the mount namespace
    UniqueFd closed(::open("/", O_PATH | O_CLOEXEC));
    const int unused = closed.get();
    closed.reset();
    struct mount_attr attr {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(unused);
    const long rc = ::syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &attr, sizeof attr);
    return nlohmann::json{
        {"ok", true}, {"result", rc == 0 ? "ok" : errno_name(errno)}, {"errno_number", rc == 0 ? 0 : errno}};
  });
  if (faulted(f, r)) return f;
  if (!r.value("ok", false)) {
    f.evidence["errno"] = r["errno"];
    f.verdict = failure_errno(r) ? verdict_for_errno(failure_errno(r)) : Verdict::Unsupported;
    f.reason = failure_words(r);
    return f;
  }
  const std::string result = r["result"];
  f.evidence["errno"] = result;
  if (result == "EBADF") {
    f.verdict = Verdict::Supported;
    f.reason =
        "mount_setattr knows MOUNT_ATTR_IDMAP (it looked up the user namespace fd); a filesystem must allow it too "
        "(tmpfs from 6.3)";
  } else if (result == "ENOSYS") {
    f.reason = "mount_setattr: ENOSYS \u2014 kernel < 5.12, or a seccomp filter";
  } else if (result == "EINVAL") {
    f.reason = "mount_setattr: EINVAL \u2014 the kernel does not know MOUNT_ATTR_IDMAP";
  } else {
    f.verdict = verdict_for_errno(r.value("errno_number", 0));
    f.reason = "mount_setattr: " + result;
  }
  return f;
}

FeatureProbe probe_timens_offsets() {
  FeatureProbe f{"probe.timens-offsets",  "/proc/self/timens_offsets", Verdict::Unsupported, "", "5.6",
                 nlohmann::json::object()};
  auto text = read_file("/proc/self/timens_offsets");
  f.evidence["path"] = "/proc/self/timens_offsets";
  if (text) {
    f.verdict = Verdict::Supported;
    f.reason = "present";
    f.evidence["content"] = trim(*text);
  } else {
    f.evidence["errno"] = errno_name(errno);
    f.reason = fmt::format("missing ({}): kernel < 5.6 or CONFIG_TIME_NS off", errno_name(errno));
  }
  return f;
}

FeatureProbe probe_max_namespaces() {
  FeatureProbe f{"probe.max-namespaces",  "namespace limits (user.max_*_namespaces)", Verdict::Supported, "", "4.9",
                 nlohmann::json::object()};
  std::vector<std::string> zero;
  bool any = false;
  for (const auto& info : ns_types()) {
    const std::string name = fmt::format("user.max_{}_namespaces", info.name);
    auto v = read_sysctl(name);
    f.evidence[name] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    any = any || v.has_value();
    if (v && *v == "0") zero.push_back(name + "=0");
  }
  if (!zero.empty()) {
    f.verdict = Verdict::Restricted;
    f.reason = fmt::format("disabled by {}", fmt::join(zero, ", "));
  } else {
    f.reason = any ? "no type is limited to zero" : "no per-type limits in this kernel";
  }
  return f;
}

FeatureProbe probe_sysctl_gate(std::string id, std::string title, std::string sysctl, std::string restricting_value) {
  FeatureProbe f{std::move(id), std::move(title), Verdict::Supported, "", "", nlohmann::json::object()};
  auto v = read_sysctl(sysctl);
  f.evidence[sysctl] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  if (!v) {
    f.reason = fmt::format("{} is absent: this kernel has no such gate", sysctl);
  } else if (*v == restricting_value) {
    f.verdict = Verdict::Restricted;
    f.reason = fmt::format("{}={}", sysctl, *v);
  } else {
    f.reason = fmt::format("{}={}: not restricting", sysctl, *v);
  }
  return f;
}

FeatureProbe probe_cgroup_v2() {
  FeatureProbe f{"probe.cgroup-v2",       "cgroup v2 (unified hierarchy)", Verdict::Unsupported, "", "4.5",
                 nlohmann::json::object()};
  auto filesystems = read_file("/proc/filesystems");
  const bool known = filesystems && filesystems->find("\tcgroup2\n") != std::string::npos;
  f.evidence["cgroup2_in_proc_filesystems"] = known;
  struct statfs root {};
  std::string layout = "not mounted";
  if (::statfs("/sys/fs/cgroup", &root) == 0) {
    if (root.f_type == CGROUP2_SUPER_MAGIC) {
      layout = "v2 (unified at /sys/fs/cgroup)";
    } else if (root.f_type == TMPFS_MAGIC) {
      struct statfs unified {};
      layout = (::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC)
                   ? "hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)"
                   : "v1";
    }
  }
  f.evidence["layout"] = layout;
  f.verdict = known ? Verdict::Supported : Verdict::Unsupported;
  f.reason = known ? fmt::format("the kernel has cgroup2; the host's layout is {}", layout)
                   : "cgroup2 is not in /proc/filesystems";
  return f;
}

struct LinkKind {
  const char* kind;
  const char* kconfig;
};
constexpr std::array<LinkKind, 5> kLinkKinds{{{"veth", "CONFIG_VETH"},
                                              {"bridge", "CONFIG_BRIDGE"},
                                              {"macvlan", "CONFIG_MACVLAN"},
                                              {"vxlan", "CONFIG_VXLAN"},
                                              {"netkit", "CONFIG_NETKIT"}}};

}  // namespace

FeatureProbe probe_rootless_userns() {
  FeatureProbe f{
      "probe.rootless-userns", "rootless user namespaces (unshare, id maps, a mount)", Verdict::Unsupported, "", "3.8",
      nlohmann::json::object()};
  const uid_t uid = is_root() ? kRootlessUid : ::geteuid();
  f.evidence["uid"] = uid;
  // Ubuntu 24.04's AppArmor lets unshare succeed and fails later: try every step.
  auto r = in_child([] {
    if (is_root()) become_unprivileged(kRootlessUid, kRootlessGid);
    enter_own_user_namespace();
    unshare_verified(CLONE_NEWNS);  // the mounts below must not land in the caller's namespace
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) throw_sys("mount(/, MS_REC|MS_PRIVATE)");
    if (::mount("nsm-probe", "/tmp", "tmpfs", 0, "size=64k") != 0) throw_sys("mount(tmpfs, /tmp)");
    return nlohmann::json{{"ok", true}};
  });
  f.evidence["steps"] = "unshare(CLONE_NEWUSER), uid_map, setgroups=deny, gid_map, unshare(CLONE_NEWNS), mount tmpfs";
  if (r.value("ok", false)) {
    f.verdict = Verdict::Supported;
    f.reason = fmt::format("uid {} created a user namespace, mapped its ids and mounted a tmpfs", uid);
  } else if (!faulted(f, r)) {
    f.evidence["failed_call"] = r.value("call", "");
    f.evidence["errno"] = r["errno"];
    const int err = failure_errno(r);
    f.verdict = err ? verdict_for_errno(err) : Verdict::Unsupported;
    const std::string policy = unprivileged_userns_policy();
    f.reason = failure_words(r) + (policy.empty() ? "" : fmt::format(" \u2014 {}", policy));
  }
  return f;
}

std::vector<FeatureProbe> probe_link_kinds(const KernelFacts& facts) {
  // One scratch network namespace in one child for all kinds; it dies with the child.
  auto r = in_child([] {
    enter_privileged_context();
    unshare_verified(CLONE_NEWNET);  // the scratch links must not land in the caller's namespace
    RouteSocket rt = RouteSocket::open();
    nlohmann::json out = {{"ok", true}};
    for (const auto& k : kLinkKinds) {
      try {
        const std::string kind = k.kind;
        if (kind == "veth")
          rt.add_veth("nsm-pv0", "nsm-pv1");
        else if (kind == "bridge")
          rt.add_bridge("nsm-pbr");
        else if (kind == "macvlan") {
          if (!rt.link("nsm-pv0")) rt.add_link_of_kind("dummy", "nsm-pv0");
          rt.add_macvlan("nsm-pmv", "nsm-pv0");
        } else if (kind == "vxlan")
          rt.add_vxlan("nsm-pvx", 42);
        else
          rt.add_link_of_kind(kind, "nsm-pnk");
        out[kind] = {{"ok", true}};
      } catch (const NetlinkError& e) {
        out[k.kind] = {{"ok", false}, {"errno", errno_name(e.err())}, {"errno_number", e.err()}, {"error", e.what()}};
      }
    }
    return out;
  });
  std::vector<FeatureProbe> probes;
  for (const auto& k : kLinkKinds) {
    FeatureProbe f{fmt::format("probe.link.{}", k.kind),
                   fmt::format("{} links", k.kind),
                   Verdict::Unsupported,
                   "",
                   "",
                   nlohmann::json::object()};
    const auto kconfig = kconfig_evidence(k.kconfig, facts.config);
    f.evidence["kconfig"] = kconfig.value == "unknown"
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(kconfig.line.empty() ? kconfig.symbol + " absent" : kconfig.line);
    f.evidence["created"] = false;
    if (!r.value("ok", false) && faulted(f, r)) {
      f.reason += " (in the scratch network namespace)";
    } else if (!r.value("ok", false)) {
      f.verdict = failure_errno(r) ? verdict_for_errno(failure_errno(r)) : Verdict::Unsupported;
      f.reason = fmt::format("no scratch network namespace: {}", failure_words(r));
    } else if (r[k.kind].value("ok", false)) {
      f.verdict = Verdict::Supported;
      f.evidence["created"] = true;
      f.reason = fmt::format("created a {} link in a scratch network namespace", k.kind);
    } else {
      const auto& e = r[k.kind];
      const int err = e.value("errno_number", 0);
      f.evidence["errno"] = e["errno"];
      f.verdict = verdict_for_errno(err);
      f.reason = e.value("error", std::string("failed"));
      if (err == EOPNOTSUPP)
        f.reason +=
            fmt::format(" \u2014 the kernel has no {} driver ({} off, or its module is missing)", k.kind, k.kconfig);
    }
    probes.push_back(std::move(f));
  }
  return probes;
}

std::vector<FeatureProbe> probe_features(const KernelFacts& facts) {
  std::vector<FeatureProbe> out;
  out.push_back(probe_clone3());
  out.push_back(probe_clone3_newtime());
  out.push_back(probe_pidfd_setns());
  out.push_back(probe_nsfs_ioctls());
  out.push_back(probe_ns_id_ioctl("probe.nsfs-mntns-id", "mount namespace ids (NS_GET_MNTNS_ID)", "6.11",
                                  NS_GET_MNTNS_ID, "NS_GET_MNTNS_ID", "mnt"));
  out.push_back(probe_ns_id_ioctl("probe.nsfs-ns-id", "namespace ids of every type (NS_GET_ID)", "6.18", NS_GET_ID,
                                  "NS_GET_ID", "uts"));
  out.push_back(probe_nsfs_pid_translation());
  out.push_back(probe_listmount());
  out.push_back(probe_nsfs_file_handles());
  out.push_back(probe_listns());
  out.push_back(probe_so_netns_cookie());
  out.push_back(probe_timens_offsets());
  out.push_back(probe_idmapped_mounts());
  out.push_back(probe_max_namespaces());
  out.push_back(probe_sysctl_gate("probe.sysctl.unprivileged-userns-clone", "kernel.unprivileged_userns_clone (Debian)",
                                  "kernel.unprivileged_userns_clone", "0"));
  out.push_back(probe_sysctl_gate("probe.sysctl.apparmor-restrict-userns",
                                  "kernel.apparmor_restrict_unprivileged_userns (Ubuntu)",
                                  "kernel.apparmor_restrict_unprivileged_userns", "1"));
  out.push_back(probe_rootless_userns());
  out.push_back(probe_cgroup_v2());
  for (auto& f : probe_link_kinds(facts)) out.push_back(std::move(f));
  return out;
}

std::vector<FeatureProbe> evaluate_features_from_config(const KernelFacts& facts) {
  std::vector<FeatureProbe> out;
  auto by_version = [&](std::string id, std::string title, const char* first) {
    FeatureProbe f{std::move(id), std::move(title), Verdict::Unsupported, "", first, nlohmann::json::object()};
    if (!facts.version) {
      f.reason = "unknown: the config names no kernel version";
    } else {
      const bool ok = *facts.version >= KernelVersion::must_parse(first);
      f.verdict = ok ? Verdict::Supported : Verdict::Unsupported;
      f.reason = fmt::format("kernel {} {} {} (judged by version)", facts.version->numbers(), ok ? ">=" : "<", first);
    }
    f.evidence["judged_by"] = "version";
    return f;
  };
  out.push_back(by_version("probe.clone3", "clone3()", "5.3"));
  FeatureProbe newtime = by_version("probe.clone3-newtime", "CLONE_NEWTIME through clone3()", "5.6");
  const auto time_ns = kconfig_evidence("CONFIG_TIME_NS", facts.config);
  newtime.evidence["kconfig"] = time_ns.line.empty() ? "CONFIG_TIME_NS " + time_ns.value : time_ns.line;
  if (newtime.verdict == Verdict::Supported && (time_ns.value == "n" || time_ns.value == "absent")) {
    newtime.verdict = Verdict::Unsupported;
    newtime.reason = time_ns.value == "n" ? "CONFIG_TIME_NS is not set" : "CONFIG_TIME_NS is absent";
  }
  out.push_back(std::move(newtime));
  out.push_back(by_version("probe.pidfd-setns", "setns() with a pidfd", "5.8"));
  out.push_back(by_version("probe.nsfs-ioctls", "nsfs ioctls (NS_GET_*)", "4.11"));
  out.push_back(by_version("probe.nsfs-mntns-id", "mount namespace ids (NS_GET_MNTNS_ID)", "6.11"));
  out.push_back(by_version("probe.nsfs-ns-id", "namespace ids of every type (NS_GET_ID)", "6.18"));
  out.push_back(by_version("probe.nsfs-pid-translation", "nsfs pid translation (NS_GET_PID_FROM_PIDNS ...)", "6.11"));
  out.push_back(by_version("probe.listmount", "listmount() and statmount()", "6.8"));
  out.push_back(by_version("probe.nsfs-file-handles",
                           "nsfs file handles (name_to_handle_at, open_by_handle_at(FD_NSFS_ROOT))", "6.18"));
  out.push_back(by_version("probe.listns", "listns()", "6.19"));
  out.push_back(by_version("probe.so-netns-cookie", "SO_NETNS_COOKIE", "5.14"));
  out.push_back(by_version("probe.idmapped-mounts", "idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP)", "5.12"));
  for (const auto& k : kLinkKinds) {
    FeatureProbe f{fmt::format("probe.link.{}", k.kind),
                   fmt::format("{} links", k.kind),
                   Verdict::Unsupported,
                   "",
                   "",
                   nlohmann::json::object()};
    const auto e = kconfig_evidence(k.kconfig, facts.config);
    f.evidence["kconfig"] = e.line.empty() ? std::string(k.kconfig) + " " + e.value : e.line;
    f.evidence["judged_by"] = "kconfig";
    const bool on = e.value == "y" || e.value == "m";
    f.verdict = on ? Verdict::Supported : Verdict::Unsupported;
    f.reason =
        on ? e.line
           : (e.value == "n" ? fmt::format("{} is not set", k.kconfig) : fmt::format("{} is {}", k.kconfig, e.value));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace nsm
