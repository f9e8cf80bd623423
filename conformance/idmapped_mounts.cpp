// Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP, 5.12): a detached copy of a mount
// shows and stores ownership through a user namespace's id map, and only there; the kernel
// refuses to idmap a mount already attached (in the caller's or another mount namespace)
// and, from inside a user namespace, a filesystem that namespace does not own.
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/unique_fd.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kMnt = NsType::Mnt;
constexpr NsType kUser = NsType::User;
// The map of the idmapping: ids 0..65535 inside are 100000..165535 outside.
constexpr uint32_t kBase = 100000;

const Requirements kIdmapNeeds{.namespaces = {kMnt, kUser}, .root = true, .features = {"probe.idmapped-mounts"}};

// A child holding a user namespace with the map above: the namespace an idmapped mount is
// given (spawn proves it new). Stays alive until told "done".
Peer hold_mapped_user_ns() {
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap{.uids = {{0, kBase, 65536}}, .gids = {{0, kBase, 65536}}, .deny_setgroups = false};
  Peer holder = Peer::spawn(spec, [](Link& link) {
    link.send({});
    link.recv();
  });
  holder.recv();
  return holder;
}

std::string idmap(int fd, const char* path, unsigned flags, int userns) {
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns);
  return outcome_of(::mount_setattr(fd, path, flags, &attr, sizeof attr));
}

json owner(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_name(errno);
  return json{{"uid", st.st_uid}, {"gid", st.st_gid}};
}

std::string make_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
  return fd ? "ok" : errno_name(errno);
}

UniqueFd clone_tree(const std::string& path) {
  UniqueFd tree(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree) throw_sys("open_tree(" + path + ", OPEN_TREE_CLONE)");
  return tree;
}

// tmpfs (the only filesystem the suite mounts) allows idmapping from 6.3 (FS_ALLOW_IDMAP).
void skip_unless_tmpfs_idmaps(const json& r, const std::string& key) {
  if (r[key] == "EINVAL" && KernelVersion::running() < KernelVersion::must_parse("6.3"))
    skip_check(fmt::format("kernel {}: tmpfs can be idmapped only from 6.3, and the suite mounts no other filesystem",
                           KernelVersion::running().numbers()));
}

}  // namespace

