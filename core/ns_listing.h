// The kernel's newer ways to name and enumerate namespaces and mounts, which glibc does not
// wrap: listmount(2)/statmount(2) (6.8; another mount namespace by its id from 6.11),
// nsfs file handles (name_to_handle_at/open_by_handle_at on nsfs, 6.18) and listns(2)
// (6.19). Raw system calls with the uapi layouts; every failure is a SysError with the
// kernel's errno, so a caller tells "the kernel has no such call" (ENOSYS, EOPNOTSUPP) from
// a refusal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/unique_fd.h"

namespace nsm {

// Every mount of a mount namespace, by unique mount id (listmount from the root, all pages).
// mnt_ns_id 0 is the caller's own namespace.
std::vector<uint64_t> list_mounts(uint64_t mnt_ns_id = 0);

struct MountStatus {
  uint64_t mnt_id = 0;
  uint64_t mnt_ns_id = 0;  // 0 when the kernel did not answer STATMOUNT_MNT_NS_ID
  std::string fs_type;
  std::string mnt_point;  // relative to the caller's root
};
// statmount of one mount (basic fields, fs type, mount point; the namespace id when
// mnt_ns_id is given, which needs 6.11).
MountStatus stat_mount(uint64_t mnt_id, uint64_t mnt_ns_id = 0);

// A file handle of an nsfs file: the type and the opaque bytes, as name_to_handle_at gave them.
struct NsfsHandle {
  int type = 0;
  std::string bytes;
  std::string hex() const;
  static NsfsHandle from_hex(int type, const std::string& hex);
};
NsfsHandle nsfs_handle(int ns_fd);
// open_by_handle_at(FD_NSFS_ROOT, handle): the namespace's fd, or an empty UniqueFd and the
// errno in `err` (the errno is the datum: ESTALE for a namespace out of the caller's reach).
UniqueFd open_nsfs_handle(const NsfsHandle& handle, int& err);

// listns(2): the ids of every namespace of the CLONE_NEW* `types` (0 for all) the caller may
// see, owned by `owner_user_ns_id` (0 for any), all pages.
std::vector<uint64_t> list_namespaces(uint32_t types, uint64_t owner_user_ns_id = 0);

// NS_GET_ID (6.18): the 64-bit id of the namespace behind an nsfs fd. Throws SysError.
uint64_t nsfs_id(int ns_fd);

}  // namespace nsm
