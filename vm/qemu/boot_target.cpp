#include "vm/qemu/boot_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"
#include "core/kernel_version.h"
#include "core/proc.h"
#include "core/unique_fd.h"

namespace nsm::vm {

namespace {

// The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst).
constexpr size_t kHeaderMagicAt = 0x202;     // "HdrS"
constexpr size_t kProtocolAt = 0x206;        // u16, >= 0x0200 for a bzImage
constexpr size_t kVersionPointerAt = 0x20e;  // u16, string at pointer + 0x200

}  // namespace

std::string bzimage_version_string(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw InputError(fmt::format("{}: {}", path, SysError("stat", errno).what()));
  if (!S_ISREG(st.st_mode)) throw InputError(fmt::format("{}: not a regular file", path));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw InputError(fmt::format("{}: {}", path, SysError("open", errno).what()));
  std::string head(0x10000, '\0');
  const ssize_t n = ::pread(fd.get(), head.data(), head.size(), 0);
  if (n < 0) throw InputError(fmt::format("{}: {}", path, SysError("pread", errno).what()));
  head.resize(static_cast<size_t>(n));
  if (head.size() < 0x260 || head.compare(kHeaderMagicAt, 4, "HdrS") != 0)
    throw NotBootableError(fmt::format("{}: not a bzImage (no \"HdrS\" boot header at 0x202)", path));
  auto u16 = [&](size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(head[at])) |
           (static_cast<unsigned>(static_cast<unsigned char>(head[at + 1])) << 8);
  };
  if (u16(kProtocolAt) < 0x0200)
    throw NotBootableError(fmt::format("{}: boot protocol {:#x} is older than 2.00", path, u16(kProtocolAt)));
  const size_t at = u16(kVersionPointerAt) + 0x200;
  if (u16(kVersionPointerAt) == 0 || at >= head.size())
    throw NotBootableError(fmt::format("{}: the boot header's version string lies outside the file", path));
  const size_t end = head.find('\0', at);
  std::string version = head.substr(at, end == std::string::npos ? std::string::npos : end - at);
  if (version.empty() || !KernelVersion::parse(version))
    throw NotBootableError(fmt::format("{}: the boot header's version string is not a kernel release", path));
  return version;
}

std::string id_from_path(const std::string& path) {
  std::string id = path.substr(path.rfind('/') + 1);
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' && c != '+') c = '_';
  if (id.empty() || id == "." || id == "..") id = "kernel";
  return id;
}

BootTarget target_from_image(const std::string& path) {
  const std::string version_string = bzimage_version_string(path);
  BootTarget target;
  target.id = id_from_path(path);
  target.image = path;
  target.release = version_string.substr(0, version_string.find(' '));
  // The split layout keeps a bare "vmlinuz" under /usr/lib/modules/RELEASE/: name it.
  if (target.id == "vmlinuz") target.id = id_from_path("vmlinuz-" + target.release);
  if (auto upstream = debian_upstream_version(version_string))
    target.version = upstream->numbers();
  else if (auto v = KernelVersion::parse(target.release))
    target.version = v->numbers();
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  const std::string config = fmt::format("{}/config-{}", dir, target.release);
  if (::access(config.c_str(), R_OK) == 0) target.config = config;
  target.source = {{"type", "file"}, {"path", path}};
  return target;
}

}  // namespace nsm::vm
