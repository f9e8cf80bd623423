// Naming and listing across the boundary with the kernel's newer calls (the kselftests
// filesystems/statmount, namespaces/file_handle_test and namespaces/listns_*): listmount and
// statmount see a mount namespace's own mounts, and another one's only from above it; an nsfs
// file handle opens the namespace it names, but not from a container for the host's; listns
// shows a container only what its user namespace owns. Each call is probed first
// (probes/feature_probe.cpp: probe.listmount 6.8, probe.nsfs-mntns-id 6.11,
// probe.nsfs-file-handles 6.18, probe.listns 6.19) and the check skips, naming the probe,
// where the kernel lacks it.
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_listing.h"

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, __u64)
#endif

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

// PROC_PID_INIT_INO: the initial PID namespace's nsfs inode, fixed since 3.8.
constexpr ino_t kInitialPidNsInode = 0xEFFFFFFCU;

uint64_t mntns_id(int fd) {
  uint64_t id = 0;
  if (::ioctl(fd, NS_GET_MNTNS_ID, &id) != 0) throw_sys("ioctl(NS_GET_MNTNS_ID)");
  return id;
}

// In a child with a mount namespace of its own: the sandbox tmpfs mounted, then every mount
// listmount lists, the sandbox's id (the newest mount on the sandbox path: a host tmpfs on
// /tmp was copied in below it) and the namespace's id when the kernel has NS_GET_MNTNS_ID.
json sandbox_and_mounts(bool with_ns_id) {
  const std::string sandbox = enter_sandbox();
  const auto ids = list_mounts();
  json sandbox_id = nullptr;
  for (uint64_t id : ids) {
    const MountStatus s = stat_mount(id);
    if (s.mnt_point == sandbox && s.fs_type == "tmpfs" && (sandbox_id.is_null() || id > sandbox_id.get<uint64_t>()))
      sandbox_id = id;
  }
  json out = {{"ids", ids}, {"sandbox", sandbox_id}};
  if (with_ns_id) out["mntns_id"] = mntns_id(open_ns(0, "mnt").get());
  return out;
}

std::string stat_outcome(uint64_t mnt_id, uint64_t mnt_ns_id = 0) {
  try {
    stat_mount(mnt_id, mnt_ns_id);
    return "ok";
  } catch (const SysError& e) {
    return errno_name(e.err());
  }
}

std::string list_outcome(uint64_t mnt_ns_id) {
  try {
    list_mounts(mnt_ns_id);
    return "ok";
  } catch (const SysError& e) {
    return errno_name(e.err());
  }
}

// A refusal of a mount namespace out of the caller's reach (no CAP_SYS_ADMIN over its owner):
// 6.18 answers listmount with ENOENT (as if there were no such namespace) and statmount with
// EPERM; either is a refusal, anything else an unexpected errno.
bool out_of_reach(const json& outcome) { return outcome == "ENOENT" || outcome == "EPERM"; }

bool lists_id(const json& ids, uint64_t id) {
  return std::any_of(ids.begin(), ids.end(), [id](const json& x) { return x.get<uint64_t>() == id; });
}

}  // namespace