NSM_CHECK(
    IdmappedMount, OwnershipFollowsTheMap,
    {.id = "mnt.idmap.ownership-follows-map",
     .kind = CheckKind::Guarantee,
     .type = kMnt,
     .title = "through an idmapped mount, ownership reads and is stored through the user namespace's map (uid 0 reads "
              "as 100000 and 100000 writes as 0), while the source mount shows what is stored",
     .needs = kIdmapNeeds,
     .refs = {"kselftest mount_setattr (idmapped mounts)", "mount_setattr(2): MOUNT_ATTR_IDMAP, 5.12"}}) {
  Peer holder = hold_mapped_user_ns();
  const UniqueFd userns = open_ns(holder.pid(), "user");
  const int ns_fd = userns.get();
  const json r = in_child(ChildSpec(CLONE_NEWNS), [ns_fd] {
    const std::string tmp = enter_sandbox();
    const std::string src = tmp + "/src", view = tmp + "/view";
    must_mkdir(src);
    must_mkdir(view);
    json out;
    out["made_by_root"] = make_file(src + "/stored-as-0");
    UniqueFd tree = clone_tree(src);
    out["idmap"] = idmap(tree.get(), "", AT_EMPTY_PATH, ns_fd);
    if (out["idmap"] != "ok") return out;
    if (::move_mount(tree.get(), "", AT_FDCWD, view.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
      throw_sys("move_mount(" + view + ")");
    out["source"] = owner(src + "/stored-as-0");
    out["through_view"] = owner(view + "/stored-as-0");
    // The other way: a file made through the view by fsuid 100000 is stored as 0.
    ::setfsgid(kBase);
    ::setfsuid(kBase);
    out["made_by_100000"] = make_file(view + "/made-by-100000");
    ::setfsuid(0);
    ::setfsgid(0);
    out["made_source"] = owner(src + "/made-by-100000");
    out["made_view"] = owner(view + "/made-by-100000");
    // Root outside is no id of the map: it may not create through the view.
    out["made_by_root_through_view"] = make_file(view + "/by-root");
    return out;
  });
  holder.send("done");
  holder.finish();
  skip_unless_tmpfs_idmaps(r, "idmap");
  ASSERT_EQ(r["made_by_root"], "ok");
  ASSERT_EQ(r["idmap"], "ok") << "mount_setattr(MOUNT_ATTR_IDMAP) on a detached clone";
  const json stored_as_0 = {{"uid", 0}, {"gid", 0}}, mapped = {{"uid", kBase}, {"gid", kBase}};
  EXPECT_EQ(r["source"], stored_as_0) << "the source mount shows what is stored";
  EXPECT_EQ(r["through_view"], mapped) << "through the idmapped mount, 0 reads as 0 inside the map's namespace: "
                                       << kBase;
  EXPECT_EQ(r["made_by_100000"], "ok") << "fsuid 100000 owns the view's directory through the map";
  EXPECT_EQ(r["made_source"], stored_as_0) << "a file made through the view by 100000 is stored as 0";
  EXPECT_EQ(r["made_view"], mapped);
  EXPECT_EQ(r["made_by_root_through_view"], "EOVERFLOW") << "uid 0 outside has no id in the map";
}

NSM_CHECK(
    IdmappedMount, RefusedBeyondScope,
    {.id = "mnt.idmap.refused-beyond-scope",
     .kind = CheckKind::Guarantee,
     .type = kMnt,
     .title = "MOUNT_ATTR_IDMAP is refused on a mount already attached (EINVAL), on a mount of another mount namespace "
              "(EINVAL) and, from inside a user namespace, on a filesystem it does not own (EPERM); a detached clone "
              "works",
     .needs = kIdmapNeeds,
     .refs = {"kselftest mount_setattr"}}) {
  Peer holder = hold_mapped_user_ns();
  const UniqueFd userns = open_ns(holder.pid(), "user");
  const int ns_fd = userns.get();
  const json r = in_child(ChildSpec(CLONE_NEWNS), [ns_fd] {
    const std::string tmp = enter_sandbox();
    const std::string src = tmp + "/src";
    must_mkdir(src);
    json out;
    out["made"] = make_file(src + "/stored-as-0");
    // The sandbox's tmpfs is attached at /tmp of this mount namespace.
    out["attached"] = idmap(AT_FDCWD, tmp.c_str(), 0, ns_fd);
    // The same mount, named from a child in a mount namespace of its own.
    UniqueFd path(::open(tmp.c_str(), O_PATH | O_CLOEXEC));
    if (!path) throw_sys("open(" + tmp + ", O_PATH)");
    const int path_fd = path.get();
    out["other_mount_ns"] = in_child(ChildSpec(CLONE_NEWNS), [path_fd, ns_fd] {
      return json{{"idmap", idmap(path_fd, "", AT_EMPTY_PATH, ns_fd)}};
    })["idmap"];
    // A detached clone of the host-owned tmpfs, tried by root of a user namespace with a
    // mount namespace of its own and its own map: all it lacks is owning the filesystem.
    UniqueFd tree = clone_tree(src);
    const int tree_fd = tree.get();
    out["from_user_ns"] = in_child(in_own_user_ns(CLONE_NEWNS), [tree_fd] {
      UniqueFd own(::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC));
      if (!own) throw_sys("open(/proc/self/ns/user)");
      return json{{"idmap", idmap(tree_fd, "", AT_EMPTY_PATH, own.get())}};
    })["idmap"];
    out["after_refusals"] = owner(src + "/stored-as-0");
    // The control: the same clone, by root of the namespaces that own it.
    out["detached"] = idmap(tree_fd, "", AT_EMPTY_PATH, ns_fd);
    return out;
  });
  holder.send("done");
  holder.finish();
  skip_unless_tmpfs_idmaps(r, "detached");
  ASSERT_EQ(r["made"], "ok");
  EXPECT_EQ(r["attached"], "EINVAL") << "a mount already in the tree may not be idmapped";
  EXPECT_EQ(r["other_mount_ns"], "EINVAL") << "nor a mount of another mount namespace";
  EXPECT_EQ(r["from_user_ns"], "EPERM") << "root of a user namespace does not own the host's tmpfs";
  EXPECT_EQ(r["after_refusals"], json({{"uid", 0}, {"gid", 0}})) << "the refusals changed nothing";
  EXPECT_EQ(r["detached"], "ok") << "the detached clone, by its owner (the control)";
}
