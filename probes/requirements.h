// Turns a check's requirements into a skip reason, before its body runs (LTP's struct
// tst_test does this for C tests). Only what is asked is probed, once per process:
// a test that needs time namespaces costs one throwaway child, not a whole probe.
//
//   if (auto why = nsm::unmet_requirement(needs)) GTEST_SKIP() << *why;
//
// Reasons are complete sentences a reader of the report understands:
//   "time namespaces unsupported: CONFIG_TIME_NS is not set (/proc/config.gz)"
//   "needs root (euid 0 with CAP_SYS_ADMIN); running as uid 1000"
//   "rootless user namespaces restricted: kernel.unprivileged_userns_clone=0"
//   "guest-only: changes global state; runs only in a QEMU guest (nsmatrix.guest=1)"
#pragma once

#include <optional>
#include <string>

#include "core/checks.h"

namespace nsm {

// nullopt when every requirement is met; otherwise the reason for the first unmet one.
std::optional<std::string> unmet_requirement(const Requirements& needs);

}  // namespace nsm