NSM_CHECK(NsListing, ListmountSeesOnlyItsOwnNamespace,
          {.id = "mnt.listmount.own-namespace",
           .kind = CheckKind::Guarantee,
           .type = NsType::Mnt,
           .title = "listmount in a new mount namespace lists its own mounts (a tmpfs mounted there among them) and "
                    "none of the host's ids; the host neither lists nor stats that tmpfs",
           .needs = {.namespaces = {NsType::Mnt}, .root = true, .features = {"probe.listmount"}},
           .refs = {"kselftest filesystems/statmount/listmount_test", "listmount/statmount (6.8)"}}) {
  Peer child = Peer::spawn(container(CLONE_NEWNS), [](Link& link) {
    link.send(sandbox_and_mounts(false));
    link.recv();
  });
  const json inside = child.recv();
  const auto ours = list_mounts();
  const std::string host_stats_it =
      inside["sandbox"].is_number() ? stat_outcome(inside["sandbox"].get<uint64_t>()) : "";
  child.send("done");
  child.finish();
  ASSERT_TRUE(inside["sandbox"].is_number())
      << "the child's listmount must list the tmpfs it mounted on /tmp: " << inside["ids"];
  const uint64_t sandbox = inside["sandbox"].get<uint64_t>();
  std::vector<uint64_t> shared;
  for (uint64_t id : ours)
    if (lists_id(inside["ids"], id)) shared.push_back(id);
  EXPECT_FALSE(std::find(ours.begin(), ours.end(), sandbox) != ours.end())
      << "the host's listmount lists the child's tmpfs " << sandbox;
  EXPECT_TRUE(shared.empty()) << "a new mount namespace's mounts are copies with ids of their own; both list "
                              << fmt::format("{}", fmt::join(shared, " "));
  EXPECT_EQ(host_stats_it, "ENOENT") << "statmount of the child's tmpfs from the host's mount namespace";
}

NSM_CHECK(NsListing, ListmountReachesAForeignNamespaceOnlyFromAbove,
          {.id = "mnt.listmount.foreign-namespace",
           .kind = CheckKind::Guarantee,
           .type = NsType::Mnt,
           .title = "the host lists and stats a container's mounts by its mount namespace id (what it lists inside, "
                    "the tmpfs it mounted, that id); a container in its own user namespace is refused the host's",
           .needs = {.namespaces = {NsType::Mnt, NsType::User},
                     .root = true,
                     .features = {"probe.listmount", "probe.nsfs-mntns-id"}},
           .refs = {"kselftest filesystems/statmount/statmount_test_ns",
                    "listmount/statmount of another mount namespace (mnt_ns_id)"}}) {
  const uint64_t host_ns = mntns_id(open_ns(0, "mnt").get());
  const uint64_t host_mount = list_mounts().front();
  Peer child = Peer::spawn(container(CLONE_NEWNS), [](Link& link) {
    link.send(sandbox_and_mounts(true));
    link.recv();
  });
  const json inside = child.recv();
  const uint64_t theirs = mntns_id(open_ns(child.pid(), "mnt").get());
  const auto listed = list_mounts(theirs);
  const auto ours = list_mounts();
  // From above, listmount starts at the namespace's root mount, which a process whose root
  // is a mount on top of it (a guest's / over the initramfs, on 7.2) does not list itself:
  // each such extra id must still be a mount of the child's namespace.
  const std::vector<uint64_t> inside_ids = inside["ids"].get<std::vector<uint64_t>>();
  json extra = json::object();
  for (uint64_t id : listed)
    if (std::find(inside_ids.begin(), inside_ids.end(), id) == inside_ids.end())
      extra[std::to_string(id)] = stat_mount(id, theirs).mnt_ns_id;
  json stat = nullptr;
  if (inside["sandbox"].is_number()) {
    const MountStatus s = stat_mount(inside["sandbox"].get<uint64_t>(), theirs);
    stat = {{"mnt_point", s.mnt_point}, {"fs_type", s.fs_type}, {"mnt_ns_id", s.mnt_ns_id}};
  }
  child.send("done");
  child.finish();
  const json other = in_child(in_own_user_ns(CLONE_NEWNS), [host_ns, host_mount] {
    const size_t own = list_mounts().size();
    return json{{"own_listed", own},
                {"list_host", list_outcome(host_ns)},
                {"stat_host_mount", stat_outcome(host_mount, host_ns)}};
  });
  ASSERT_TRUE(inside["sandbox"].is_number())
      << "the child's listmount must list the tmpfs it mounted on /tmp: " << inside["ids"];
  EXPECT_NE(theirs, host_ns) << "the child's mount namespace has an id of its own";
  EXPECT_EQ(inside["mntns_id"], theirs) << "NS_GET_MNTNS_ID inside and through /proc/PID/ns/mnt";
  std::vector<uint64_t> missing, leaked;
  for (uint64_t id : inside_ids)
    if (std::find(listed.begin(), listed.end(), id) == listed.end()) missing.push_back(id);
  for (uint64_t id : listed)
    if (std::find(ours.begin(), ours.end(), id) != ours.end()) leaked.push_back(id);
  EXPECT_TRUE(missing.empty())
      << "listmount by the child's namespace id lists every mount the child lists itself; it lacks "
      << fmt::format("{}", fmt::join(missing, " "));
  EXPECT_TRUE(leaked.empty()) << "listmount by the child's namespace id lists the host's own mounts "
                              << fmt::format("{}", fmt::join(leaked, " "));
  for (const auto& [id, ns] : extra.items())
    EXPECT_EQ(ns, theirs) << "mount " << id << ", listed by the child's namespace id only from above, is in namespace "
                          << ns;
  EXPECT_EQ(stat["mnt_point"], "/tmp") << stat;
  EXPECT_EQ(stat["fs_type"], "tmpfs") << stat;
  EXPECT_EQ(stat["mnt_ns_id"], theirs) << "statmount reports the namespace the mount is in";
  EXPECT_GT(other["own_listed"].get<size_t>(), 0u) << "the container lists its own mounts";
  for (const char* call : {"list_host", "stat_host_mount"})
    if (!out_of_reach(other[call]) && other[call] != "ok")
      broken(fmt::format("{} from the container: {}", call, other[call].get<std::string>()));
  EXPECT_TRUE(out_of_reach(other["list_host"]))
      << "a container's listmount of the host's mount namespace " << host_ns << ": " << other["list_host"];
  EXPECT_TRUE(out_of_reach(other["stat_host_mount"]))
      << "a container's statmount of the host's mount " << host_mount << ": " << other["stat_host_mount"];
}

