// Mount namespaces (mount_namespaces(7)): private mounts stay inside; shared, slave, private
// and unbindable propagation; what a new user namespace does to inherited mounts.
//
// Every scenario runs inside a child's own mount namespace, on a tmpfs sandbox mounted
// over /tmp after making "/" private (enter_sandbox): a second namespace, created by a
// grandchild, plays the peer. Nothing here can reach the host's mount table.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/atomic_file.h"
#include "core/error.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kMnt = NsType::Mnt;

bool mounted(const std::string& point) { return is_mount_point(point); }

std::string tags_at(const std::string& point) {
  auto m = find_mount(read_mountinfo(), point);
  if (!m) return "(not mounted)";
  std::string out;
  for (const auto& t : m->tags) out += (out.empty() ? "" : " ") + t;
  return out.empty() ? "private" : out;
}

// A peer namespace for propagation: this process (own mount namespace, sandbox entered)
// makes /tmp/peer a shared tmpfs, then a grandchild gets a copy of the namespace (with a
// new user namespace when asked) and sets its copy's propagation to `peer_type` (0: leave
// it as the kernel made it). Each side then mounts below /tmp/peer; the answer says which
// mount crossed which way.
json propagation_between(unsigned long peer_type, bool peer_in_new_user_ns) {
  const std::string shared = enter_sandbox() + "/peer";
  must_mkdir(shared);
  must_mount("nsm-peer", shared.c_str(), "tmpfs", 0, "size=1m");
  set_propagation(shared.c_str(), MS_SHARED);
  must_mkdir(shared + "/from-parent");
  must_mkdir(shared + "/from-peer");

  ChildSpec spec(CLONE_NEWNS | (peer_in_new_user_ns ? CLONE_NEWUSER : 0));
  if (peer_in_new_user_ns) spec.id_map = IdMap::root_is(0, 0);
  Peer peer = Peer::spawn(spec, [shared, peer_type](Link& link) {
    if (peer_type) set_propagation(shared.c_str(), peer_type);
    const std::string tags = tags_at(shared);
    must_mount("nsm-from-peer", (shared + "/from-peer").c_str(), "tmpfs", 0, "size=1m");
    link.send({{"tags", tags}, {"mnt", must_ns_inode(0, "mnt")}});
    link.recv();  // the parent mounted meanwhile
    link.send({{"sees_parent_mount", mounted(shared + "/from-parent")}});
  });
  const json first = peer.recv();
  const bool parent_sees_peer_mount = mounted(shared + "/from-peer");
  must_mount("nsm-from-parent", (shared + "/from-parent").c_str(), "tmpfs", 0, "size=1m");
  peer.send("look");
  const json second = peer.recv();
  peer.finish();
  return {{"peer_apart", first["mnt"] != json(must_ns_inode(0, "mnt"))},
          {"peer_tags", first["tags"]},
          {"parent_tags", tags_at(shared)},
          {"to_parent", parent_sees_peer_mount},
          {"to_peer", second["sees_parent_mount"]}};
}

// Propagation is between two mount namespaces, or it proves nothing.
void expect_peer_apart(const json& r) {
  EXPECT_EQ(r["peer_apart"], true) << "the peer shares its parent's mount namespace";
}

}  // namespace

NSM_CHECK(MountNamespace, PrivateMountStaysInside,
          {.id = "mnt.private.stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "a mount made in a mount namespace with private propagation is not seen by the host",
           .needs = {.namespaces = {kMnt}}}) {
  Peer child = Peer::spawn(container(CLONE_NEWNS), [](Link& link) {
    const std::string dir = enter_sandbox();
    auto m = find_mount(read_mountinfo(), dir);
    link.send({{"source", m ? m->source : ""}});
    link.recv();
  });
  const json inside = child.recv();
  bool host_sees = false;
  for (const auto& m : read_mountinfo())
    if (m.source == "nsm-sandbox") host_sees = true;
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["source"], "nsm-sandbox") << "the mount must exist inside";
  EXPECT_FALSE(host_sees) << "the host's mount table must not show it";
}

NSM_CHECK(MountNamespace, SharedMountPropagatesBothWays,
          {.id = "mnt.propagation.shared",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "a shared mount's copy in another mount namespace is its peer: mounts propagate both ways",
           .needs = {.namespaces = {kMnt}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] { return propagation_between(0, false); });
  expect_peer_apart(r);
  EXPECT_NE(r["peer_tags"].get<std::string>().find("shared:"), std::string::npos) << r.dump();
  EXPECT_EQ(r["to_parent"], true) << "a mount in the copy must reach the original";
  EXPECT_EQ(r["to_peer"], true) << "a mount in the original must reach the copy";
}

