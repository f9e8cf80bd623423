// The user-namespace privilege boundary: what root of a user namespace, with every
// capability there, still may not do to what the namespace's creator owns. Each check
// shows the act works where the namespace has the right (a control), then that it is
// refused across the boundary; the refusal's errno is the data.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"
#include "core/unique_fd.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kUser = NsType::User;
constexpr NsType kMnt = NsType::Mnt;

// A write to a /proc file: "ok" or the errno's name.
std::string try_write(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_name(errno);
  return outcome_of(::write(fd.get(), text.data(), text.size()));
}

// Uid: or Gid: of /proc/PID/status, the real id, as the test process sees it.
long status_id(pid_t pid, const std::string& field) {
  std::istringstream in(must_read_file(fmt::format("/proc/{}/status", pid)));
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  throw ToolError(fmt::format("/proc/{}/status has no {} line", pid, field));
}

// A filesystem the running kernel has that does not carry FS_USERNS_MOUNT; empty if none.
std::string filesystem_without_userns_mount() {
  const std::string known = read_file("/proc/filesystems").value_or("");
  for (const char* fs : {"debugfs", "tracefs", "securityfs", "configfs", "pstore"})
    if (known.find(std::string("\t") + fs + "\n") != std::string::npos) return fs;
  return {};
}

// In a child: forks a process that runs `before_exec` and execs `nsmatrix-conformance
// --nsm_print_caps <target>` (harness/main.cpp); returns what it printed.
json exec_print_caps(pid_t target, const std::function<void()>& before_exec) {
  auto [read_end, write_end] = make_pipe();
  const std::string target_text = std::to_string(target);
  const char* argv[] = {"nsmatrix-conformance", "--nsm_print_caps", target_text.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork");
  if (pid == 0) {
    try {
      before_exec();
    } catch (const std::exception& e) {
      const std::string text = std::string("ER:") + e.what();
      [[maybe_unused]] auto n = ::write(write_end.get(), text.data(), text.size());
      ::_exit(121);
    }
    if (::dup2(write_end.get(), STDOUT_FILENO) < 0) ::_exit(126);
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    ::_exit(127);
  }
  write_end.reset();
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys("read(pipe)");
    text.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw_sys("waitpid");
  if (text.starts_with("ER:")) throw ToolError(text.substr(3));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ToolError(fmt::format("the exec'd --nsm_print_caps ended with status {:#x}, printing '{}'", status, text));
  return json::parse(text);
}

}  // namespace

NSM_CHECK(UserBoundary, CapabilitiesAcrossExecveFollowTheUid,
          {.id = "user.caps.execve",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "in a user namespace, execve gives uid 0 the full capability set and another uid none; neither can "
                    "signal a host process of another uid",
           .needs = {.namespaces = {kUser}, .min_kernel = "3.8", .root = true},
           .refs = {"LTP userns06"}}) {
  // Root inside is the host's 100000, uid 1000 the host's 101000: neither is the test
  // process's uid, so only a capability in the initial user namespace (CAP_KILL) would let
  // them signal it.
  const std::vector<IdRange> ranges{{0, 100000, 1}, {1000, 101000, 1}};
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap{ranges, ranges, false};
  const pid_t suite = ::getpid();
  const json r = in_child(spec, [suite] {
    become_root_inside();
    json out;
    out["root"] = exec_print_caps(suite, [] {});
    out["user"] = exec_print_caps(suite, [] {
      if (::setresgid(1000, 1000, 1000) != 0) throw_sys("setresgid(1000) inside");
      if (::setresuid(1000, 1000, 1000) != 0) throw_sys("setresuid(1000) inside");
    });
    return out;
  });
  const json& root = r["root"];
  const json& user = r["user"];
  EXPECT_EQ(root["uid"], 0);
  EXPECT_EQ(root["cap_eff"], root["cap_bnd"])
      << "uid 0 of the namespace gets every capability of its bounding set at execve";
  EXPECT_NE(root["cap_eff"], "0000000000000000");
  EXPECT_EQ(root["signal_0"], "EPERM") << "its capabilities are the namespace's: kill(the test process, 0)";
  EXPECT_EQ(user["uid"], 1000);
  EXPECT_EQ(user["cap_eff"], "0000000000000000") << "another uid has no capability after execve";
  EXPECT_EQ(user["cap_prm"], "0000000000000000");
  EXPECT_EQ(user["signal_0"], "EPERM");
}

