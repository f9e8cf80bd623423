// User namespaces (user_namespaces(7)): id maps, overflow ids, capabilities inside and
// none outside, setgroups, nesting; and rootless: what an unprivileged user can create.
//
// Rootless checks run as an unprivileged uid: a child of a root suite first drops to 65534
// (nobody), a child of an unprivileged suite already is one (become_rootless_user).
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/cgroup.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/fresh_netns.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "conformance/harness/uts_names.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/netlink.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kUser = NsType::User;
constexpr key_t kRootlessShmKey = 0x6e736d35;

// A field of /proc/PID/status ("Uid", "CapEff"), its first word.
std::string status_field(const std::string& pid, const std::string& field) {
  std::istringstream in(must_read_file("/proc/" + pid + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(field + ":")) continue;
    std::istringstream words(line.substr(field.size() + 1));
    std::string first;
    words >> first;
    return first;
  }
  throw ToolError(fmt::format("/proc/{}/status has no {} line", pid, field));
}

// Every capability the running kernel knows, as the hex mask /proc/PID/status shows.
std::string full_capability_mask() {
  const int last = std::stoi(must_read_file("/proc/sys/kernel/cap_last_cap"));
  const unsigned long long mask = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  return fmt::format("{:016x}", mask);
}

// A write to a map file: "ok" or the errno's name.
std::string try_write(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_name(errno);
  return outcome_of(::write(fd.get(), text.data(), text.size()));
}

// unshare, proven: a kernel that says yes without a new namespace is a KernelFault (a
// fail), never an act on the namespace the child started in.
void must_unshare(int flag, const char*) { unshare_verified(flag); }

// Gives up every capability but CAP_SYS_ADMIN (effective, permitted, inheritable), keeping
// the uid. CAP_SYS_ADMIN stays where it was held: kernels with Debian's
// kernel.unprivileged_userns_clone=0 let only its holder create a user namespace.
void drop_capabilities_but_sys_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0) throw_sys("capget");
  const __u32 sys_admin = data[0].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
  data[0] = {sys_admin, sys_admin, 0};
  data[1] = {0, 0, 0};
  if (::syscall(SYS_capset, &header, data) != 0) throw_sys("capset(CAP_SYS_ADMIN at most)");
}

}  // namespace

NSM_CHECK(UserNamespace, UidAndGidMapsApply,
          {.id = "user.maps.apply",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "uid and gid maps translate ids: root inside is the mapped id outside, and so is uid 1000",
           .needs = {.namespaces = {kUser}, .root = true}}) {
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap{{{0, 100000, 65536}}, {{0, 100000, 65536}}, false};
  Peer child = Peer::spawn(spec, [](Link& link) {
    become_root_inside();
    link.send({{"uid", ::getuid()}, {"gid", ::getgid()}});
    link.recv();
    if (::setresgid(1000, 1000, 1000) != 0) throw_sys("setresgid(1000)");
    if (::setresuid(1000, 1000, 1000) != 0) throw_sys("setresuid(1000)");
    link.send({{"uid", ::getuid()}});
    link.recv();
  });
  const json as_root = child.recv();
  const std::string root_outside = status_field(std::to_string(child.pid()), "Uid");
  const std::string root_gid_outside = status_field(std::to_string(child.pid()), "Gid");
  child.send("become 1000");
  const json as_user = child.recv();
  const std::string user_outside = status_field(std::to_string(child.pid()), "Uid");
  child.send("done");
  child.finish();
  EXPECT_EQ(as_root["uid"], 0);
  EXPECT_EQ(as_root["gid"], 0);
  EXPECT_EQ(root_outside, "100000");
  EXPECT_EQ(root_gid_outside, "100000");
  EXPECT_EQ(as_user["uid"], 1000);
  EXPECT_EQ(user_outside, "101000");
}

