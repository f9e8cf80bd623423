#include "core/ns_types.h"

#include <sched.h>

#include <fmt/format.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsm {

namespace {
// Sources: namespaces(7) for what each isolates, the kernel's init/Kconfig for the symbols,
// and the kernel history for first versions (net was complete only in 2.6.29, but the flag
// and the first working version date from 2.6.24).
constexpr std::array<NsTypeInfo, 8> kTable{{
    {NsType::Cgroup, "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP", "cgroup", "CONFIG_CGROUPS", "4.6",
     "cgroup root directory", "cgroup_namespaces(7)"},
    {NsType::Ipc, "ipc", CLONE_NEWIPC, "CLONE_NEWIPC", "ipc", "CONFIG_IPC_NS", "2.6.19",
     "System V IPC, POSIX message queues", "ipc_namespaces(7)"},
    {NsType::Net, "net", CLONE_NEWNET, "CLONE_NEWNET", "net", "CONFIG_NET_NS", "2.6.24",
     "network devices, stacks, ports, etc.", "network_namespaces(7)"},
    {NsType::Mnt, "mnt", CLONE_NEWNS, "CLONE_NEWNS", "mnt", "", "2.4.19", "mount points", "mount_namespaces(7)"},
    {NsType::Pid, "pid", CLONE_NEWPID, "CLONE_NEWPID", "pid", "CONFIG_PID_NS", "2.6.24", "process IDs",
     "pid_namespaces(7)"},
    {NsType::Time, "time", CLONE_NEWTIME, "CLONE_NEWTIME", "time", "CONFIG_TIME_NS", "5.6", "boot and monotonic clocks",
     "time_namespaces(7)"},
    {NsType::User, "user", CLONE_NEWUSER, "CLONE_NEWUSER", "user", "CONFIG_USER_NS", "3.8", "user and group IDs",
     "user_namespaces(7)"},
    {NsType::Uts, "uts", CLONE_NEWUTS, "CLONE_NEWUTS", "uts", "CONFIG_UTS_NS", "2.6.19", "hostname and NIS domain name",
     "uts_namespaces(7)"},
}};
}  // namespace

const std::array<NsTypeInfo, 8>& ns_types() { return kTable; }

const NsTypeInfo& ns_info(NsType type) {
  for (const auto& info : kTable)
    if (info.type == type) return info;
  return kTable[0];  // unreachable: every enumerator is in the table (tested)
}

std::string_view ns_name(NsType type) { return ns_info(type).name; }

std::optional<NsType> ns_type_from_name(std::string_view name) {
  for (const auto& info : kTable)
    if (info.name == name) return info.type;
  return std::nullopt;
}

std::string clone_flags_name(int flags) {
  std::string out;
  for (const auto& info : kTable) {
    if (flags & info.clone_flag) {
      if (!out.empty()) out += '|';
      out += info.clone_flag_name;
      flags &= ~info.clone_flag;
    }
  }
  if (flags == 0 && out.empty()) return "0";
  if (flags != 0) {
    if (!out.empty()) out += '|';
    out += fmt::format("{:#x}", static_cast<unsigned>(flags));
  }
  return out;
}

}  // namespace nsm
