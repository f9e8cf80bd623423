// User-namespace id maps: /proc/PID/uid_map, /proc/PID/setgroups, /proc/PID/gid_map.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nsm {

struct IdRange {
  uint32_t inside;
  uint32_t outside;
  uint32_t count;
};

struct IdMap {
  std::vector<IdRange> uids;
  std::vector<IdRange> gids;
  // Write "deny" to setgroups before gid_map: required for an unprivileged writer
  // (user_namespaces(7), since 3.19), harmless for root.
  bool deny_setgroups = true;

  // One id: root inside is `uid`/`gid` outside (what an unprivileged user may write).
  static IdMap root_is(uid_t uid, gid_t gid);
  // Every id maps to itself (root outside keeps its powers over host-owned files).
  static IdMap identity();

  // "0 1000 1\n" lines as the kernel reads them.
  static std::string format(const std::vector<IdRange>& ranges);
};

// Writes uid_map, then setgroups (deny, when asked), then gid_map of `pid` ("self" when 0).
// Throws SysError naming the file, e.g. "write(/proc/123/uid_map): EPERM".
void write_id_maps(pid_t pid, const IdMap& map);

// Gives up root in the calling process: setgroups([]), setresgid, setresuid. For a child that
// must act as an unprivileged user (the rootless probes and tests). Throws SysError.
void become_unprivileged(uid_t uid, gid_t gid);

// Creates a user namespace from the calling process and maps root inside to the caller's
// own uid/gid outside: what an unprivileged user (rootless podman, bwrap) does first.
// Throws SysError: unshare(CLONE_NEWUSER) or the write of a map file that failed.
void enter_own_user_namespace();

}  // namespace nsm
