// Namespace identity, and the system calls that change namespaces, verified.
//
// "Observe, never believe": a namespace operation that returned success is not evidence
// that it did its job. Every namespace a process is in is an nsfs file, /proc/PID/ns/ENTRY,
// whose (st_dev, st_ino) identifies it. These helpers compare that identity before and after
// and throw KernelFault when the kernel said yes and did not: the caller must not go on to
// change anything (hostname, mounts, links, signals to PID 1) in a namespace it has not
// proven to be new.
//
// pid and time are special: unshare(2) and setns(2) change the namespace of the caller's
// future children (pid_for_children, time_for_children), not the caller's own; a child
// created by clone with CLONE_NEWPID/CLONE_NEWTIME is itself in the new namespace.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ns_types.h"

namespace nsm {

struct NsId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsId&) const = default;
};

// The /proc/PID/ns entry that unshare/setns of `type` changes for the caller:
// "pid_for_children" and "time_for_children" for pid and time, the type's own otherwise.
std::string_view entry_changed_by_unshare(NsType type);

// The namespace behind /proc/<proc>/ns/<entry>, where proc is "thread-self" or a pid
// number. nullopt when the entry does not exist (kernel without that type); throws SysError
// for any other failure.
std::optional<NsId> ns_id_at(std::string_view proc, std::string_view entry);
// The same, required: SysError naming the path when missing.
NsId must_ns_id_at(std::string_view proc, std::string_view entry);
// The namespace an nsfs fd refers to (fstat). Throws SysError.
NsId ns_id_of_fd(int fd);
// "net:[4026531840]", as readlink(2) on /proc/PID/ns shows it.
std::string ns_id_text(std::string_view entry, const NsId& id);

// The caller's (thread's) identity of every namespace type in `clone_flags`, as clone(2)
// sees them: the types' own entries. Taken by a parent before it spawns.
struct NsSnapshot {
  struct Entry {
    NsType type;
    std::string_view entry;
    std::optional<NsId> id;  // nullopt: the kernel has no such entry
  };
  std::vector<Entry> entries;
};
NsSnapshot snapshot_for_clone(int clone_flags);

// After clone(clone_flags) returned `child`, before the child may act: every type asked for
// must differ from the parent's snapshot. Throws KernelFault naming the type and the
// identity shared with the parent; `call` is the call that claimed success ("clone3").
void verify_child_namespaces(pid_t child, int clone_flags, const NsSnapshot& parent, std::string_view call);

// unshare(flags), then proof that every CLONE_NEW* type in flags changed for the caller
// (or its future children, for pid and time). Throws SysError when unshare fails (the errno
// is the kernel's answer), KernelFault when it succeeded without doing it.
void unshare_verified(int flags);

// setns(fd, nstype) with an nsfs fd, then proof that the caller (or its future children,
// for pid and time) is now in the namespace behind fd. `type` is the fd's type (nstype may
// be 0 in the call; the check needs the type). Throws SysError / KernelFault.
void setns_verified(int fd, NsType type, int nstype);
void setns_verified(int fd, NsType type);  // nstype = the type's CLONE_NEW* flag

// setns(pidfd, flags) (Linux 5.8), then proof, for each type in flags, that the caller is
// now in the namespace `target` had. `target` holds the target process's identities,
// taken before the call (snapshot_of_pid). Throws SysError / KernelFault.
NsSnapshot snapshot_of_pid(pid_t pid, int clone_flags);
void setns_pidfd_verified(int pidfd, int flags, const NsSnapshot& target);

}  // namespace nsm