NSM_CHECK(NsListing, NsfsFileHandlesStayInScope,
          {.id = "user.nsfs.file-handle-scope",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "an nsfs file handle opens the namespace it was made for, inside the container and from the host; "
                    "the host's handles are stale (ESTALE) inside a container with its own user namespace",
           .needs = {.namespaces = {NsType::User, NsType::Net, NsType::Uts},
                     .root = true,
                     .features = {"probe.nsfs-file-handles"}},
           .refs = {"kselftest namespaces/file_handle_test", "nsfs: file handles (6.18)"}}) {
  // Decoding another namespace's handle is reserved to the initial PID namespace (fs/nsfs.c:
  // may_see_all_namespaces); a suite run inside a container's PID namespace cannot be the "host" here.
  if (must_ns_inode(0, "pid") != kInitialPidNsInode)
    skip_check(
        "decoding another namespace's nsfs file handle needs the initial PID namespace; this suite runs in a nested "
        "one");
  const NsfsHandle host_net = nsfs_handle(open_ns(0, "net").get());
  const NsfsHandle host_uts = nsfs_handle(open_ns(0, "uts").get());
  Peer child = Peer::spawn(in_own_user_ns(CLONE_NEWNET | CLONE_NEWUTS), [host_net, host_uts](Link& link) {
    json out;
    for (const char* type : {"net", "uts"}) {
      const NsfsHandle own = nsfs_handle(open_ns(0, type).get());
      int own_err = 0, host_err = 0;
      UniqueFd opened = open_nsfs_handle(own, own_err);
      UniqueFd host = open_nsfs_handle(std::string(type) == "net" ? host_net : host_uts, host_err);
      const std::string host_outcome = host ? fmt::format("opened {}", fd_inode(host.get())) : errno_name(host_err);
      out[type] = {{"handle", own.hex()},
                   {"handle_type", own.type},
                   {"own", must_ns_inode(0, type)},
                   {"opened", opened ? json(fd_inode(opened.get())) : json(errno_name(own_err))},
                   {"host", host_outcome}};
    }
    link.send(out);
    link.recv();
  });
  const json inside = child.recv();
  json from_host;
  for (const char* type : {"net", "uts"}) {
    // The host's handle is a good one: from the host it opens the host's namespace.
    int own_err = 0;
    UniqueFd own = open_nsfs_handle(std::string(type) == "net" ? host_net : host_uts, own_err);
    from_host[type]["own"] = own ? json(fd_inode(own.get())) : json(errno_name(own_err));
    int err = 0;
    UniqueFd opened = open_nsfs_handle(
        NsfsHandle::from_hex(inside[type]["handle_type"].get<int>(), inside[type]["handle"].get<std::string>()), err);
    from_host[type]["opened"] = opened ? json(fd_inode(opened.get())) : json(errno_name(err));
    from_host[type]["theirs"] = must_ns_inode(child.pid(), type);
    from_host[type]["ours"] = must_ns_inode(0, type);
  }
  child.send("done");
  child.finish();
  for (const char* type : {"net", "uts"}) {
    EXPECT_NE(from_host[type]["theirs"], from_host[type]["ours"]) << type << ": the container's namespace is its own";
    EXPECT_EQ(inside[type]["opened"], inside[type]["own"])
        << type << ": inside, the handle of its own namespace opens it";
    EXPECT_EQ(from_host[type]["opened"], from_host[type]["theirs"])
        << type << ": from the host, the container's handle opens the container's namespace";
    EXPECT_EQ(from_host[type]["own"], from_host[type]["ours"])
        << type << ": from the host, the host's handle opens the host's namespace";
    EXPECT_EQ(inside[type]["host"], "ESTALE")
        << type << ": the host's handle inside a container with its own user namespace";
  }
}

