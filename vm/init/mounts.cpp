#include "vm/init/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm::init {

void leave_rootfs() {
  ::mkdir("/.nsmroot", 0755);
  if (::mount("/", "/.nsmroot", nullptr, MS_BIND | MS_REC, nullptr) != 0) throw_sys("mount(/, /.nsmroot, MS_BIND)");
  if (::chdir("/.nsmroot") != 0) throw_sys("chdir(/.nsmroot)");
  if (::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0) throw_sys("mount(/.nsmroot, /, MS_MOVE)");
  if (::chroot(".") != 0) throw_sys("chroot(/.nsmroot)");
  if (::chdir("/") != 0) throw_sys("chdir(/)");
}

nlohmann::json mount_basics() {
  struct Mount {
    const char* source;
    const char* target;
    const char* type;
    unsigned long flags;
    const char* data;
    bool required;
  };
  static constexpr Mount kMounts[] = {
      {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true},
      {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true},
      {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", true},
      {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620", false},
      {"tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false},
      {"mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, false},
      {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false},
      {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", false},
      // nsdelegate, as systemd mounts it: cgroup namespaces are delegation boundaries.
      {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate", false},
      // A cgroup v1 hierarchy without controllers, for the release_agent checks.
      {"cgroup", kCgroupV1Dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, "none,name=nsmatrix", false},
  };
  nlohmann::json records = nlohmann::json::array();
  for (const Mount& m : kMounts) {
    ::mkdir(m.target, 0755);  // EEXIST is the normal case; mount() reports what matters
    const bool ok = ::mount(m.source, m.target, m.type, m.flags, m.data) == 0;
    const int err = errno;
    std::string error;
    if (!ok) error = SysError(fmt::format("mount({}, {})", m.type, m.target), err).what();
    records.push_back(
        {{"target", m.target}, {"type", m.type}, {"ok", ok}, {"error", ok ? nlohmann::json() : nlohmann::json(error)}});
    if (!ok && m.required) throw SysError(fmt::format("mount({}, {})", m.type, m.target), err);
  }
  return records;
}

}  // namespace nsm::vm::init
