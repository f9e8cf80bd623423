// Cgroups for checks that need one of their own (a memory limit, a subtree to hide).
// Created below the suite's own cgroup, named nsm-<pid>-<n>, removed when the scope ends
// and, if the suite is killed, by a Janitor.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "conformance/harness/janitor.h"

namespace nsm::conformance {

// Where the unified (v2) hierarchy is mounted, if it is ("/sys/fs/cgroup" or, on a hybrid
// host, "/sys/fs/cgroup/unified").
std::optional<std::string> cgroup2_mount_point();
// The calling process's cgroup in the v2 hierarchy ("/" or "/user.slice/..."), from the
// "0::" line of /proc/self/cgroup.
std::optional<std::string> own_cgroup2_path();

class ScopedCgroup {
 public:
  // A new v2 cgroup below the caller's. Skipped without a cgroup2 mount; Broken when it
  // cannot be created.
  static ScopedCgroup create_v2();
  // A new cgroup in the hierarchy with the memory controller (v2 where it is enabled for
  // the caller's children, else v1), limited to `limit_bytes`. Skipped when no hierarchy
  // offers the memory controller here.
  static ScopedCgroup with_memory_limit(uint64_t limit_bytes);

  ScopedCgroup(ScopedCgroup&& other) noexcept
      : directory_(std::exchange(other.directory_, {})),
        path_(std::move(other.path_)),
        hierarchy_(std::move(other.hierarchy_)),
        janitor_(std::move(other.janitor_)) {}
  ScopedCgroup& operator=(ScopedCgroup&&) = delete;
  ~ScopedCgroup();

  // The directory ("/sys/fs/cgroup/unified/nsm-123-1").
  const std::string& directory() const { return directory_; }
  // The path in the hierarchy ("/nsm-123-1"), as /proc/PID/cgroup shows it from outside.
  const std::string& path() const { return path_; }
  // Which hierarchy: "v2" or "v1 memory".
  const std::string& hierarchy() const { return hierarchy_; }
  // Moves a process in (cgroup.procs). Throws SysError.
  void add(pid_t pid) const;

 private:
  ScopedCgroup(std::string directory, std::string path, std::string hierarchy, Janitor janitor);
  static ScopedCgroup make_below(const std::string& parent_directory, const std::string& parent_path,
                                 std::string hierarchy);
  std::string directory_;
  std::string path_;
  std::string hierarchy_;
  Janitor janitor_;
};

}  // namespace nsm::conformance