NSM_CHECK(
    UserBoundary, SetgroupsDenyIsStickyAndInherited,
    {.id = "user.setgroups.deny-sticky",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title = "after setgroups is denied, root of the user namespace cannot call setgroups(2) nor write allow, and "
              "a nested namespace inherits the denial",
     .needs = {.namespaces = {kUser}, .min_kernel = "3.19"},
     .refs = {"CVE-2014-8989",
              "fix: 9cc46516ddf4 (userns: Add a knob to disable setgroups on a per user namespace basis)"}}) {
  ChildSpec spec = in_own_user_ns(0);
  spec.id_map->deny_setgroups = true;
  const json r = in_child(spec, [] {
    become_root_inside();
    json out;
    out["state"] = trim(must_read_file("/proc/self/setgroups"));
    out["setgroups"] = outcome_of(::setgroups(0, nullptr));
    out["allow"] = try_write("/proc/self/setgroups", "allow");
    unshare_verified(CLONE_NEWUSER);
    out["nested_state"] = trim(must_read_file("/proc/self/setgroups"));
    out["nested_allow"] = try_write("/proc/self/setgroups", "allow");
    return out;
  });
  EXPECT_EQ(r["state"], "deny");
  EXPECT_EQ(r["setgroups"], "EPERM") << "root of the namespace with CAP_SETGID, yet setgroups is denied";
  EXPECT_EQ(r["allow"], "EPERM") << "a denial cannot be taken back";
  EXPECT_EQ(r["nested_state"], "deny") << "a nested user namespace inherits the denial";
  EXPECT_EQ(r["nested_allow"], "EPERM") << "nor can the nested namespace allow it";
}

NSM_CHECK(UserBoundary, OutsideNamespacesAreOutOfScope,
          {.id = "user.scope.outside-refused",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "root of a user namespace may ask who owns its own namespaces but not the host's (NS_GET_USERNS: "
                    "EPERM), nor join the host's (setns: EPERM)",
           .needs = {.namespaces = {kUser, NsType::Uts}, .min_kernel = "4.9"}}) {
  const UniqueFd host_uts = open_ns(0, "uts");
  const UniqueFd host_user = open_ns(0, "user");
  const int uts_fd = host_uts.get(), user_fd = host_user.get();
  const json r = in_child(in_own_user_ns(CLONE_NEWUTS), [uts_fd, user_fd] {
    become_root_inside();
    json out;
    const int owner = ::ioctl(uts_fd, NS_GET_USERNS);
    out["get_userns_host"] = outcome_of(owner);
    if (owner >= 0) ::close(owner);
    const UniqueFd own_uts = open_ns(0, "uts");
    const int own_owner = ::ioctl(own_uts.get(), NS_GET_USERNS);
    out["get_userns_own"] = outcome_of(own_owner);
    if (own_owner >= 0) ::close(own_owner);
    const ino_t before = must_ns_inode(0, "uts");
    // raw-ok: an attempt that must be refused (EPERM); the inode below shows where it left us.
    out["setns_host_uts"] = outcome_of(::setns(uts_fd, CLONE_NEWUTS));
    // raw-ok: the same for the host's user namespace.
    out["setns_host_user"] = outcome_of(::setns(user_fd, CLONE_NEWUSER));
    out["uts_unchanged"] = must_ns_inode(0, "uts") == before;
    return out;
  });
  EXPECT_EQ(r["get_userns_own"], "ok") << "the owner of its own UTS namespace is in scope";
  EXPECT_EQ(r["get_userns_host"], "EPERM") << "the host's user namespace is outside the caller's scope";
  EXPECT_EQ(r["setns_host_uts"], "EPERM")
      << "the host's UTS namespace is owned by a user namespace the caller has no capabilities in";
  EXPECT_EQ(r["setns_host_user"], "EPERM") << "a process may not join an ancestor user namespace";
  EXPECT_EQ(r["uts_unchanged"], true);
}

