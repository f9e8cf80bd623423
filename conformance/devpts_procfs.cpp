// devpts and procfs instances (kselftests filesystems/devpts_pts, proc-multiple-procfs,
// proc-pidns): a container's new devpts instance holds only its own ptys; since 5.8 every
// procfs mount is an instance with its own hidepid= and subset=pid; and a proc mount shows
// the PID namespace of whoever mounted it, not of whoever reads it.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

bool listed(const json& names, const std::string& name) {
  return std::find(names.begin(), names.end(), json(name)) != names.end();
}

// In a child: a child of its own that drops to uid/gid 65534 and lists `dir`; its listing.
json list_as_nobody(const std::string& dir) {
  return in_child(ChildSpec(0), [&dir] {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
      throw_sys("setresuid(65534)");
    return json(list_directory(dir));
  });
}

}  // namespace

NSM_CHECK(
    DevptsInstance, NewInstanceHoldsOnlyItsOwnPtys,
    {.id = "mnt.devpts.new-instance-own-ptys",
     .kind = CheckKind::Guarantee,
     .type = NsType::Mnt,
     .title = "a new devpts instance in a container lists only the ptys opened through its own ptmx, not the host's",
     .needs = {.namespaces = {NsType::Mnt}},
     .refs = {"kselftest filesystems/devpts_pts"}}) {
  // A pty of the host's, open while the container looks.
  UniqueFd host_master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!host_master) skip_check("the host has no pty to open (/dev/ptmx: " + errno_name(errno) + ")");
  int host_index = -1;
  if (::ioctl(host_master.get(), TIOCGPTN, &host_index) != 0) throw_sys("ioctl(TIOCGPTN) on the host's pty");
  const json inside = in_child(container(CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox() + "/pts";
    must_mkdir(dir);
    must_mount("nsm-devpts", dir.c_str(), "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    const json empty = list_directory(dir);
    UniqueFd master(::open((dir + "/ptmx").c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) throw_sys("open(" + dir + "/ptmx)");
    int index = -1;
    if (::ioctl(master.get(), TIOCGPTN, &index) != 0) throw_sys("ioctl(TIOCGPTN)");
    if (::unlockpt(master.get()) != 0) throw_sys("unlockpt");
    return json{{"fresh", empty}, {"index", index}, {"with_own", list_directory(dir)}};
  });
  const json host_after = list_directory("/dev/pts");
  EXPECT_EQ(inside["fresh"], json::array({"ptmx"})) << "a new instance starts with only its ptmx";
  EXPECT_EQ(inside["index"], 0) << "its first pty is number 0, whatever the host has open";
  EXPECT_EQ(inside["with_own"], json::array({"0", "ptmx"}))
      << "after opening one: only that pty (the host's is " << host_index << ")";
  EXPECT_TRUE(listed(host_after, std::to_string(host_index))) << "the host's instance still holds its own pty";
}

NSM_CHECK(ProcfsInstance, HidepidIsPerMount,
          {.id = "pid.procfs.hidepid-per-mount",
           .kind = CheckKind::Guarantee,
           .type = NsType::Pid,
           .title = "two procfs mounts of one PID namespace keep their own hidepid=: uid 65534 sees root's processes "
                    "in one and not the other",
           .needs = {.namespaces = {NsType::Pid, NsType::Mnt}, .min_kernel = "5.8", .root = true},
           .refs = {"kselftest proc/proc-multiple-procfs",
                    "proc: allow to mount many instances of proc in one pid namespace (5.8)"}}) {
  const json r = in_child(ChildSpec(CLONE_NEWPID | CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox();
    const std::string hidden = dir + "/hidden", open_view = dir + "/open";
    must_mkdir(hidden);
    must_mkdir(open_view);
    must_mount("proc", hidden.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2");
    must_mount("proc", open_view.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=0");
    return json{{"getpid", ::getpid()}, {"hidden", list_as_nobody(hidden)}, {"open", list_as_nobody(open_view)}};
  });
  ASSERT_EQ(r["getpid"], 1) << "the mounter is its PID namespace's init, owned by root";
  EXPECT_FALSE(listed(r["hidden"], "1")) << "with hidepid=2, uid 65534 must not see root's pid 1";
  EXPECT_TRUE(listed(r["open"], "1")) << "the other mount, hidepid=0, shows it";
}

NSM_CHECK(ProcfsInstance, SubsetPidShowsOnlyProcesses,
          {.id = "pid.procfs.subset-pid",
           .kind = CheckKind::Guarantee,
           .type = NsType::Pid,
           .title = "a procfs mounted with subset=pid holds only the processes (no meminfo, no sys), while another "
                    "mount keeps them",
           .needs = {.namespaces = {NsType::Pid, NsType::Mnt}, .min_kernel = "5.8"},
           .refs = {"kselftest proc/proc-fsconfig-hidepid", "proc: add option to mount only a pids subset (5.8)"}}) {
  const json r = in_child(container(CLONE_NEWPID | CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox() + "/pids";
    must_mkdir(dir);
    must_mount("proc", dir.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "subset=pid");
    return json{{"subset", list_directory(dir)}, {"full_has_meminfo", ::access("/proc/meminfo", F_OK) == 0}};
  });
  EXPECT_TRUE(listed(r["subset"], "1")) << "the processes are there: " << r["subset"];
  EXPECT_TRUE(listed(r["subset"], "self")) << r["subset"];
  EXPECT_FALSE(listed(r["subset"], "meminfo")) << "subset=pid leaves out the rest";
  EXPECT_FALSE(listed(r["subset"], "sys")) << "and /proc/sys";
  EXPECT_EQ(r["full_has_meminfo"], true) << "the other procfs keeps everything";
}

NSM_CHECK(ProcfsInstance, MountShowsTheMountersPidNamespace,
          {.id = "pid.procfs.mounters-namespace",
           .kind = CheckKind::Guarantee,
           .type = NsType::Pid,
           .title = "a procfs mount shows the PID namespace of its mounter: a reader from the host, looking at it "
                    "through the mounter's root, sees its pid 1 and has no /proc/self there",
           .needs = {.namespaces = {NsType::Pid, NsType::Mnt}, .root = true},
           .refs = {"kselftest proc/proc-pidns"}}) {
  Peer init = Peer::spawn(ChildSpec(CLONE_NEWPID | CLONE_NEWNS), [](Link& link) {
    set_propagation("/", MS_PRIVATE, true);
    remount_proc();
    link.send({{"getpid", ::getpid()}});
    link.recv();
  });
  const json hello = init.recv();
  const pid_t init_pid = init.pid();
  // The reader stays in the host's namespaces and looks through the mounter's root at its
  // /proc: the same procfs instance, read by a process outside its PID namespace.
  const std::string there = fmt::format("/proc/{}/root/proc", init_pid);
  UniqueFd dir(::open(there.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throw_sys("open(" + there + ")");
  char self[32] = {};
  const ssize_t n = ::readlinkat(dir.get(), "self", self, sizeof self - 1);
  const json seen{{"self", n < 0 ? errno_name(errno) : std::string(self, static_cast<size_t>(n))},
                  {"entries", list_directory(there)},
                  {"host_proc_has_init", ::access(fmt::format("/proc/{}", init_pid).c_str(), F_OK) == 0}};
  init.send("done");
  init.finish();
  ASSERT_EQ(hello["getpid"], 1);
  EXPECT_TRUE(listed(seen["entries"], "1")) << "the mounter's namespace numbers its init 1";
  EXPECT_FALSE(listed(seen["entries"], std::to_string(init_pid))) << "host pids do not appear in it";
  EXPECT_EQ(seen["self"], "ENOENT") << "the reader, outside that PID namespace, has no /proc/self there";
  EXPECT_EQ(seen["host_proc_has_init"], true) << "the host's own /proc numbers it in the host's namespace";
}
