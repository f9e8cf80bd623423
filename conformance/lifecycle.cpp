// Identity and lifecycle, for all eight types: /proc/PID/ns inodes name a namespace; a
// namespace lives while a process, an fd or a bind mount holds it; setns joins a held one;
// the nsfs ioctls answer; clone, unshare and setns isolate alike.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "conformance/harness/uts_names.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/netns.h"
#include "core/ns_id.h"
#include "core/ns_types.h"
#include "core/proc.h"
#include "core/spawn.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

// setns, proven: the caller is then in the namespace behind fd (KernelFault otherwise).
void join(int fd, NsType type) { setns_verified(fd, type); }

// /proc/PID/ns/pid and /ns/time name the caller's own namespace; unshare and setns change
// only the namespace its children get (pid_for_children, time_for_children) - except setns
// of a time namespace, which also moves the caller.
std::string children_entry(const NsTypeInfo& info) {
  if (info.type == NsType::Pid || info.type == NsType::Time) return std::string(info.proc_name) + "_for_children";
  return std::string(info.proc_name);
}

// One check per type: a clone-created namespace has a new inode and nothing else changes;
// a process that setns into it shows the same inode; unshare gives a third.
class InodeTracksSharing final : public CheckTest {
 public:
  explicit InodeTracksSharing(const NsTypeInfo& info) : info_(info) {}

 private:
  void Body() override;
  const NsTypeInfo& info_;
};

void InodeTracksSharing::Body() {
  const std::string name(info_.name);
  const std::string entry(info_.proc_name);
  const int flag = info_.clone_flag;
  if (info_.type == NsType::Time && !have_clone3()) skip_check("CLONE_NEWTIME needs clone3(), which this kernel lacks");

  const json host = namespace_inodes();
  ChildSpec fresh(flag);
  if (info_.type == NsType::User) fresh.id_map = IdMap::root_is(0, 0);
  Peer created = Peer::spawn(fresh, [](Link& link) {
    link.send(namespace_inodes());
    link.recv();
  });
  const json in_created = created.recv();

  const std::string after_setns = info_.type == NsType::Pid ? children_entry(info_) : entry;
  const pid_t created_pid = created.pid();
  const json joined = in_child(0, [&] {
    UniqueFd fd = open_ns(created_pid, entry);
    join(fd.get(), info_.type);
    return json{{"inode", must_ns_inode(0, after_setns)}};
  });
  const std::string for_children = children_entry(info_);
  const json unshared = in_child(0, [&] {
    const ino_t before = must_ns_inode(0, for_children);
    // raw-ok: this check is the observer of unshare itself; it acts on nothing afterwards.
    if (::unshare(flag) != 0) throw_sys(fmt::format("unshare({})", info_.clone_flag_name));
    json out{{"before", before}, {"own", must_ns_inode(0, entry)}};
    if (for_children == entry) {
      out["after"] = must_ns_inode(0, entry);
    } else {
      // The new PID or time namespace is the children's: the first child enters it (and
      // pid_for_children reads ENOENT until a child is its init).
      out["after"] = in_child(0, [&] { return json{{"inode", must_ns_inode(0, entry)}}; })["inode"];
    }
    return out;
  });
  // Only now: a namespace's inode number is reused once it is gone, so the created one must
  // still be alive when the unshared one is compared with it.
  created.send("done");
  created.finish();

  EXPECT_NE(in_created[name], host[name])
      << "a child cloned with " << info_.clone_flag_name << " must be in a new " << name << " namespace";
  for (const auto& other : ns_types()) {
    if (other.type == info_.type || host[std::string(other.name)].is_null()) continue;
    EXPECT_EQ(in_created[std::string(other.name)], host[std::string(other.name)])
        << "a child cloned with only " << info_.clone_flag_name << " must share the " << other.name << " namespace";
  }
  EXPECT_EQ(joined["inode"], in_created[name])
      << "after setns into the child's " << name << " namespace, /proc/self/ns/" << after_setns << " must name it";
  EXPECT_EQ(unshared["before"], host[name]) << "before unshare, " << for_children << " must be the parent's";
  EXPECT_NE(unshared["after"], host[name])
      << "after unshare(" << info_.clone_flag_name << "), " << for_children << " must name a new namespace";
  EXPECT_NE(unshared["after"], in_created[name]) << "unshare must create a namespace of its own, not join another";
  if (for_children != entry) {
    EXPECT_EQ(unshared["own"], host[name])
        << "unshare(" << info_.clone_flag_name << ") moves only the children, not the caller";
  }
}

