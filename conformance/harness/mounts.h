// Mount helpers for children that own a mount namespace. Nothing here is ever called in
// the test process: every mount happens in a child's private namespace and dies with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::conformance {

// One line of /proc/PID/mountinfo (proc(5)), with octal escapes decoded.
struct MountEntry {
  int id = 0;
  int parent = 0;
  std::string root;  // the path inside the filesystem that is mounted
  std::string mount_point;
  std::string options;            // per-mount options ("rw,relatime")
  std::vector<std::string> tags;  // optional fields: "shared:5", "master:3", "unbindable"
  std::string fstype;
  std::string source;
  std::string super_options;

  bool shared() const { return has_tag_prefix("shared:"); }
  bool slave() const { return has_tag_prefix("master:"); }
  bool has_tag_prefix(std::string_view prefix) const;
};

std::vector<MountEntry> parse_mountinfo(std::string_view text);
// /proc/self/mountinfo (or another process's). Throws SysError.
std::vector<MountEntry> read_mountinfo(const std::string& path = "/proc/self/mountinfo");
// The topmost mount at `mount_point`, if any.
std::optional<MountEntry> find_mount(const std::vector<MountEntry>& mounts, std::string_view mount_point);
bool is_mount_point(std::string_view mount_point);

// mount(2) that throws SysError naming the call.
void must_mount(const char* source, const char* target, const char* fstype, unsigned long flags,
                const char* data = nullptr);
// Changes the propagation type (MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE).
void set_propagation(const char* target, unsigned long type, bool recursive = false);
void must_mkdir(const std::string& path);

// In a child with its own mount namespace: "/" made recursively private (so nothing it does
// propagates anywhere) and a fresh tmpfs, source "nsm-sandbox", at /tmp. Returns "/tmp".
std::string enter_sandbox();

// A fresh procfs at /proc, as a container runtime mounts it (needs the child's own mount
// namespace; shows the processes of the child's PID namespace).
void remount_proc();
// A fresh sysfs at /sys (shows the devices of the child's network namespace), read-only as a
// runtime mounts it; `writable` as a privileged container's (docker --privileged) is.
void remount_sys(bool writable = false);

// The names in a directory, sorted, without "." and "..". Throws SysError.
std::vector<std::string> list_directory(const std::string& path);

}  // namespace nsm::conformance
