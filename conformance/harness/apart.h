// Verify before act, at the act: every helper that changes namespaced state (a hostname, a
// mount, a sysctl, a link) calls require_apart_from_suite first, and so does a check before
// such a change of its own. No GoogleTest here: the mount helpers use it too.
#pragma once

#include <string_view>

#include "core/ns_types.h"

namespace nsm::conformance {

// Throws KernelFault when the calling process is still in the suite's own `type` namespace
// (as the suite process saw it at start, before any child was made): the kernel said it
// gave a new namespace and did not, and the act would reach the host. `act` names it for
// the message. A type the kernel lacks passes (there is nothing to share).
void require_apart_from_suite(NsType type, std::string_view act);

}  // namespace nsm::conformance
