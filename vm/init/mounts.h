// The file systems PID 1 mounts before anything else runs. Only in the guest: the host's
// suite never mounts outside private mount namespaces.
#pragma once

#include <nlohmann/json.hpp>

namespace nsm::vm::init {

// The initramfs is the kernel's initial rootfs, which pivot_root(2) refuses (EINVAL), so
// tests that pivot a container's root could not run. Bind-mounts / onto itself (a mount
// with a parent, no copying) and chroots into it, as switch_root does with MS_MOVE.
// Throws nsm::SysError naming the call.
void leave_rootfs();

// Where the guest mounts a cgroup v1 hierarchy of its own (no controllers, name=nsmatrix).
inline constexpr const char* kCgroupV1Dir = "/run/nsmatrix-cgroup-v1";

// Mounts proc, sysfs, devtmpfs (+ devpts, shm, mqueue), tmpfs on /tmp and /run, cgroup2 on
// /sys/fs/cgroup (with nsdelegate) and a cgroup v1 hierarchy on kCgroupV1Dir. Returns one
// record per mount: {"target", "type", "ok", "error"}.
// Throws nsm::SysError only when proc, sys or dev fail: nothing works without them.
nlohmann::json mount_basics();

}  // namespace nsm::vm::init