NSM_CHECK(MountNamespace, SlaveMountReceivesButDoesNotSend,
          {.id = "mnt.propagation.slave",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "a slave mount receives its master's mounts and sends none back",
           .needs = {.namespaces = {kMnt}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] { return propagation_between(MS_SLAVE, false); });
  expect_peer_apart(r);
  EXPECT_NE(r["peer_tags"].get<std::string>().find("master:"), std::string::npos) << r.dump();
  EXPECT_EQ(r["to_parent"], false) << "the slave's mount must not reach its master";
  EXPECT_EQ(r["to_peer"], true) << "the master's mount must reach the slave";
}

NSM_CHECK(MountNamespace, PrivateMountNeitherSendsNorReceives,
          {.id = "mnt.propagation.private",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "a mount made private in one namespace neither sends nor receives mounts",
           .needs = {.namespaces = {kMnt}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] { return propagation_between(MS_PRIVATE, false); });
  expect_peer_apart(r);
  EXPECT_EQ(r["peer_tags"], "private") << r.dump();
  EXPECT_EQ(r["to_parent"], false);
  EXPECT_EQ(r["to_peer"], false);
}

NSM_CHECK(MountNamespace, UnbindableMountCannotBeBindMounted,
          {.id = "mnt.propagation.unbindable",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "an unbindable mount cannot be bind-mounted (EINVAL); the same mount made private can",
           .needs = {.namespaces = {kMnt}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox();
    const std::string source = dir + "/unbindable", target = dir + "/target";
    must_mkdir(source);
    must_mkdir(target);
    must_mount("nsm-unbindable", source.c_str(), "tmpfs", 0, "size=1m");
    set_propagation(source.c_str(), MS_UNBINDABLE);
    const std::string tags = tags_at(source);
    const std::string unbindable = outcome_of(::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr));
    set_propagation(source.c_str(), MS_PRIVATE);
    const std::string private_bind = outcome_of(::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr));
    return json{{"tags", tags},
                {"bind_unbindable", unbindable},
                {"bind_private", private_bind},
                {"mnt", must_ns_inode(0, "mnt")}};
  });
  EXPECT_NE(r["mnt"], json(must_ns_inode(0, "mnt"))) << "the mounts were made in the test's own mount namespace";
  EXPECT_EQ(r["tags"], "unbindable");
  EXPECT_EQ(r["bind_unbindable"], "EINVAL");
  EXPECT_EQ(r["bind_private"], "ok");
}

NSM_CHECK(MountNamespace, NewUserNamespaceTurnsSharedIntoSlave,
          {.id = "mnt.userns.shared-becomes-slave",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "in a mount namespace created with a new user namespace, inherited shared mounts become slaves",
           .needs = {.namespaces = {kMnt, NsType::User}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] { return propagation_between(0, true); });
  expect_peer_apart(r);
  const std::string tags = r["peer_tags"];
  EXPECT_NE(tags.find("master:"), std::string::npos) << "the copy must be a slave: " << tags;
  EXPECT_EQ(tags.find("shared:"), std::string::npos) << "and not a peer of the original: " << tags;
  EXPECT_EQ(r["to_parent"], false) << "a less privileged namespace must not mount into the more privileged one";
  EXPECT_EQ(r["to_peer"], true);
}

NSM_CHECK(MountNamespace, NewUserNamespaceLocksInheritedMounts,
          {.id = "mnt.userns.inherited-locked",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "in a new user namespace, an inherited mount cannot be unmounted to reveal what it covers (EINVAL)",
           .needs = {.namespaces = {kMnt, NsType::User}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string dir = enter_sandbox();
    const std::string covered = dir + "/covered";
    must_mkdir(covered);
    write_file_atomic(covered + "/nsm-secret", "", 0600);
    must_mount("nsm-cover", covered.c_str(), "tmpfs", 0, "size=1m");
    ChildSpec spec(CLONE_NEWUSER | CLONE_NEWNS);
    spec.id_map = IdMap::root_is(0, 0);
    return in_child(spec, [covered, dir] {
      const std::string inherited = outcome_of(::umount2(covered.c_str(), 0));
      const std::string detached = outcome_of(::umount2(covered.c_str(), MNT_DETACH));
      const std::string own = dir + "/own";
      must_mkdir(own);
      must_mount("nsm-own", own.c_str(), "tmpfs", 0, "size=1m");
      return json{{"umount_inherited", inherited},
                  {"umount_detach_inherited", detached},
                  {"umount_own", outcome_of(::umount2(own.c_str(), 0))}};
    });
  });
  EXPECT_EQ(r["umount_inherited"], "EINVAL") << "the inherited mount is locked";
  EXPECT_EQ(r["umount_detach_inherited"], "EINVAL");
  EXPECT_EQ(r["umount_own"], "ok") << "a mount the new namespace made itself can be unmounted";
}