[[maybe_unused]] const bool identity_registered = [] {
  for (const auto& info : ns_types()) {
    Requirements needs;
    needs.namespaces = {info.type};
    needs.root = true;
    register_check(
        "NsIdentity", fmt::format("InodeTracksSharing/{}", info.name), __FILE__, __LINE__,
        CheckInfo{.id = fmt::format("{}.identity.inode-tracks-sharing", info.name),
                  .kind = CheckKind::Guarantee,
                  .type = info.type,
                  .title = fmt::format("/proc/PID/ns/{} inodes are equal exactly when two processes share the "
                                       "namespace: after clone, setns and unshare",
                                       info.proc_name),
                  .needs = needs},
        [&info] { return static_cast<CheckTest*>(new InodeTracksSharing(info)); });
  }
  return true;
}();

}  // namespace

NSM_CHECK(NsIdentity, PlainChildSharesAllNamespaces,
          {.id = "lifecycle.identity.plain-child-shares",
           .kind = CheckKind::Guarantee,
           .type = std::nullopt,
           .title = "a child created without CLONE_NEW* flags shares every namespace of its parent",
           .needs = {}}) {
  const json host = namespace_inodes();
  const json child = in_child(0, [] { return namespace_inodes(); });
  int compared = 0;
  for (const auto& info : ns_types()) {
    const std::string name(info.name);
    if (host[name].is_null()) continue;
    ++compared;
    EXPECT_EQ(child[name], host[name]) << "a plain child must share the " << name << " namespace";
  }
  EXPECT_GT(compared, 0) << "no /proc/self/ns entry could be read";
}

NSM_CHECK(NsIdentity, NsGetNstypeNamesEachType,
          {.id = "lifecycle.ioctl.ns-get-nstype",
           .kind = CheckKind::Guarantee,
           .type = std::nullopt,
           .title = "NS_GET_NSTYPE on /proc/self/ns/X answers X's CLONE_NEW* flag",
           .needs = {.min_kernel = "4.11"}}) {
  int asked = 0;
  for (const auto& info : ns_types()) {
    if (!ns_inode(0, info.proc_name)) continue;  // a type this kernel lacks
    UniqueFd fd = open_ns(0, info.proc_name);
    const int answer = ::ioctl(fd.get(), NS_GET_NSTYPE);
    ++asked;
    EXPECT_EQ(answer, info.clone_flag) << "NS_GET_NSTYPE on /proc/self/ns/" << info.proc_name << " answered "
                                       << (answer < 0 ? errno_name(errno) : clone_flags_name(answer));
  }
  EXPECT_GE(asked, 2) << "fewer than two namespace files exist";
}

NSM_CHECK(NsIdentity, NsGetUsernsNamesTheOwner,
          {.id = "lifecycle.ioctl.ns-get-userns",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "NS_GET_USERNS answers the user namespace that owns a namespace",
           .needs = {.namespaces = {NsType::User, NsType::Uts}, .min_kernel = "4.9"}}) {
  // The host's UTS namespace is owned by the host's user namespace...
  UniqueFd uts = open_ns(0, "uts");
  UniqueFd owner(::ioctl(uts.get(), NS_GET_USERNS));
  ASSERT_TRUE(owner.valid()) << "NS_GET_USERNS on /proc/self/ns/uts: " << errno_name(errno);
  EXPECT_EQ(fd_inode(owner.get()), must_ns_inode(0, "user"));

  // ...and a UTS namespace created together with a user namespace by the one it came with.
  const json inside = in_child(in_own_user_ns(CLONE_NEWUTS), [] {
    UniqueFd own_uts = open_ns(0, "uts");
    UniqueFd own_owner(::ioctl(own_uts.get(), NS_GET_USERNS));
    if (!own_owner) throw_sys("ioctl(NS_GET_USERNS)");
    return json{{"owner", fd_inode(own_owner.get())}, {"user", must_ns_inode(0, "user")}};
  });
  EXPECT_EQ(inside["owner"], inside["user"])
      << "a UTS namespace created with CLONE_NEWUSER|CLONE_NEWUTS is owned by the new user namespace";
  EXPECT_NE(inside["owner"], json(fd_inode(owner.get())));
}

