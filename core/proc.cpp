#include "core/proc.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm {

std::optional<std::string> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string must_read_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) throw_sys(fmt::format("read({})", path));
  return *text;
}

void write_file(const std::string& path, std::string_view text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({}, O_WRONLY)", path));
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_sys(fmt::format("write({})", path));
}

std::optional<ino_t> ns_inode(pid_t pid, std::string_view proc_name) {
  const std::string path =
      pid == 0 ? fmt::format("/proc/self/ns/{}", proc_name) : fmt::format("/proc/{}/ns/{}", pid, proc_name);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_ino;
}

std::string sysctl_path(std::string_view name) {
  std::string path = "/proc/sys/";
  for (char c : name) path += (c == '.') ? '/' : c;
  return path;
}

std::optional<std::string> read_sysctl(std::string_view name) {
  auto text = read_file(sysctl_path(name));
  if (!text) return std::nullopt;
  return trim(*text);
}

bool is_guest() {
  static const bool guest = [] {
    auto cmdline = read_file("/proc/cmdline");
    if (!cmdline) return false;
    // A whole word: "nsmatrix.guest=1" and nothing longer.
    for (size_t at = cmdline->find("nsmatrix.guest=1"); at != std::string::npos;
         at = cmdline->find("nsmatrix.guest=1", at + 1)) {
      const size_t end = at + 16;
      const bool starts = at == 0 || (*cmdline)[at - 1] == ' ';
      const bool ends = end == cmdline->size() || (*cmdline)[end] == ' ' || (*cmdline)[end] == '\n';
      if (starts && ends) return true;
    }
    return false;
  }();
  return guest;
}

bool has_effective_capability(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  const int word = cap / 32;
  if (word > 1) return false;
  return data[word].effective & (1u << (cap % 32));
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::string own_bin_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw SysError("readlink(/proc/self/exe)", ec.value());
  return exe.parent_path().string();
}

}  // namespace nsm
