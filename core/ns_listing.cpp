#include "core/ns_listing.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

// Newer than the build machine's headers (include/uapi/asm-generic/unistd.h, linux/mount.h,
// linux/nsfs.h, linux/fcntl.h); the numbers are the same on every architecture but alpha and mips.
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef SYS_listns
#define SYS_listns 470
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 0xd, __u64)
#endif

namespace nsm {

namespace {

constexpr int kNsfsRoot = -10003;          // FD_NSFS_ROOT: the mount fd that means "nsfs" (6.18)
constexpr uint64_t kListFromRoot = ~0ULL;  // LSMT_ROOT
constexpr uint32_t kMntIdReqVer0 = 24;     // struct mnt_id_req without mnt_ns_id (6.8)
constexpr uint32_t kMntIdReqVer1 = 32;     // with mnt_ns_id (6.11)
constexpr uint64_t kStatmountMntBasic = 0x2, kStatmountMntPoint = 0x10, kStatmountFsType = 0x20,
                   kStatmountMntNsId = 0x40;
constexpr size_t kPage = 256;
constexpr int kMaxPages = 4096;  // a bound, not a limit anyone reaches: a million mounts or namespaces

struct MntIdReq {
  uint32_t size;
  uint32_t spare;
  uint64_t mnt_id;
  uint64_t param;
  uint64_t mnt_ns_id;
};

// struct statmount up to mnt_ns_id; the strings follow at offset 512.
struct StatmountHead {
  uint32_t size, mnt_opts;
  uint64_t mask;
  uint32_t sb_dev_major, sb_dev_minor;
  uint64_t sb_magic;
  uint32_t sb_flags, fs_type;
  uint64_t mnt_id, mnt_parent_id;
  uint32_t mnt_id_old, mnt_parent_id_old;
  uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
  uint32_t mnt_root, mnt_point;
  uint64_t mnt_ns_id;
};
constexpr size_t kStatmountStrings = 512;

struct NsIdReq {
  uint32_t size;
  uint32_t spare;
  uint64_t ns_id;
  uint32_t ns_type;
  uint32_t spare2;
  uint64_t user_ns_id;
};

MntIdReq mount_request(uint64_t mnt_id, uint64_t param, uint64_t mnt_ns_id) {
  return MntIdReq{mnt_ns_id ? kMntIdReqVer1 : kMntIdReqVer0, 0, mnt_id, param, mnt_ns_id};
}

std::string string_at(const std::vector<char>& buf, uint32_t offset) {
  const size_t at = kStatmountStrings + offset;
  if (at >= buf.size()) return "";
  return std::string(buf.data() + at, ::strnlen(buf.data() + at, buf.size() - at));
}

}  // namespace

std::vector<uint64_t> list_mounts(uint64_t mnt_ns_id) {
  std::vector<uint64_t> ids;
  uint64_t after = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    MntIdReq req = mount_request(kListFromRoot, after, mnt_ns_id);
    uint64_t batch[kPage];
    const long n = ::syscall(SYS_listmount, &req, batch, kPage, 0);
    if (n < 0)
      throw_sys(mnt_ns_id ? fmt::format("listmount(mount namespace {})", mnt_ns_id) : "listmount(own mount namespace)");
    ids.insert(ids.end(), batch, batch + n);
    if (static_cast<size_t>(n) < kPage) return ids;
    after = batch[n - 1];
  }
  throw ToolError(fmt::format("listmount: more than {} mounts", kPage * kMaxPages));
}

MountStatus stat_mount(uint64_t mnt_id, uint64_t mnt_ns_id) {
  const uint64_t mask =
      kStatmountMntBasic | kStatmountMntPoint | kStatmountFsType | (mnt_ns_id ? kStatmountMntNsId : 0);
  MntIdReq req = mount_request(mnt_id, mask, mnt_ns_id);
  std::vector<char> buf(8192);
  while (::syscall(SYS_statmount, &req, buf.data(), buf.size(), 0) != 0) {
    if (errno != EOVERFLOW || buf.size() >= (1u << 20))
      throw_sys(fmt::format("statmount(mount {}{})", mnt_id,
                            mnt_ns_id ? fmt::format(" in mount namespace {}", mnt_ns_id) : ""));
    buf.resize(buf.size() * 4);
  }
  StatmountHead head{};
  std::memcpy(&head, buf.data(), sizeof head);
  MountStatus s;
  s.mnt_id = head.mnt_id;
  s.mnt_ns_id = (head.mask & kStatmountMntNsId) ? head.mnt_ns_id : 0;
  if (head.mask & kStatmountFsType) s.fs_type = string_at(buf, head.fs_type);
  if (head.mask & kStatmountMntPoint) s.mnt_point = string_at(buf, head.mnt_point);
  return s;
}

std::string NsfsHandle::hex() const {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

NsfsHandle NsfsHandle::from_hex(int type, const std::string& hex) {
  if (hex.size() % 2 != 0 || hex.size() > 2 * MAX_HANDLE_SZ) throw ToolError(fmt::format("not a file handle: {}", hex));
  NsfsHandle h;
  h.type = type;
  for (size_t i = 0; i < hex.size(); i += 2)
    h.bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return h;
}

NsfsHandle nsfs_handle(int ns_fd) {
  alignas(file_handle) char storage[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
  auto* fh = reinterpret_cast<file_handle*>(storage);
  fh->handle_bytes = MAX_HANDLE_SZ;
  int mount_id = 0;
  if (::name_to_handle_at(ns_fd, "", fh, &mount_id, AT_EMPTY_PATH) != 0) throw_sys("name_to_handle_at(nsfs file)");
  return NsfsHandle{fh->handle_type, std::string(reinterpret_cast<const char*>(fh->f_handle), fh->handle_bytes)};
}

UniqueFd open_nsfs_handle(const NsfsHandle& handle, int& err) {
  alignas(file_handle) char storage[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
  auto* fh = reinterpret_cast<file_handle*>(storage);
  fh->handle_type = handle.type;
  fh->handle_bytes = static_cast<unsigned>(std::min<size_t>(handle.bytes.size(), MAX_HANDLE_SZ));
  std::memcpy(fh->f_handle, handle.bytes.data(), fh->handle_bytes);
  const int fd = ::open_by_handle_at(kNsfsRoot, fh, O_RDONLY | O_CLOEXEC);
  err = fd < 0 ? errno : 0;
  return UniqueFd(fd);
}

std::vector<uint64_t> list_namespaces(uint32_t types, uint64_t owner_user_ns_id) {
  std::vector<uint64_t> ids;
  uint64_t after = 0;
  for (int page = 0; page < kMaxPages; ++page) {
    NsIdReq req{sizeof(NsIdReq), 0, after, types, 0, owner_user_ns_id};
    uint64_t batch[kPage];
    const long n = ::syscall(SYS_listns, &req, batch, kPage, 0);
    if (n < 0) throw_sys(fmt::format("listns(types {:#x}, owner {})", types, owner_user_ns_id));
    ids.insert(ids.end(), batch, batch + n);
    if (static_cast<size_t>(n) < kPage) return ids;
    after = batch[n - 1];
  }
  throw ToolError(fmt::format("listns: more than {} namespaces", kPage * kMaxPages));
}

uint64_t nsfs_id(int ns_fd) {
  uint64_t id = 0;
  if (::ioctl(ns_fd, NS_GET_ID, &id) != 0) throw_sys("ioctl(NS_GET_ID)");
  return id;
}

}  // namespace nsm