NSM_CHECK(UserNamespace, UnmappedIdsShowAsOverflow,
          {.id = "user.maps.overflow-ids",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "inside a user namespace, files owned by unmapped ids show the overflow uid and gid (65534)",
           .needs = {.namespaces = {kUser}}}) {
  skip_unless_caller_may_create_user_ns();
  // Root of the namespace must not be the host's root, which owns "/".
  const uid_t outside = ::geteuid() == 0 ? 100000 : ::geteuid();
  const gid_t outside_gid = ::geteuid() == 0 ? 100000 : ::getegid();
  ChildSpec spec(CLONE_NEWUSER);
  spec.id_map = IdMap::root_is(outside, outside_gid);
  struct stat host_view {};
  ASSERT_EQ(::stat("/", &host_view), 0);
  const json inside = in_child(spec, [] {
    become_root_inside();
    struct stat st {};
    if (::stat("/", &st) != 0) throw_sys("stat(/)");
    return json{{"uid", st.st_uid}, {"gid", st.st_gid}, {"me", ::getuid()}};
  });
  const auto overflow_uid = read_sysctl("kernel.overflowuid");
  const auto overflow_gid = read_sysctl("kernel.overflowgid");
  ASSERT_TRUE(overflow_uid && overflow_gid);
  ASSERT_EQ(host_view.st_uid, 0u) << "this check expects / to be owned by root";
  EXPECT_EQ(inside["me"], 0);
  EXPECT_EQ(inside["uid"], std::stoul(*overflow_uid));
  EXPECT_EQ(inside["gid"], std::stoul(*overflow_gid));
}

NSM_CHECK(UserNamespace, FullCapabilitiesInside,
          {.id = "user.caps.full-inside",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "the first process of a new user namespace has every capability in it",
           .needs = {.namespaces = {kUser}}}) {
  // The creator first gives up every capability but CAP_SYS_ADMIN, so that what it holds
  // afterwards is the new namespace's doing (root's own full set would pass otherwise).
  const json inside = in_child(0, [] {
    drop_capabilities_but_sys_admin();
    const std::string before = status_field("self", "CapEff");
    try {
      unshare_verified(CLONE_NEWUSER);
    } catch (const SysError& e) {
      return json{{"before", before}, {"unshare", errno_name(e.err())}};
    }
    return json{{"before", before}, {"unshare", "ok"}, {"effective", status_field("self", "CapEff")}};
  });
  if (inside["unshare"] != "ok")
    skip_check(
        fmt::format("a process without capabilities may not create a user namespace here: unshare(CLONE_NEWUSER): {}",
                    inside["unshare"].get<std::string>()));
  ASSERT_NE(inside["before"], full_capability_mask()) << "the creator must not hold every capability before";
  EXPECT_EQ(inside["effective"], full_capability_mask());
}

NSM_CHECK(
    UserNamespace, NoCapabilitiesOverHostResources,
    {.id = "user.caps.none-over-host",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title =
         "root of a user namespace cannot rename the host, mount on its tree or enter its network namespace (EPERM)",
     // net: it opens the host's /proc/self/ns/net, missing without CONFIG_NET_NS
     .needs = {.namespaces = {kUser, NsType::Net}}}) {
  const std::string host_name = hostname();
  const json inside = in_child(in_own_user_ns(0), [host_name] {
    // Each attempt must fail; should one succeed, it is undone at once.
    const int renamed = ::sethostname("nsm-escaped", 11);
    const std::string rename = outcome_of(renamed);
    if (renamed == 0) ::sethostname(host_name.c_str(), host_name.size());
    const int mounted = ::mount("nsm-escaped", "/tmp", "tmpfs", MS_RDONLY, "size=4k");
    const std::string mount = outcome_of(mounted);
    if (mounted == 0) ::umount2("/tmp", MNT_DETACH);
    // The host's network namespace, which this child still shares - where the kernel has
    // network namespaces; the check does not need them, so it does not touch them otherwise.
    std::string enter = "absent";
    if (ns_inode(0, "net")) {
      UniqueFd host_net = open_ns(0, "net");
      // raw-ok: an attempt that must be refused (EPERM); its outcome is the data.
      enter = outcome_of(::setns(host_net.get(), CLONE_NEWNET));
    }
    return json{{"sethostname", rename}, {"mount", mount}, {"setns_host_net", enter}};
  });
  EXPECT_EQ(inside["sethostname"], "EPERM");
  EXPECT_EQ(inside["mount"], "EPERM");
  if (inside["setns_host_net"] != "absent") {
    EXPECT_EQ(inside["setns_host_net"], "EPERM");
  }
  EXPECT_EQ(hostname(), host_name);
}