NSM_CHECK(NsIdentity, NsGetParentClimbsTheHierarchy,
          {.id = "lifecycle.ioctl.ns-get-parent",
           .kind = CheckKind::Guarantee,
           .type = NsType::Pid,
           .title = "NS_GET_PARENT of a child's PID and user namespaces answers the parent's, and EPERM from inside",
           .needs = {.namespaces = {NsType::User, NsType::Pid}, .min_kernel = "4.9"}}) {
  Peer child = Peer::spawn(in_own_user_ns(CLONE_NEWPID), [](Link& link) {
    UniqueFd own_pid = open_ns(0, "pid");
    const int from_inside = ::ioctl(own_pid.get(), NS_GET_PARENT);
    link.send({{"from_inside", outcome_of(from_inside)}});
    if (from_inside >= 0) ::close(from_inside);
    link.recv();
  });
  const json inside = child.recv();
  for (const char* entry : {"pid", "user"}) {
    UniqueFd ns = open_ns(child.pid(), entry);
    UniqueFd parent(::ioctl(ns.get(), NS_GET_PARENT));
    ASSERT_TRUE(parent.valid()) << "NS_GET_PARENT on the child's " << entry << " namespace: " << errno_name(errno);
    EXPECT_EQ(fd_inode(parent.get()), must_ns_inode(0, entry))
        << "the parent of the child's " << entry << " namespace is ours";
  }
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["from_inside"], "EPERM") << "the parent PID namespace is outside the child's scope";
}

NSM_CHECK(NsIdentity, NsGetParentRejectsFlatTypes,
          {.id = "lifecycle.ioctl.ns-get-parent-flat",
           .kind = CheckKind::Guarantee,
           .type = std::nullopt,
           .title = "NS_GET_PARENT is EINVAL for the non-hierarchical types and EPERM at the top of the PID tree",
           .needs = {.min_kernel = "4.9"}}) {
  for (const auto& info : ns_types()) {
    if (info.type == NsType::Pid || info.type == NsType::User || !ns_inode(0, info.proc_name)) continue;
    UniqueFd fd = open_ns(0, info.proc_name);
    const int r = ::ioctl(fd.get(), NS_GET_PARENT);
    EXPECT_EQ(outcome_of(r), "EINVAL") << info.name << " namespaces have no parent";
    if (r >= 0) ::close(r);
  }
  // A kernel without PID namespaces has no /proc/self/ns/pid, and so no top to ask about.
  if (!ns_inode(0, "pid")) return;
  UniqueFd own_pid = open_ns(0, "pid");
  const int r = ::ioctl(own_pid.get(), NS_GET_PARENT);
  EXPECT_EQ(outcome_of(r), "EPERM") << "the parent of our own PID namespace is outside our scope (or does not exist)";
  if (r >= 0) ::close(r);
}

NSM_CHECK(NsIdentity, NsGetOwnerUidNamesTheCreator,
          {.id = "lifecycle.ioctl.ns-get-owner-uid",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "NS_GET_OWNER_UID answers the uid that created a user namespace",
           .needs = {.namespaces = {NsType::User}, .min_kernel = "4.11", .rootless = true}}) {
  Peer child = Peer::spawn(0, [](Link& link) {
    become_rootless_user();
    link.send({});
    link.recv();
  });
  child.recv();
  UniqueFd user = open_ns(child.pid(), "user");
  uid_t owner = 0;
  const int r = ::ioctl(user.get(), NS_GET_OWNER_UID, &owner);
  child.send("done");
  child.finish();
  ASSERT_EQ(r, 0) << "NS_GET_OWNER_UID: " << errno_name(errno);
  EXPECT_EQ(owner, ::geteuid() == 0 ? 65534u : ::geteuid());
}