NSM_CHECK(
    UserBoundary, NestedManyExtentMapsComposeThroughTheParent,
    {.id = "user.maps.nested-many-extents",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title = "a nested user namespace's map of more than five extents goes through its parent's map, never straight "
              "to the host's ids",
     .needs = {.namespaces = {kUser}, .min_kernel = "4.15", .root = true},
     .refs = {"CVE-2018-18955", "fix: d2f007dbe7e4 (userns: also map extents in the reverse map to kernel IDs)",
              "LTP userns08"}}) {
  // The parent: six extents (past the five that fit inline), so lookups use the sorted
  // forward and reverse arrays. Its id 1000 is the host's 200000.
  std::vector<IdRange> outer;
  for (uint32_t i = 0; i < 5; ++i) outer.push_back({i * 10, 100000 + i * 10, 10});
  outer.push_back({1000, 200000, 1});
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap{outer, outer, false};
  Peer parent = Peer::spawn(spec, [](Link& link) {
    become_root_inside();
    // Changing uids cleared the dumpable flag, which its child would inherit: its /proc/PID/ns
    // would then be unreadable to the spawner's proof that the nested namespace is new.
    if (::prctl(PR_SET_DUMPABLE, 1) != 0) throw_sys("prctl(PR_SET_DUMPABLE)");
    // The nested one: root is the parent's 1000, plus five more extents of the parent's ids.
    std::vector<IdRange> inner{{0, 1000, 1}};
    for (uint32_t i = 0; i < 5; ++i) inner.push_back({10 + i * 10, i * 10, 5});
    ChildSpec nested(CLONE_NEWUSER);
    nested.id_map = IdMap{inner, inner, false};
    Peer child = Peer::spawn(nested, [](Link& inner_link) {
      become_root_inside();
      inner_link.send({{"uid", ::getuid()}});
      inner_link.recv();
    });
    const json seen = child.recv();
    link.send({{"pid", child.pid()}, {"uid_inside", seen["uid"]}});
    link.recv();
    child.send("done");
    child.finish();
  });
  const json r = parent.recv();
  const pid_t nested_pid = r["pid"].get<pid_t>();  // no PID namespace: the same pid here
  const long uid = status_id(nested_pid, "Uid");
  const long gid = status_id(nested_pid, "Gid");
  parent.send("done");
  parent.finish();
  EXPECT_EQ(r["uid_inside"], 0);
  EXPECT_EQ(uid, 200000)
      << "root of the nested namespace is its parent's 1000, which is the host's 200000 (1000 would be "
         "the parent's id taken as the host's)";
  EXPECT_EQ(gid, 200000);
}

