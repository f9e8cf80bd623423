#include "conformance/harness/mounts.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/apart.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"

namespace nsm::conformance {

namespace {
// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string_view digits = s.substr(i + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string flag_name(unsigned long type) {
  switch (type) {
    case MS_PRIVATE:
      return "MS_PRIVATE";
    case MS_SHARED:
      return "MS_SHARED";
    case MS_SLAVE:
      return "MS_SLAVE";
    case MS_UNBINDABLE:
      return "MS_UNBINDABLE";
    default:
      return fmt::format("{:#x}", type);
  }
}
}  // namespace

bool MountEntry::has_tag_prefix(std::string_view prefix) const {
  return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) { return t.starts_with(prefix); });
}

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    MountEntry m;
    std::string major_minor, root, point, tag;
    if (!(fields >> m.id >> m.parent >> major_minor >> root >> point >> m.options)) continue;
    while (fields >> tag && tag != "-") m.tags.push_back(tag);
    std::string source;
    fields >> m.fstype >> source >> m.super_options;
    m.root = unescape(root);
    m.mount_point = unescape(point);
    m.source = unescape(source);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<MountEntry> read_mountinfo(const std::string& path) { return parse_mountinfo(must_read_file(path)); }

std::optional<MountEntry> find_mount(const std::vector<MountEntry>& mounts, std::string_view mount_point) {
  std::optional<MountEntry> top;
  for (const auto& m : mounts)
    if (m.mount_point == mount_point) top = m;  // later lines are mounted on top
  return top;
}

bool is_mount_point(std::string_view mount_point) { return find_mount(read_mountinfo(), mount_point).has_value(); }

void must_mount(const char* source, const char* target, const char* fstype, unsigned long flags, const char* data) {
  require_apart_from_suite(NsType::Mnt, fmt::format("mount {}", target));
  if (::mount(source, target, fstype, flags, data) != 0)
    throw_sys(
        fmt::format("mount({}, {}, {}, {:#x})", source ? source : "NULL", target, fstype ? fstype : "NULL", flags));
}

void set_propagation(const char* target, unsigned long type, bool recursive) {
  require_apart_from_suite(NsType::Mnt, fmt::format("change the propagation of {}", target));
  if (::mount(nullptr, target, nullptr, type | (recursive ? MS_REC : 0), nullptr) != 0)
    throw_sys(fmt::format("mount({}, {}{})", target, recursive ? "MS_REC|" : "", flag_name(type)));
}

void must_mkdir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_sys(fmt::format("mkdir({})", path));
}

std::string enter_sandbox() {
  set_propagation("/", MS_PRIVATE, true);
  must_mount("nsm-sandbox", "/tmp", "tmpfs", 0, "mode=0755,size=4m");
  return "/tmp";
}

void remount_proc() { must_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC); }

void remount_sys(bool writable) {
  must_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (writable ? 0 : MS_RDONLY));
}

std::vector<std::string> list_directory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) throw_sys(fmt::format("opendir({})", path));
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace nsm::conformance