NSM_CHECK(NsListing, ListnsShowsAContainerOnlyWhatItsUserNamespaceOwns,
          {.id = "user.listns.scope",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "listns from a container with its own user namespace lists its network namespace but not a sibling "
                    "container's; the host lists both",
           .needs = {.namespaces = {NsType::User, NsType::Net},
                     .root = true,
                     .features = {"probe.listns", "probe.nsfs-ns-id"}},
           .refs = {"kselftest namespaces/listns_permissions_test", "listns (6.19)"}}) {
  auto container_body = [](Link& link) {
    link.send({{"net_id", nsfs_id(open_ns(0, "net").get())}, {"listed", list_namespaces(CLONE_NEWNET)}});
    link.recv();
  };
  Peer a = Peer::spawn(in_own_user_ns(CLONE_NEWNET), container_body);
  const json seen_by_a = a.recv();
  Peer b = Peer::spawn(in_own_user_ns(CLONE_NEWNET), container_body);
  const json seen_by_b = b.recv();
  const json host_listed = list_namespaces(CLONE_NEWNET);
  const uint64_t host_net = nsfs_id(open_ns(0, "net").get());
  a.send("done");
  b.send("done");
  a.finish();
  b.finish();
  const uint64_t net_a = seen_by_a["net_id"].get<uint64_t>();
  const uint64_t net_b = seen_by_b["net_id"].get<uint64_t>();
  ASSERT_NE(net_a, net_b) << "two containers, two network namespaces";
  EXPECT_NE(net_a, host_net) << "the container's network namespace is not the host's";
  EXPECT_TRUE(lists_id(seen_by_a["listed"], net_a)) << "a container lists its own network namespace";
  EXPECT_TRUE(lists_id(seen_by_b["listed"], net_b)) << "a container lists its own network namespace";
  EXPECT_FALSE(lists_id(seen_by_a["listed"], net_b)) << "container A lists B's network namespace " << net_b;
  EXPECT_FALSE(lists_id(seen_by_b["listed"], net_a)) << "container B lists A's network namespace " << net_a;
  EXPECT_TRUE(lists_id(host_listed, net_a) && lists_id(host_listed, net_b))
      << "the host lists both containers' network namespaces";
}