NSM_CHECK(UserBoundary, OpenByHandleNeedsTheHostsCapability,
          {.id = "user.caps.open-by-handle-refused",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "root of a user namespace cannot open a host file by handle (open_by_handle_at: EPERM), which the "
                    "host's root can",
           .needs = {.namespaces = {kUser}, .root = true, .capabilities = {CAP_DAC_READ_SEARCH}}}) {
  // A file handle of a directory on a filesystem that gives handles (not every one does:
  // procfs, ramfs).
  std::string path;
  std::vector<char> storage(sizeof(file_handle) + MAX_HANDLE_SZ);
  auto* handle = reinterpret_cast<file_handle*>(storage.data());
  for (const char* candidate : {"/", "/usr", "/tmp", "/dev", "/sys"}) {
    handle->handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    if (::name_to_handle_at(AT_FDCWD, candidate, handle, &mount_id, 0) == 0) {
      path = candidate;
      break;
    }
  }
  if (path.empty())
    skip_check("no filesystem of /, /usr, /tmp, /dev or /sys gives file handles here (name_to_handle_at)");
  const UniqueFd mount_fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!mount_fd) throw_sys("open(" + path + ")");
  // The control: the host's root opens it.
  const UniqueFd opened(::open_by_handle_at(mount_fd.get(), handle, O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(opened.valid()) << "the host's root could not open " << path << " by handle: " << errno_name(errno);
  const int mfd = mount_fd.get();
  const json r = in_child(in_own_user_ns(0), [mfd, handle] {
    become_root_inside();
    const int fd = ::open_by_handle_at(mfd, handle, O_RDONLY | O_CLOEXEC);
    const std::string outcome = outcome_of(fd);
    if (fd >= 0) ::close(fd);
    return json{{"open_by_handle", outcome}};
  });
  EXPECT_EQ(r["open_by_handle"], "EPERM")
      << "a file handle of " << path << " opened from a user namespace bypasses every directory permission";
}

NSM_CHECK(
    UserBoundary, FreshProcAndSysfsNeedAFullyVisibleOne,
    {.id = "user.mount.too-revealing-refused",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title = "root of a user namespace mounts a fresh proc and sysfs only while a fully visible one is there: with "
              "part of each covered by its creator, EPERM",
     .needs = {.namespaces = {kUser, kMnt, NsType::Pid, NsType::Net}, .min_kernel = "4.1"}}) {
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox();
    for (const char* fs : {"proc", "sysfs"}) must_mkdir(dir + "/" + fs);
    // A new user namespace, as a runtime's container: its own mount, PID and network
    // namespaces (proc and sysfs are mounted for those), root mapped to the creator's root.
    ChildSpec inner(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET);
    inner.id_map = IdMap::root_is(0, 0);
    const auto try_mounts = [&] {
      return in_child(inner, [dir] {
        json out;
        for (const char* fs : {"proc", "sysfs"}) {
          const std::string target = dir + "/" + fs;
          out[fs] = outcome_of(::mount(fs, target.c_str(), fs, MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
        }
        return out;
      });
    };
    json out;
    out["uncovered"] = try_mounts();
    // The creator covers part of each, as a runtime masks paths: in the new namespace the
    // covering mounts are locked, and no fully visible proc or sysfs is left.
    must_mount("nsm-mask", "/proc/sys", "tmpfs", MS_RDONLY, "size=4k");
    must_mount("nsm-mask", "/sys/kernel", "tmpfs", MS_RDONLY, "size=4k");
    out["covered"] = try_mounts();
    return out;
  });
  for (const char* fs : {"proc", "sysfs"})
    if (r["uncovered"][fs] != "ok")
      skip_check(
          fmt::format("no fully visible {} here to start from: a user namespace's fresh one was refused with nothing "
                      "covered ({})",
                      fs, r["uncovered"][fs].get<std::string>()));
  EXPECT_EQ(r["covered"]["proc"], "EPERM") << "a fresh proc would reveal what the creator's mount covers";
  EXPECT_EQ(r["covered"]["sysfs"], "EPERM") << "a fresh sysfs would reveal what the creator's mount covers";
}

NSM_CHECK(UserBoundary, FilesystemsWithoutUsernsMountAreRefused,
          {.id = "user.mount.fs-userns-mount-only",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "root of a user namespace mounts a tmpfs but not a filesystem without FS_USERNS_MOUNT (EPERM)",
           .needs = {.namespaces = {kUser, kMnt}}}) {
  const std::string fs = filesystem_without_userns_mount();
  if (fs.empty()) skip_check("none of debugfs, tracefs, securityfs, configfs, pstore is in /proc/filesystems");
  const json r = in_child(in_own_user_ns(CLONE_NEWNS), [fs] {
    become_root_inside();
    const std::string dir = enter_sandbox();
    const std::string target = dir + "/fs";
    must_mkdir(target);
    const std::string tmpfs = outcome_of(::mount("nsm-tmpfs", target.c_str(), "tmpfs", 0, "size=4k"));
    if (tmpfs == "ok" && ::umount2(target.c_str(), 0) != 0) throw_sys("umount(the tmpfs)");
    return json{{"tmpfs", tmpfs}, {"other", outcome_of(::mount("nsm-fs", target.c_str(), fs.c_str(), 0, nullptr))}};
  });
  EXPECT_EQ(r["tmpfs"], "ok") << "tmpfs carries FS_USERNS_MOUNT: the namespace's root may mount it";
  EXPECT_EQ(r["other"], "EPERM") << fs << " has no FS_USERNS_MOUNT: only the host's root may mount it";
}

NSM_CHECK(
    UserBoundary, EveryLockedMountFlagStaysLocked,
    {.id = "mnt.userns.all-flags-locked",
     .kind = CheckKind::Guarantee,
     .type = kMnt,
     .title = "in a new user namespace, an inherited mount's nosuid, nodev, noexec and atime flags cannot be cleared "
              "(EPERM), only kept",
     .needs = {.namespaces = {kMnt, kUser}},
     .refs = {"CVE-2014-5206", "CVE-2014-5207"}}) {
  constexpr unsigned long kAll = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME;
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string locked = enter_sandbox() + "/locked";
    must_mkdir(locked);
    must_mount("nsm-locked", locked.c_str(), "tmpfs", kAll, "size=1m");
    ChildSpec spec(CLONE_NEWUSER | CLONE_NEWNS);
    spec.id_map = IdMap::root_is(0, 0);
    return in_child(spec, [locked] {
      json out;
      const auto remount = [&](unsigned long flags) {
        return outcome_of(::mount(nullptr, locked.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr));
      };
      out["clear_nosuid"] = remount(kAll & ~MS_NOSUID);
      out["clear_nodev"] = remount(kAll & ~MS_NODEV);
      out["clear_noexec"] = remount(kAll & ~MS_NOEXEC);
      out["noatime_to_strictatime"] = remount((kAll & ~MS_NOATIME) | MS_STRICTATIME);
      out["keep_all"] = remount(kAll);
      return out;
    });
  });
  for (const char* change : {"clear_nosuid", "clear_nodev", "clear_noexec", "noatime_to_strictatime"})
    EXPECT_EQ(r[change], "EPERM") << change << " on a mount locked by the user namespace boundary";
  EXPECT_EQ(r["keep_all"], "ok") << "a remount that keeps every locked flag is allowed";
}