NSM_CHECK(UserNamespace, SetgroupsMustBeDeniedBeforeUnprivilegedGidMap,
          {.id = "user.maps.setgroups-deny-first",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "an unprivileged writer's gid_map is refused (EPERM) until setgroups is denied",
           .needs = {.namespaces = {kUser}, .min_kernel = "3.19", .rootless = true},
           .refs = {"CVE-2014-8989",
                    "fix: 9cc46516ddf4 (userns: Add a knob to disable setgroups on a per user namespace basis)"}}) {
  const json r = in_child(0, [] {
    if (::geteuid() == 0) become_unprivileged(65534, 65534);
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    must_unshare(CLONE_NEWUSER, "CLONE_NEWUSER");
    const std::string uid_map = try_write("/proc/self/uid_map", fmt::format("0 {} 1\n", uid));
    const std::string gid_map_first = try_write("/proc/self/gid_map", fmt::format("0 {} 1\n", gid));
    const std::string deny = try_write("/proc/self/setgroups", "deny");
    const std::string gid_map_after = try_write("/proc/self/gid_map", fmt::format("0 {} 1\n", gid));
    return json{
        {"uid_map", uid_map}, {"gid_map_first", gid_map_first}, {"deny", deny}, {"gid_map_after", gid_map_after}};
  });
  EXPECT_EQ(r["uid_map"], "ok");
  EXPECT_EQ(r["gid_map_first"], "EPERM") << "setgroups is still allowed, so gid_map must be refused";
  EXPECT_EQ(r["deny"], "ok");
  EXPECT_EQ(r["gid_map_after"], "ok");
}

NSM_CHECK(UserNamespace, MapsAreWrittenOnce,
          {.id = "user.maps.write-once",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "a uid_map can be written once; the second write is refused (EPERM)",
           .needs = {.namespaces = {kUser}}}) {
  skip_unless_caller_may_create_user_ns();
  const json r = in_child(0, [] {
    const uid_t uid = ::geteuid();
    must_unshare(CLONE_NEWUSER, "CLONE_NEWUSER");
    const std::string first = try_write("/proc/self/uid_map", fmt::format("0 {} 1\n", uid));
    const std::string second = try_write("/proc/self/uid_map", fmt::format("0 {} 1\n", uid));
    return json{{"first", first}, {"second", second}};
  });
  EXPECT_EQ(r["first"], "ok");
  EXPECT_EQ(r["second"], "EPERM");
}

NSM_CHECK(
    UserNamespace, NestingReaches32Levels,
    {.id = "user.nesting.limit-32",
     .kind = CheckKind::Guarantee,
     .type = kUser,
     .title =
         "user namespaces nest at least 32 levels deep; past the limit, creation fails (ENOSPC; EUSERS before 4.9)",
     .needs = {.namespaces = {kUser}}}) {
  skip_unless_caller_may_create_user_ns();
  const auto map = read_file("/proc/self/uid_map");
  const bool initial = map && trim(*map).find("4294967295") != std::string::npos;
  if (!initial)
    skip_check("the suite runs inside a user namespace of unknown depth; the limit counts from the initial one");
  const json r = in_child(0, [] {
    int created = 0;
    for (;;) {
      const uid_t uid = ::geteuid();
      const gid_t gid = ::getegid();
      try {  // verified: a kernel that says yes without nesting must not be counted as a level
        unshare_verified(CLONE_NEWUSER);
      } catch (const SysError& e) {
        return json{{"created", created}, {"error", errno_name(e.err())}};
      }
      write_id_maps(0, IdMap::root_is(uid, gid));
      ++created;
    }
  });
  // The kernel refuses a parent deeper than level 32 (the initial namespace is level 0), so
  // 33 levels can be created below it: user_namespaces(7) documents "32".
  EXPECT_GE(r["created"].get<int>(), 32);
  EXPECT_LE(r["created"].get<int>(), 33);
  // ENOSPC since 4.9 (the user namespace ucount), EUSERS before: either is the refusal; the
  // depth is the guarantee, not which release changed the errno.
  EXPECT_TRUE(r["error"] == "ENOSPC" || r["error"] == "EUSERS") << "the refusal: " << r["error"];
}

