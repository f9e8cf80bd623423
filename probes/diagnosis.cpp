#include "probes/diagnosis.h"

#include <linux/capability.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/proc.h"

namespace nsm {

std::string unprivileged_userns_policy() {
  if (auto v = read_sysctl("kernel.unprivileged_userns_clone"); v && *v == "0")
    return "kernel.unprivileged_userns_clone=0";
  if (auto v = read_sysctl("user.max_user_namespaces"); v && *v == "0") return "user.max_user_namespaces=0";
  if (auto v = read_sysctl("kernel.apparmor_restrict_unprivileged_userns"); v && *v == "1")
    return "kernel.apparmor_restrict_unprivileged_userns=1";
  if (auto status = read_file("/proc/self/status"); status && status->find("Seccomp:\t2") != std::string::npos)
    return "a seccomp filter on this process";
  return "";
}

std::string namespace_limit_policy(NsType type) {
  // The sysctls are named after the table's names: user.max_mnt_namespaces, ...
  const std::string name = fmt::format("user.max_{}_namespaces", ns_info(type).name);
  if (auto v = read_sysctl(name); v && *v == "0") return name + "=0";
  return "";
}

std::string diagnose_namespace_errno(int err, NsType type, bool rootless) {
  const NsTypeInfo& info = ns_info(type);
  switch (err) {
    case EINVAL: {
      std::string config = info.kconfig.empty() ? std::string() : fmt::format("{} off", info.kconfig);
      return fmt::format("the kernel does not know {}: not built in{} or older than {}", info.clone_flag_name,
                         config.empty() ? "" : " (" + config + ")", info.first_version);
    }
    case ENOSYS:
      return "system call missing (a kernel without it, or a seccomp filter returning ENOSYS)";
    case ENOSPC: {
      const std::string limit = namespace_limit_policy(type);
      if (!limit.empty()) return fmt::format("namespace limit: {}", limit);
      return fmt::format("namespace limit reached (user.max_{}_namespaces, or 32 levels of nesting)", info.name);
    }
    case EUSERS:
      return "nesting limit reached (32 levels of user namespaces)";
    case EPERM: {
      if (rootless && type == NsType::User) {
        const std::string policy = unprivileged_userns_policy();
        if (!policy.empty()) return fmt::format("unprivileged user namespaces disabled by {}", policy);
        return "unprivileged user namespaces denied (LSM, seccomp or a distribution patch)";
      }
      if (!rootless && !has_effective_capability(CAP_SYS_ADMIN)) return "denied: the caller lacks CAP_SYS_ADMIN";
      const std::string limit = namespace_limit_policy(type);
      if (!limit.empty()) return fmt::format("denied by {}", limit);
      return "denied by policy (capability, seccomp filter or LSM)";
    }
    case EACCES:
      return "denied by a security module (AppArmor, SELinux) or by file permissions";
    case ENOMEM:
      return "out of memory, or the PID namespace nesting limit";
    default:
      return "unexpected error";
  }
}

Verdict verdict_for_errno(int err) {
  // Policy is blamed only on the errnos policy gives: a permission refused (EPERM, EACCES)
  // or a limit reached (ENOSPC, EUSERS). Anything else (EINVAL, ENOSYS, ENOMEM, an errno
  // nobody expects) means the type cannot be had here, and the reason names the errno.
  switch (err) {
    case EPERM:
    case EACCES:
    case ENOSPC:
    case EUSERS:
      return Verdict::Restricted;
    default:
      return Verdict::Unsupported;
  }
}

}  // namespace nsm
