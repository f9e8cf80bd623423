#include "conformance/harness/nsfs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ns_types.h"
#include "core/proc.h"

namespace nsm::conformance {

namespace {
std::string ns_path(pid_t pid, std::string_view entry) {
  return pid == 0 ? fmt::format("/proc/self/ns/{}", entry) : fmt::format("/proc/{}/ns/{}", pid, entry);
}
}  // namespace

nlohmann::json namespace_inodes(pid_t pid) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& info : ns_types()) {
    auto inode = ns_inode(pid, info.proc_name);
    out[std::string(info.name)] = inode ? nlohmann::json(static_cast<uint64_t>(*inode)) : nlohmann::json(nullptr);
  }
  return out;
}

ino_t must_ns_inode(pid_t pid, std::string_view entry) {
  struct stat st {};
  const std::string path = ns_path(pid, entry);
  if (::stat(path.c_str(), &st) != 0) throw_sys(fmt::format("stat({})", path));
  return st.st_ino;
}

UniqueFd open_ns(pid_t pid, std::string_view entry) {
  const std::string path = ns_path(pid, entry);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", path));
  return fd;
}

ino_t fd_inode(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_sys("fstat(nsfs)");
  return st.st_ino;
}

}  // namespace nsm::conformance