NSM_CHECK(NsLifecycle, FdHoldsNamespaceAfterLastProcess,
          {.id = "lifecycle.hold.fd",
           .kind = CheckKind::Guarantee,
           .type = NsType::Net,
           .title = "an open fd keeps a network namespace, and the veth inside it, after its last process exited",
           .needs = {.namespaces = {NsType::Net}, .root = true, .link_kinds = {"veth"}}}) {
  NetNs outside = NetNs::create();
  const int outside_fd = outside.fd();
  Peer owner = Peer::spawn(CLONE_NEWNET, [outside_fd](Link& link) {
    require_apart_from_suite(NsType::Net, "add a veth pair");
    RouteSocket::open().add_veth("nsm-h0", "nsm-h1", outside_fd);
    link.send({});
    link.recv();
  });
  owner.recv();
  UniqueFd held = open_ns(owner.pid(), "net");
  owner.send("exit");
  owner.finish();  // the namespace has no process left

  NetNs orphan = NetNs::adopt(std::move(held));
  // The held namespace is the owner's own: neither ours nor the peer's.
  const ino_t ours = NetNs::current().inode();
  ASSERT_NE(orphan.inode(), ours) << "the held namespace is the test's own";
  ASSERT_NE(orphan.inode(), outside.inode()) << "the held namespace is the peer's";
  ASSERT_NE(outside.inode(), ours) << "the peer's namespace is the test's own";
  EXPECT_TRUE(orphan.route().link("nsm-h0").has_value())
      << "the veth end inside must still exist while an fd holds the namespace";
  EXPECT_TRUE(outside.route().link("nsm-h1").has_value()) << "its peer must still exist";
}

NSM_CHECK(NsLifecycle, BindMountHoldsNamespace,
          {.id = "lifecycle.hold.bind-mount",
           .kind = CheckKind::Guarantee,
           .type = NsType::Uts,
           .title = "a bind mount of /proc/PID/ns/uts keeps the namespace, and setns through it works, after its last "
                    "process exited",
           .needs = {.namespaces = {NsType::Uts}, .root = true}}) {
  const std::string host_name = hostname();
  const json seen = in_child(CLONE_NEWNS, [] {
    const std::string dir = enter_sandbox();
    const std::string anchor = dir + "/nsm-uts";
    write_file_atomic(anchor, "", 0644);
    Peer inner = Peer::spawn(CLONE_NEWUTS, [](Link& link) {
      set_hostname("nsm-held");
      link.send({{"inode", must_ns_inode(0, "uts")}});
      link.recv();
    });
    const json created = inner.recv();
    must_mount(fmt::format("/proc/{}/ns/uts", inner.pid()).c_str(), anchor.c_str(), nullptr, MS_BIND);
    inner.send("exit");
    inner.finish();
    UniqueFd via_mount(::open(anchor.c_str(), O_RDONLY | O_CLOEXEC));
    if (!via_mount) throw_sys("open(" + anchor + ")");
    const ino_t inode = fd_inode(via_mount.get());
    join(via_mount.get(), NsType::Uts);
    return json{{"created", created["inode"]}, {"mounted", inode}, {"hostname", hostname()}};
  });
  EXPECT_EQ(seen["mounted"], seen["created"]) << "the bind mount must name the namespace its process created";
  EXPECT_EQ(seen["hostname"], "nsm-held") << "setns through the bind mount must enter the held namespace";
  EXPECT_EQ(hostname(), host_name) << "the host's hostname must not change";
}