NSM_CHECK(RootlessUserNamespace, UnprivilegedUserCreatesUserNamespace,
          {.id = "user.rootless.create",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "an unprivileged user creates a user namespace and is root with every capability in it",
           .needs = {.namespaces = {kUser}, .rootless = true}}) {
  const json r = in_child(0, [] {
    const uid_t outside = ::geteuid() == 0 ? 65534 : ::geteuid();
    become_rootless_user();
    return json{{"uid", ::getuid()},
                {"caps", status_field("self", "CapEff")},
                {"map", trim(must_read_file("/proc/self/uid_map"))},
                {"outside", outside}};
  });
  EXPECT_EQ(r["uid"], 0);
  EXPECT_EQ(r["caps"], full_capability_mask());
  EXPECT_EQ(r["map"], fmt::format("0 {:>10} {:>10}", r["outside"].get<unsigned>(), 1))
      << "root inside is the unprivileged user outside";
}

NSM_CHECK(RootlessUserNamespace, CreatesNetworkNamespaceInside,
          {.id = "user.rootless.net",
           .kind = CheckKind::Guarantee,
           .type = NsType::Net,
           .title = "inside its user namespace, an unprivileged user creates a network namespace and configures it",
           .needs = {.namespaces = {kUser, NsType::Net}, .rootless = true}}) {
  const json r = in_child(0, [] {
    become_rootless_user();
    must_unshare(CLONE_NEWNET, "CLONE_NEWNET");
    RouteSocket rt = RouteSocket::open();
    const json links = describe_links(rt);
    require_apart_from_suite(NsType::Net, "set lo up");
    rt.set_up("lo");
    return json{{"links", links}, {"lo_up", rt.must_link("lo").up()}};
  });
  const FreshNetns fresh = judge_fresh_netns(r["links"]);
  EXPECT_TRUE(fresh.problems.empty()) << "a fresh namespace: " << join_problems(fresh.problems);
  EXPECT_EQ(r["lo_up"], true) << "CAP_NET_ADMIN over its own network namespace";
  note(fresh.note);
}

NSM_CHECK(RootlessUserNamespace, CreatesMountNamespaceInside,
          {.id = "user.rootless.mnt",
           .kind = CheckKind::Guarantee,
           .type = NsType::Mnt,
           .title = "inside its user namespace, an unprivileged user creates a mount namespace and mounts a tmpfs",
           .needs = {.namespaces = {kUser, NsType::Mnt}, .rootless = true}}) {
  const json r = in_child(0, [] {
    become_rootless_user();
    must_unshare(CLONE_NEWNS, "CLONE_NEWNS");
    const std::string dir = enter_sandbox();
    auto m = find_mount(read_mountinfo(), dir);
    return json{{"source", m ? m->source : ""}};
  });
  EXPECT_EQ(r["source"], "nsm-sandbox");
}

