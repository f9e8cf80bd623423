#include "conformance/harness/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/proc.h"

namespace nsm::conformance {

namespace {

bool has_word(const std::string& text, std::string_view word, char separator) {
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, separator))
    if (trim(item) == word) return true;
  return false;
}

bool has_controller(const std::string& file, std::string_view controller) {
  auto text = read_file(file);
  return text && has_word(trim(*text), controller, ' ');
}

// The v1 hierarchy carrying `controller`: its mount point, and the caller's path in it.
std::optional<std::pair<std::string, std::string>> v1_hierarchy(std::string_view controller) {
  std::optional<std::string> mount_point;
  for (const auto& m : read_mountinfo())
    if (m.fstype == "cgroup" && has_word(m.super_options, controller, ',')) mount_point = m.mount_point;
  if (!mount_point) return std::nullopt;
  std::istringstream lines(must_read_file("/proc/self/cgroup"));
  std::string line;
  while (std::getline(lines, line)) {
    // "4:memory:/process_api/77f2"
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    if (has_word(line.substr(first + 1, second - first - 1), controller, ','))
      return std::make_pair(*mount_point, line.substr(second + 1));
  }
  return std::nullopt;
}

std::string join(const std::string& directory, const std::string& path) {
  return path == "/" ? directory : directory + path;
}

}  // namespace

std::optional<std::string> cgroup2_mount_point() {
  std::optional<std::string> found;
  for (const auto& m : read_mountinfo())
    if (m.fstype == "cgroup2" && !found) found = m.mount_point;
  return found;
}

std::optional<std::string> own_cgroup2_path() {
  std::istringstream lines(must_read_file("/proc/self/cgroup"));
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with("0::")) return line.substr(3);
  return std::nullopt;
}

ScopedCgroup::ScopedCgroup(std::string directory, std::string path, std::string hierarchy, Janitor janitor)
    : directory_(std::move(directory)),
      path_(std::move(path)),
      hierarchy_(std::move(hierarchy)),
      janitor_(std::move(janitor)) {}

ScopedCgroup ScopedCgroup::make_below(const std::string& parent_directory, const std::string& parent_path,
                                      std::string hierarchy) {
  static int counter = 0;
  // The pid namespace's inode beside the pid: `nsmatrix clean` judges the owner alive only
  // where the pid means this process (conformance/driver/residue.h).
  const std::string name = fmt::format("nsm-{}-{}-p{}", ::getpid(), ++counter, ns_inode(0, "pid").value_or(0));
  const std::string directory = parent_directory + "/" + name;
  const std::string path = (parent_path == "/" ? "" : parent_path) + "/" + name;
  Janitor janitor = Janitor::start();
  // Registered before it exists, so that no moment leaves it unguarded.
  janitor.rmdir_on_death(directory);
  if (::mkdir(directory.c_str(), 0755) != 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM || err == EROFS)
      skip_check(fmt::format("cannot create a cgroup here: mkdir({}): {}", directory, errno_name(err)));
    throw Broken(SysError(fmt::format("mkdir({})", directory), err).what());
  }
  return ScopedCgroup(directory, path, std::move(hierarchy), std::move(janitor));
}

ScopedCgroup ScopedCgroup::create_v2() {
  auto mount_point = cgroup2_mount_point();
  auto own = own_cgroup2_path();
  if (!mount_point || !own) skip_check("no cgroup2 (unified) hierarchy is mounted");
  return make_below(join(*mount_point, *own), *own, "v2");
}

ScopedCgroup ScopedCgroup::with_memory_limit(uint64_t limit_bytes) {
  auto mount_point = cgroup2_mount_point();
  auto own = own_cgroup2_path();
  if (mount_point && own) {
    const std::string parent = join(*mount_point, *own);
    // In a guest the suite may enable the controller for its children; on a host it would
    // change the host's cgroup tree, so it only uses what is already enabled.
    if (!has_controller(parent + "/cgroup.subtree_control", "memory") && is_guest() && *own == "/" &&
        has_controller(parent + "/cgroup.controllers", "memory"))
      write_file(parent + "/cgroup.subtree_control", "+memory");
    if (has_controller(parent + "/cgroup.subtree_control", "memory")) {
      ScopedCgroup cg = make_below(parent, *own, "v2");
      write_file(cg.directory() + "/memory.max", std::to_string(limit_bytes));
      return cg;
    }
  }
  if (auto v1 = v1_hierarchy("memory")) {
    ScopedCgroup cg = make_below(join(v1->first, v1->second), v1->second, "v1 memory");
    write_file(cg.directory() + "/memory.limit_in_bytes", std::to_string(limit_bytes));
    return cg;
  }
  skip_check("no cgroup hierarchy offers the memory controller below this process's cgroup");
}

void ScopedCgroup::add(pid_t pid) const { write_file(directory_ + "/cgroup.procs", std::to_string(pid)); }

ScopedCgroup::~ScopedCgroup() {
  if (directory_.empty()) return;
  // The check's children are reaped by now; the kernel may still be finishing their exit.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (::rmdir(directory_.c_str()) == 0 || errno != EBUSY) break;
    ::usleep(1000u << std::min(attempt, 8));
  }
  if (::access(directory_.c_str(), F_OK) != 0) {
    janitor_.dismiss();
  } else {
    janitor_.undo_now();  // it retries longer; the check's verdict is already recorded
  }
}

}  // namespace nsm::conformance