NSM_CHECK(NsLifecycle, SetnsIntoHeldNamespaceFindsItsObjects,
          {.id = "lifecycle.hold.setns-held",
           .kind = CheckKind::Guarantee,
           .type = NsType::Ipc,
           .title = "setns into an IPC namespace held only by an fd finds the shared memory created in it",
           .needs = {.namespaces = {NsType::Ipc}, .root = true}}) {
  constexpr key_t kKey = 0x6e736d31;  // "nsm1"
  const bool host_had_key = ::shmget(kKey, 0, 0) >= 0;
  Peer creator = Peer::spawn(CLONE_NEWIPC, [](Link& link) {
    require_apart_from_suite(NsType::Ipc, "create an IPC object");
    const int id = ::shmget(kKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) throw_sys("shmget(IPC_CREAT)");
    void* at = ::shmat(id, nullptr, 0);
    if (at == reinterpret_cast<void*>(-1)) throw_sys("shmat");
    std::strcpy(static_cast<char*>(at), "nsm-held-ipc");
    ::shmdt(at);
    link.send({});
    link.recv();
  });
  creator.recv();
  UniqueFd held = open_ns(creator.pid(), "ipc");
  creator.send("exit");
  creator.finish();

  const int held_fd = held.get();
  const json joined = in_child(0, [held_fd] {
    join(held_fd, NsType::Ipc);
    const int id = ::shmget(kKey, 0, 0);
    if (id < 0) return json{{"found", outcome_of(id)}};
    void* at = ::shmat(id, nullptr, SHM_RDONLY);
    if (at == reinterpret_cast<void*>(-1)) throw_sys("shmat");
    json out{{"found", "ok"}, {"text", std::string(static_cast<const char*>(at))}};
    ::shmdt(at);
    return out;
  });
  EXPECT_EQ(joined["found"], "ok") << "the segment must live as long as its namespace is held";
  EXPECT_EQ(joined.value("text", ""), "nsm-held-ipc");
  if (!host_had_key) {
    EXPECT_LT(::shmget(kKey, 0, 0), 0) << "the host must not see the segment";
  }
}

NSM_CHECK(
    NsLifecycle, CloneUnshareSetnsIsolateAlike,
    {.id = "lifecycle.entry.same-isolation",
     .kind = CheckKind::Guarantee,
     .type = NsType::Uts,
     .title = "clone, unshare and setns give the same isolation: each namespace keeps its hostname, members share it",
     .needs = {.namespaces = {NsType::Uts}, .root = true}}) {
  const std::string host_name = hostname();
  Peer cloned = Peer::spawn(CLONE_NEWUTS, [](Link& link) {
    set_hostname("nsm-clone");
    link.send({{"name", hostname()}});
    link.recv();
    link.send({{"name", hostname()}});
    link.recv();
  });
  const json first = cloned.recv();
  const json unshared = in_child(0, [] {
    unshare_verified(CLONE_NEWUTS);  // proven new before the rename
    const std::string inherited = hostname();
    set_hostname("nsm-unshare");
    return json{{"inherited", inherited}, {"name", hostname()}};
  });
  const pid_t cloned_pid = cloned.pid();
  const json joined = in_child(0, [cloned_pid] {
    UniqueFd fd = open_ns(cloned_pid, "uts");
    join(fd.get(), NsType::Uts);
    const std::string found = hostname();
    set_hostname("nsm-setns");
    return json{{"found", found}};
  });
  cloned.send("again");
  const json second = cloned.recv();
  cloned.send("done");
  cloned.finish();

  EXPECT_EQ(first["name"], "nsm-clone");
  EXPECT_EQ(unshared["inherited"], host_name) << "unshare copies the parent's hostname";
  EXPECT_EQ(unshared["name"], "nsm-unshare");
  EXPECT_EQ(joined["found"], "nsm-clone") << "setns joins the cloned child's namespace";
  EXPECT_EQ(second["name"], "nsm-setns") << "a change made by the joiner is seen by the other member";
  EXPECT_EQ(hostname(), host_name) << "none of the three changed the host's hostname";
}
