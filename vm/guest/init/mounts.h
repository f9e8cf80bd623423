// The file systems PID 1 mounts before anything else runs. Only in the guest: the host's
// suite never mounts outside private mount namespaces.
#pragma once

#include <nlohmann/json.hpp>

namespace nsm::vm::init {

// Mounts proc, sysfs, devtmpfs (+ devpts, shm, mqueue), tmpfs on /tmp and /run, and cgroup2
// on /sys/fs/cgroup. Returns one record per mount: {"target", "type", "ok", "error"}.
// Throws nsm::SysError only when proc, sys or dev fail: nothing works without them.
nlohmann::json mount_basics();

}  // namespace nsm::vm::init
