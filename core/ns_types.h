// The eight namespace types, as data. Probes, conformance skips, benchmarks and the report
// all read this table; nobody retypes a flag, a Kconfig symbol or a first version.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "core/kernel_version.h"

namespace nsm {

enum class NsType { Cgroup, Ipc, Net, Mnt, Pid, Time, User, Uts };

struct NsTypeInfo {
  NsType type;
  std::string_view name;             // "net": the id used in check ids, JSON and the CLI
  int clone_flag;                    // CLONE_NEWNET
  std::string_view clone_flag_name;  // "CLONE_NEWNET"
  std::string_view proc_name;        // the entry in /proc/PID/ns ("mnt", "net", ...)
  std::string_view kconfig;          // "CONFIG_NET_NS"; empty for mnt (always built in);
                                     // cgroup namespaces come with CONFIG_CGROUPS
  std::string_view first_version;    // the kernel that introduced it, "2.6.24"
  std::string_view isolates;         // what it isolates, in namespaces(7)'s words
  std::string_view man_page;         // "network_namespaces(7)"

  KernelVersion first_kernel() const { return KernelVersion::must_parse(first_version); }
};

// In namespaces(7)'s order: cgroup, ipc, net, mnt, pid, time, user, uts.
const std::array<NsTypeInfo, 8>& ns_types();
const NsTypeInfo& ns_info(NsType type);
std::string_view ns_name(NsType type);
std::optional<NsType> ns_type_from_name(std::string_view name);
// "CLONE_NEWNET|CLONE_NEWUTS" for a set of flags (unknown bits in hex).
std::string clone_flags_name(int flags);

}  // namespace nsm
