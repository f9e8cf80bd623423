// A real attempt to create a namespace, in a throwaway child: as the caller (root), and
// rootless (an unprivileged uid creating its own user namespace first, as rootless podman
// and bwrap do). The attempt is the kernel's own answer; Kconfig and versions are hints.
//
// Observe, never believe: a call that returned 0 is not yet a namespace. The child compares
// its /proc/thread-self/ns entry (pid_for_children / time_for_children for pid and time)
// before and after the unshare, then setns back into the namespace it held open before the
// call and checks that it really moved. Either comparison failing makes the attempt faulty:
// the kernel said yes and did not, with both identities as evidence.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/ns_id.h"
#include "core/ns_types.h"

namespace nsm {

// The uid/gid a rootless attempt runs as when the caller is root ("nobody").
inline constexpr uid_t kRootlessUid = 65534;
inline constexpr gid_t kRootlessGid = 65534;

struct Attempt {
  bool tried = false;
  std::string not_tried;  // why not, when !tried
  bool ok = false;
  std::string call;          // the call that decided: "unshare(CLONE_NEWTIME)", or the failing step
  int err = 0;               // its errno when !ok (0: the child died without answering)
  std::string meaning;       // diagnosis of err, or how the child ended
  std::optional<uid_t> uid;  // rootless: the uid outside

  // The identities behind ok (none when !ok). before/after: the entry the unshare changes;
  // after is nullopt for a new, still empty pid namespace (its entry exists only once it
  // has a process). setns: back into `before`, through the fd held before the unshare, or
  // for user (which cannot be re-entered from a child one) into setns_target, a helper
  // process's new user namespace; setns_after is what the caller was in then. Rootless, the
  // setns is not tried (setns_note says so).
  std::string entry;
  std::optional<NsId> before, after, setns_target, setns_after;
  std::string setns_call, setns_note;
  bool unproven = false;  // ok, but the kernel has no nsfs entry to compare (faulty too)
  bool faulty = false;    // ok, yet an identity shows the call did not do its job
  std::string fault;      // the evidence, in words

  nlohmann::json to_json() const;
};

// Sets faulty and fault from the identities of an ok attempt (the child's observations).
void judge_identities(Attempt& a, NsType type);

// unshare(flag) in a child, as the caller.
Attempt attempt_namespace(NsType type);
// In a child: drop to kRootlessUid when root, unshare(CLONE_NEWUSER), write the id maps,
// then unshare(flag) (for user: just that).
Attempt attempt_namespace_rootless(NsType type);

}  // namespace nsm