NSM_CHECK(MountNamespace, NewUserNamespaceCannotClearLockedFlags,
          {.id = "mnt.userns.flags-locked",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "in a new user namespace, an inherited read-only mount cannot be remounted read-write (EPERM)",
           .needs = {.namespaces = {kMnt, NsType::User}}}) {
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string ro = enter_sandbox() + "/ro";
    must_mkdir(ro);
    must_mount("nsm-ro", ro.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID, "size=1m");
    ChildSpec spec(CLONE_NEWUSER | CLONE_NEWNS);
    spec.id_map = IdMap::root_is(0, 0);
    return in_child(spec, [ro] {
      const std::string make_rw =
          outcome_of(::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID, nullptr));
      const std::string keep_ro =
          outcome_of(::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, nullptr));
      return json{{"remount_rw", make_rw}, {"remount_ro", keep_ro}};
    });
  });
  EXPECT_EQ(r["remount_rw"], "EPERM") << "clearing a locked MS_RDONLY must be refused";
  EXPECT_EQ(r["remount_ro"], "ok") << "a remount that keeps the locked flags is allowed";
}

NSM_CHECK(MountNamespace, PivotRootChangesOnlyThisNamespace,
          {.id = "mnt.root.pivot-stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "pivot_root in a mount namespace changes that namespace's root only",
           .needs = {.namespaces = {kMnt}}}) {
  Peer child = Peer::spawn(container(CLONE_NEWNS), [](Link& link) {
    const std::string new_root = enter_sandbox() + "/newroot";
    must_mkdir(new_root);
    must_mount("nsm-newroot", new_root.c_str(), "tmpfs", 0, "size=1m");
    must_mkdir(new_root + "/old");
    write_file_atomic(new_root + "/nsm-marker", "", 0644);
    if (::syscall(SYS_pivot_root, new_root.c_str(), (new_root + "/old").c_str()) != 0) throw_sys("pivot_root");
    if (::chdir("/") != 0) throw_sys("chdir(/)");
    if (::umount2("/old", MNT_DETACH) != 0) throw_sys("umount2(/old)");
    link.send({{"marker", ::access("/nsm-marker", F_OK) == 0}, {"etc", ::access("/etc", F_OK) == 0}});
    link.recv();
  });
  const json inside = child.recv();
  const bool host_marker = ::access("/nsm-marker", F_OK) == 0;
  const bool host_etc = ::access("/etc", F_OK) == 0;
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["marker"], true) << "inside, / is the new root";
  EXPECT_EQ(inside["etc"], false) << "and the old root is gone";
  EXPECT_FALSE(host_marker) << "the host's / must not change";
  EXPECT_TRUE(host_etc);
}

NSM_CHECK(MountNamespace, UnmountInsideLeavesHostMounted,
          {.id = "mnt.umount.stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kMnt,
           .title = "unmounting a host mount (sysfs) inside a mount namespace leaves the host's mounted",
           .needs = {.namespaces = {kMnt}, .root = true}}) {
  if (!is_mount_point("/sys")) skip_check("/sys is not a mount point here");
  Peer child = Peer::spawn(CLONE_NEWNS, [](Link& link) {
    set_propagation("/", MS_PRIVATE, true);
    const std::string result = outcome_of(::umount2("/sys", MNT_DETACH));
    link.send({{"umount", result}, {"still_mounted", is_mount_point("/sys")}});
    link.recv();
  });
  const json inside = child.recv();
  const bool host_mounted = is_mount_point("/sys");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["umount"], "ok");
  EXPECT_EQ(inside["still_mounted"], false);
  EXPECT_TRUE(host_mounted) << "the host's /sys must stay mounted";
}