NSM_CHECK(
    RootlessUserNamespace, CreatesPidNamespaceInside,
    {.id = "user.rootless.pid",
     .kind = CheckKind::Guarantee,
     .type = NsType::Pid,
     .title = "inside its user namespace, an unprivileged user creates a PID namespace whose first child is PID 1",
     .needs = {.namespaces = {kUser, NsType::Pid}, .rootless = true}}) {
  const json r = in_child(0, [] {
    become_rootless_user();
    must_unshare(CLONE_NEWPID, "CLONE_NEWPID");
    return in_child(0, [] { return json{{"pid", ::getpid()}}; });
  });
  EXPECT_EQ(r["pid"], 1);
}

NSM_CHECK(RootlessUserNamespace, CreatesUtsNamespaceInside,
          {.id = "user.rootless.uts",
           .kind = CheckKind::Guarantee,
           .type = NsType::Uts,
           .title = "an unprivileged user may not rename the host (EPERM) but renames its own UTS namespace",
           .needs = {.namespaces = {kUser, NsType::Uts}, .rootless = true}}) {
  const std::string host_name = hostname();
  const json r = in_child(0, [host_name] {
    become_rootless_user();
    const int renamed = ::sethostname("nsm-escaped", 11);
    const std::string host_attempt = outcome_of(renamed);
    if (renamed == 0) ::sethostname(host_name.c_str(), host_name.size());
    must_unshare(CLONE_NEWUTS, "CLONE_NEWUTS");
    const std::string own = outcome_of(::sethostname("nsm-rootless", 12));
    return json{{"host", host_attempt}, {"own", own}, {"name", hostname()}};
  });
  EXPECT_EQ(r["host"], "EPERM") << "the host's UTS namespace belongs to the initial user namespace";
  EXPECT_EQ(r["own"], "ok");
  EXPECT_EQ(r["name"], "nsm-rootless");
  EXPECT_EQ(hostname(), host_name);
}

NSM_CHECK(
    RootlessUserNamespace, CreatesIpcNamespaceInside,
    {.id = "user.rootless.ipc",
     .kind = CheckKind::Guarantee,
     .type = NsType::Ipc,
     .title =
         "inside its user namespace, an unprivileged user creates an IPC namespace whose objects the host does not see",
     .needs = {.namespaces = {kUser, NsType::Ipc}, .rootless = true}}) {
  const bool host_had_key = ::shmget(kRootlessShmKey, 0, 0) >= 0;
  Peer child = Peer::spawn(0, [](Link& link) {
    become_rootless_user();
    must_unshare(CLONE_NEWIPC, "CLONE_NEWIPC");
    require_apart_from_suite(NsType::Ipc, "create an IPC object");
    const int id = ::shmget(kRootlessShmKey, 4096, IPC_CREAT | IPC_EXCL | 0600);
    link.send({{"create", outcome_of(id)}});
    link.recv();
  });
  const json r = child.recv();
  const bool host_sees = ::shmget(kRootlessShmKey, 0, 0) >= 0;
  child.send("done");
  child.finish();
  EXPECT_EQ(r["create"], "ok");
  if (!host_had_key) {
    EXPECT_FALSE(host_sees);
  }
}

