#include "runtimes/inside_parse.h"

#include <sys/sysmacros.h>

#include <array>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"

namespace nsm::runtimes {

namespace {

// capability(7)'s names, by bit number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE).
constexpr std::array<std::string_view, 41> kCapabilityNames = {"CAP_CHOWN",
                                                               "CAP_DAC_OVERRIDE",
                                                               "CAP_DAC_READ_SEARCH",
                                                               "CAP_FOWNER",
                                                               "CAP_FSETID",
                                                               "CAP_KILL",
                                                               "CAP_SETGID",
                                                               "CAP_SETUID",
                                                               "CAP_SETPCAP",
                                                               "CAP_LINUX_IMMUTABLE",
                                                               "CAP_NET_BIND_SERVICE",
                                                               "CAP_NET_BROADCAST",
                                                               "CAP_NET_ADMIN",
                                                               "CAP_NET_RAW",
                                                               "CAP_IPC_LOCK",
                                                               "CAP_IPC_OWNER",
                                                               "CAP_SYS_MODULE",
                                                               "CAP_SYS_RAWIO",
                                                               "CAP_SYS_CHROOT",
                                                               "CAP_SYS_PTRACE",
                                                               "CAP_SYS_PACCT",
                                                               "CAP_SYS_ADMIN",
                                                               "CAP_SYS_BOOT",
                                                               "CAP_SYS_NICE",
                                                               "CAP_SYS_RESOURCE",
                                                               "CAP_SYS_TIME",
                                                               "CAP_SYS_TTY_CONFIG",
                                                               "CAP_MKNOD",
                                                               "CAP_LEASE",
                                                               "CAP_AUDIT_WRITE",
                                                               "CAP_AUDIT_CONTROL",
                                                               "CAP_SETFCAP",
                                                               "CAP_MAC_OVERRIDE",
                                                               "CAP_MAC_ADMIN",
                                                               "CAP_SYSLOG",
                                                               "CAP_WAKE_ALARM",
                                                               "CAP_BLOCK_SUSPEND",
                                                               "CAP_AUDIT_READ",
                                                               "CAP_PERFMON",
                                                               "CAP_BPF",
                                                               "CAP_CHECKPOINT_RESTORE"};

// PROC_*_INIT_INO (include/linux/proc_ns.h; nsfs.h's init_ns_ino from 6.18).
struct InitialInode {
  NsType type;
  ino_t inode;
  std::string_view since;  // the first kernel where it is fixed for this type
};
constexpr std::array<InitialInode, 8> kInitialInodes = {{
    {NsType::Ipc, 0xEFFFFFFFU, "3.8"},
    {NsType::Uts, 0xEFFFFFFEU, "3.8"},
    {NsType::User, 0xEFFFFFFDU, "3.8"},
    {NsType::Pid, 0xEFFFFFFCU, "3.8"},
    {NsType::Cgroup, 0xEFFFFFFBU, "4.6"},
    {NsType::Time, 0xEFFFFFFAU, "5.6"},
    {NsType::Net, 0xEFFFFFF9U, "6.18"},
    {NsType::Mnt, 0xEFFFFFF8U, "6.18"},
}};

bool is_parent_or_same(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return true;
  if (!path.starts_with(mount_point)) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

bool has_option(const std::string& options, std::string_view option) {
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');)
    if (o == option) return true;
  return false;
}

}  // namespace

std::vector<std::string> capability_names(uint64_t mask) {
  std::vector<std::string> names;
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (!(mask & (uint64_t{1} << bit))) continue;
    names.push_back(bit < kCapabilityNames.size() ? std::string(kCapabilityNames[bit]) : fmt::format("CAP_{}", bit));
  }
  return names;
}

std::optional<std::string> status_field(std::string_view status, std::string_view field) {
  std::istringstream in{std::string(status)};
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) return trim(line.substr(prefix.size()));
  return std::nullopt;
}

std::vector<IdRange> parse_id_map(std::string_view text) {
  std::vector<IdRange> ranges;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (trim(line).empty()) continue;
    std::istringstream fields(line);
    IdRange r;
    std::string rest;
    if (!(fields >> r.inside >> r.outside >> r.count) || (fields >> rest))
      throw ToolError(fmt::format("an id map line is not three numbers: \"{}\"", line));
    ranges.push_back(r);
  }
  return ranges;
}

bool is_identity_map(const std::vector<IdRange>& ranges) {
  return ranges.size() == 1 && ranges[0] == IdRange{0, 0, 4294967295u};
}

std::optional<ino_t> initial_ns_inode(NsType type, const KernelVersion& kernel) {
  for (const auto& i : kInitialInodes)
    if (i.type == type)
      return kernel >= KernelVersion::must_parse(i.since) ? std::optional<ino_t>(i.inode) : std::nullopt;
  return std::nullopt;
}

std::string_view path_state_name(PathState state) {
  switch (state) {
    case PathState::Absent:
      return "absent";
    case PathState::Masked:
      return "masked";
    case PathState::ReadOnly:
      return "read-only";
    case PathState::Visible:
      return "visible";
  }
  return "?";
}

const conformance::MountEntry* covering_mount(const std::vector<conformance::MountEntry>& mounts,
                                              std::string_view path) {
  const conformance::MountEntry* found = nullptr;
  size_t best = 0;
  for (const auto& m : mounts) {
    if (!is_parent_or_same(m.mount_point, path)) continue;
    // The deepest mount point wins; of equal ones, the later (it is stacked on top).
    if (!found || m.mount_point.size() >= best) {
      found = &m;
      best = m.mount_point.size();
    }
  }
  return found;
}

PathState judge_path(std::string_view path, const PathStat& st, const std::vector<conformance::MountEntry>& mounts) {
  if (!st.exists) return PathState::Absent;
  const conformance::MountEntry* m = covering_mount(mounts, path);
  const bool on_own_mount = m && m->mount_point == path;
  if (st.char_device && st.rdev == makedev(1, 3) && path != "/dev/null") return PathState::Masked;
  if (on_own_mount && st.directory && st.empty_directory && m->fstype == "tmpfs" && has_option(m->options, "ro"))
    return PathState::Masked;
  if (m && has_option(m->options, "ro")) return PathState::ReadOnly;
  return PathState::Visible;
}

std::vector<CgroupLine> parse_proc_cgroup(std::string_view text) {
  std::vector<CgroupLine> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos)
      throw ToolError(fmt::format("a /proc/self/cgroup line is not ID:CONTROLLERS:PATH: \"{}\"", line));
    lines.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return lines;
}

}  // namespace nsm::runtimes
