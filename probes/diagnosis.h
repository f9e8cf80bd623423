// Turns the errno of a namespace-creating call into a diagnosis and a verdict, at the call
// (bubblewrap does this well): EINVAL -> unsupported, EPERM -> policy, ENOSPC ->
// user.max_*_namespaces, ENOSYS -> syscall missing. The policy that explains an EPERM or an
// ENOSPC is looked up (sysctls, capabilities, seccomp) and named.
#pragma once

#include <string>

#include "core/ns_types.h"
#include "core/verdict.h"

namespace nsm {

// What the errno of creating `type` means: "the kernel does not know CLONE_NEWTIME: ...".
// `rootless` says whether an unprivileged user made the call inside its own user namespace.
std::string diagnose_namespace_errno(int err, NsType type, bool rootless);

// The verdict an errno implies: the errnos policy gives (EPERM, EACCES, ENOSPC, EUSERS)
// restricted, every other one unsupported.
Verdict verdict_for_errno(int err);

// The sysctl or process state that forbids unprivileged user namespaces, in words
// ("kernel.unprivileged_userns_clone=0"); empty when none of the known ones is set.
std::string unprivileged_userns_policy();

// "user.max_time_namespaces=0" when that limit is zero, else empty.
std::string namespace_limit_policy(NsType type);

}  // namespace nsm