NSM_CHECK(RootlessUserNamespace, CreatesCgroupNamespaceInside,
          {.id = "user.rootless.cgroup",
           .kind = CheckKind::Guarantee,
           .type = NsType::Cgroup,
           .title = "inside its user namespace, an unprivileged user creates a cgroup namespace rooted at its cgroup",
           .needs = {.namespaces = {kUser, NsType::Cgroup}, .rootless = true}}) {
  // The namespace must be rooted somewhere that is not the hierarchy's root, or "/" inside
  // proves nothing (a guest runs the suite at "/"): as root, in a cgroup of the check's own.
  auto paths_of = [](const std::string& pid) {
    std::istringstream in(must_read_file("/proc/" + pid + "/cgroup"));
    std::string line;
    json paths = json::object();
    while (std::getline(in, line)) paths[line.substr(0, line.rfind(':') + 1)] = line.substr(line.rfind(':') + 1);
    return paths;
  };
  auto below_root = [](const json& paths) {
    for (const auto& [hierarchy, path] : paths.items())
      if (path != "/") return true;
    return false;
  };
  std::optional<ScopedCgroup> cg;
  if (::geteuid() == 0) {
    cg.emplace(ScopedCgroup::create_v2());
  } else if (!below_root(paths_of("self"))) {
    skip_check(
        "the suite is at the root of every cgroup hierarchy and, unprivileged, cannot create a cgroup: \"/\" inside "
        "would prove nothing");
  }
  const std::string suite = std::to_string(::getpid());
  Peer child = Peer::spawn(0, [&paths_of, suite](Link& link) {
    link.send({});
    link.recv();  // in the check's cgroup now
    const json before = paths_of("self");
    become_rootless_user();
    must_unshare(CLONE_NEWCGROUP, "CLONE_NEWCGROUP");
    link.send({{"before", before}, {"after", paths_of("self")}, {"suite", paths_of(suite)}});
  });
  child.recv();
  if (cg) cg->add(child.pid());
  child.send("go");
  const json r = child.recv();
  child.finish();
  ASSERT_TRUE(below_root(r["before"])) << "the child must start below a hierarchy's root: " << r.dump();
  ASSERT_FALSE(r["after"].empty());
  for (const auto& [hierarchy, path] : r["after"].items())
    EXPECT_EQ(path, "/") << "inside, its own cgroup is the root of " << hierarchy << ": " << r.dump();
  if (cg) {
    EXPECT_EQ(r["suite"].value("0::", "").rfind("/..", 0), 0u)
        << "the suite's cgroup is above the namespace's root: " << r.dump();
  }
}

NSM_CHECK(RootlessUserNamespace, CreatesTimeNamespaceInside,
          {.id = "user.rootless.time",
           .kind = CheckKind::Guarantee,
           .type = NsType::Time,
           .title = "inside its user namespace, an unprivileged user creates a time namespace and sets its offsets",
           .needs = {.namespaces = {kUser, NsType::Time}, .rootless = true}}) {
  const json r = in_child(0, [] {
    become_rootless_user();
    must_unshare(CLONE_NEWTIME, "CLONE_NEWTIME");
    const std::string offsets = try_write("/proc/self/timens_offsets", "monotonic 3600 0");
    // The offset must show: the first process in the namespace reads the clock shifted.
    timespec outside{};
    ::clock_gettime(CLOCK_MONOTONIC, &outside);
    const json inside = in_child(0, [] {
      timespec t{};
      ::clock_gettime(CLOCK_MONOTONIC, &t);
      return json{{"seconds", t.tv_sec}};
    });
    return json{{"offsets", offsets}, {"shift", inside["seconds"].get<long>() - outside.tv_sec}};
  });
  ASSERT_EQ(r["offsets"], "ok");
  EXPECT_GE(r["shift"].get<long>(), 3600) << "the namespace's CLOCK_MONOTONIC must run 3600 s ahead";
  EXPECT_LT(r["shift"].get<long>(), 3600 + kChildTimeout.count() / 1000) << "and only that";
}

NSM_CHECK(RootlessUserNamespace, CannotMapOtherUsersIds,
          {.id = "user.rootless.no-foreign-ids",
           .kind = CheckKind::Guarantee,
           .type = kUser,
           .title = "an unprivileged user cannot map the host's root (or any id but its own) into its user namespace",
           .needs = {.namespaces = {kUser}, .rootless = true}}) {
  const json r = in_child(0, [] {
    if (::geteuid() == 0) become_unprivileged(65534, 65534);
    const uid_t uid = ::geteuid();
    must_unshare(CLONE_NEWUSER, "CLONE_NEWUSER");
    const std::string host_root = try_write("/proc/self/uid_map", "0 0 1\n");
    const std::string own = try_write("/proc/self/uid_map", fmt::format("0 {} 1\n", uid));
    return json{{"map_host_root", host_root}, {"map_own", own}};
  });
  EXPECT_EQ(r["map_host_root"], "EPERM");
  EXPECT_EQ(r["map_own"], "ok");
}
