// A real attempt to create a namespace, in a throwaway child: as the caller (root), and
// rootless (an unprivileged uid creating its own user namespace first, as rootless podman
// and bwrap do). The attempt is the kernel's own answer; Kconfig and versions are hints.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/ns_types.h"

namespace nsm {

// The uid/gid a rootless attempt runs as when the caller is root ("nobody").
inline constexpr uid_t kRootlessUid = 65534;
inline constexpr gid_t kRootlessGid = 65534;

struct Attempt {
  bool tried = false;
  std::string not_tried;   // why not, when !tried
  bool ok = false;
  std::string call;        // the call that decided: "unshare(CLONE_NEWTIME)", or the failing step
  int err = 0;             // its errno when !ok (0: the child died without answering)
  std::string meaning;     // diagnosis of err, or how the child ended
  std::optional<uid_t> uid;  // rootless: the uid outside

  nlohmann::json to_json() const;
};

// unshare(flag) in a child, as the caller.
Attempt attempt_namespace(NsType type);
// In a child: drop to kRootlessUid when root, unshare(CLONE_NEWUSER), write the id maps,
// then unshare(flag) (for user: just that).
Attempt attempt_namespace_rootless(NsType type);

}  // namespace nsm
