// Cgroup namespaces (cgroup_namespaces(7)): the cgroup root a process sees. Each check
// creates its own v2 cgroup (nsm-<pid>-<n>, below the suite's), moves a child into it, and
// the child unshares CLONE_NEWCGROUP there: the namespace is then rooted at a cgroup that
// is not the host's root, so that what it hides is real.
// Then the namespace as a delegation boundary: with the v2 hierarchy's nsdelegate option,
// what a process inside may move and write (cgroup-v2.rst, "Delegation Containment"), a
// cgroup.procs fd judged by its opener's namespace, and cgroup v1's release_agent.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/cgroup.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/knob.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kCgroup = NsType::Cgroup;

// The path of each line of /proc/PID/cgroup ("0::/a/b" -> "/a/b"), keyed by hierarchy
// ("0::" for v2, "4:memory:" for v1).
json cgroup_paths(const std::string& pid) {
  std::istringstream in(must_read_file("/proc/" + pid + "/cgroup"));
  std::string line;
  json out = json::object();
  while (std::getline(in, line)) {
    const auto colon = line.rfind(':');
    out[line.substr(0, colon + 1)] = line.substr(colon + 1);
  }
  return out;
}

// A child moved into `cg` before it unshares its cgroup namespace (and whatever else
// `extra_flags` adds); then `inside` runs and its answer comes back.
json in_cgroup_namespace(const ScopedCgroup& cg, int extra_flags, const std::function<json()>& inside) {
  Peer child = Peer::spawn(0, [extra_flags, &inside](Link& link) {
    link.send({});
    link.recv();  // moved into the cgroup by the parent
    json before = cgroup_paths("self");
    unshare_verified(CLONE_NEWCGROUP | extra_flags);  // proven new before anything is mounted
    json answer = inside();
    answer["before"] = std::move(before);
    link.send(answer);
  });
  child.recv();
  cg.add(child.pid());
  child.send("go");
  json answer = child.recv();
  child.finish();
  return answer;
}

std::string mount_cgroup2_in_sandbox() {
  const std::string dir = enter_sandbox() + "/cg";
  must_mkdir(dir);
  must_mount("nsm-cgroup2", dir.c_str(), "cgroup2", 0);
  return dir;
}

const Requirements kCgroupNeeds{.namespaces = {kCgroup}, .root = true};

bool has_option(const std::string& options, std::string_view option) {
  std::istringstream in(options);
  std::string item;
  while (std::getline(in, item, ','))
    if (item == option) return true;
  return false;
}

// Skips unless the v2 hierarchy was mounted with nsdelegate, which only the initial cgroup
// namespace can set, for the whole hierarchy: without it a cgroup namespace hides paths but
// confines no one.
void require_nsdelegate() {
  for (const auto& m : read_mountinfo()) {
    if (m.fstype != "cgroup2") continue;
    if (has_option(m.super_options, "nsdelegate") || has_option(m.options, "nsdelegate")) return;
    skip_check(
        fmt::format("the cgroup2 hierarchy ({}) is mounted without nsdelegate, so a cgroup namespace is no delegation "
                    "boundary here (only the initial namespace's mount can set it; systemd and the nsmatrix guest do)",
                    m.mount_point));
  }
  skip_check("no cgroup2 hierarchy is mounted");
}

// "ok" or the errno of writing `text` to `path` in one write(2).
std::string try_write(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_name(errno);
  return outcome_of(::write(fd.get(), text.data(), text.size()));
}

std::string v2_path_of(pid_t pid) { return cgroup_paths(std::to_string(pid)).value("0::", ""); }

// A cgroup v1 hierarchy mounted here whose root cgroup holds the caller (so that a cgroup
// namespace unshared now is rooted there and a mount of it shows release_agent).
struct V1Hierarchy {
  std::string mount_point;
  std::string options;  // what mounts the same hierarchy again: "name=systemd", "cpu"
};

std::optional<V1Hierarchy> v1_hierarchy_at_root() {
  const json own = cgroup_paths("self");
  for (const auto& m : read_mountinfo()) {
    if (m.fstype != "cgroup" || m.root != "/") continue;
    std::vector<std::string> keep;
    std::istringstream in(m.super_options);
    std::string item;
    while (std::getline(in, item, ','))
      if (item != "rw" && item != "ro" && !item.starts_with("release_agent=")) keep.push_back(item);
    // The line of /proc/self/cgroup for this hierarchy: "N:<controllers or name=...>:/path".
    std::string joined;
    for (const auto& k : keep) joined += (joined.empty() ? "" : ",") + k;
    bool at_root = false;
    for (const auto& [hierarchy, path] : own.items()) {
      const auto first = hierarchy.find(':');
      const std::string names = hierarchy.substr(first + 1, hierarchy.size() - first - 2);
      bool all = !names.empty();
      std::istringstream parts(names);
      while (std::getline(parts, item, ',')) all = all && has_option(joined, item);
      if (all && path == "/") at_root = true;
    }
    if (at_root && ::access((m.mount_point + "/release_agent").c_str(), F_OK) == 0)
      return V1Hierarchy{m.mount_point, joined};
  }
  return std::nullopt;
}

// In a child of `spec` (its own cgroup and mount namespaces): the hierarchy mounted again
// in its sandbox, and `value` written to release_agent there.
json write_release_agent_from(const ChildSpec& spec, const V1Hierarchy& h, const std::string& value) {
  return in_child(spec, [h, value] {
    const std::string dir = enter_sandbox() + "/v1";
    must_mkdir(dir);
    json out;
    out["mount"] = outcome_of(::mount("nsm-cgroup-v1", dir.c_str(), "cgroup", 0, h.options.c_str()));
    if (out["mount"] != "ok") return out;
    out["write"] = try_write(dir + "/release_agent", value.empty() ? "\n" : value);
    out["read_back"] = trim(read_file(dir + "/release_agent").value_or(""));
    return out;
  });
}

}  // namespace

NSM_CHECK(CgroupNamespace, ProcSelfCgroupShowsRoot,
          {.id = "cgroup.view.self-is-root",
           .kind = CheckKind::Guarantee,
           .type = kCgroup,
           .title = "after unshare(CLONE_NEWCGROUP), /proc/self/cgroup shows / in every hierarchy",
           .needs = kCgroupNeeds}) {
  ScopedCgroup cg = ScopedCgroup::create_v2();
  const json r = in_cgroup_namespace(cg, 0, [] { return json{{"after", cgroup_paths("self")}}; });
  EXPECT_EQ(r["before"].value("0::", ""), cg.path()) << "before, the child is in the check's own cgroup";
  ASSERT_FALSE(r["after"].empty());
  for (const auto& [hierarchy, path] : r["after"].items()) EXPECT_EQ(path, "/") << hierarchy;
}

NSM_CHECK(CgroupNamespace, OutsideProcessesShowRelativePaths,
          {.id = "cgroup.view.outside-relative",
           .kind = CheckKind::Guarantee,
           .type = kCgroup,
           .title = "seen from a cgroup namespace, a process outside its root cgroup shows a path relative to it (/..)",
           .needs = kCgroupNeeds}) {
  ScopedCgroup cg = ScopedCgroup::create_v2();
  const auto own = own_cgroup2_path();
  const std::string outside = std::to_string(::getpid());
  const json r = in_cgroup_namespace(cg, 0, [outside] { return json{{"suite", cgroup_paths(outside)}}; });
  EXPECT_EQ(r["suite"].value("0::", ""), *own == "/" ? "/.." : "/.." + *own)
      << "the suite's cgroup is the parent of the namespace's root";
}

NSM_CHECK(
    CgroupNamespace, MountinfoHidesHostPath,
    {.id = "cgroup.view.mountinfo-hides-host-path",
     .kind = CheckKind::Guarantee,
     .type = kCgroup,
     .title = "inside a cgroup namespace, mountinfo shows a new cgroup2 mount's root as / and never the host's path",
     .needs = {.namespaces = {kCgroup, NsType::Mnt}, .root = true}}) {
  ScopedCgroup cg = ScopedCgroup::create_v2();
  struct stat outside {};
  ASSERT_EQ(::stat(cg.directory().c_str(), &outside), 0);
  const json r = in_cgroup_namespace(cg, CLONE_NEWNS, [] {
    const std::string dir = mount_cgroup2_in_sandbox();
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw_sys("stat(" + dir + ")");
    json roots = json::array();
    std::string own_root;
    for (const auto& m : read_mountinfo()) {
      if (m.fstype != "cgroup2") continue;
      roots.push_back(m.root);
      if (m.mount_point == dir) own_root = m.root;
    }
    return json{{"own_root", own_root}, {"roots", roots}, {"inode", st.st_ino}};
  });
  // "/" is what the namespace must show: true of the check's cgroup, which is not the
  // hierarchy's root, only when the namespace hides the path above it.
  ASSERT_EQ(r["inode"], outside.st_ino) << "the new mount's root must be the check's cgroup " << cg.path();
  EXPECT_EQ(r["own_root"], "/");
  for (const auto& root : r["roots"])
    EXPECT_EQ(root.get<std::string>().find(cg.path()), std::string::npos)
        << "a cgroup2 root shows the host's path: " << root;
}

NSM_CHECK(CgroupNamespace, Cgroup2MountShowsOnlyTheSubtree,
          {.id = "cgroup.mount.only-subtree",
           .kind = CheckKind::Guarantee,
           .type = kCgroup,
           .title = "a cgroup2 mount inside a cgroup namespace is the namespace's cgroup, with only its processes",
           .needs = {.namespaces = {kCgroup, NsType::Mnt}, .root = true}}) {
  ScopedCgroup cg = ScopedCgroup::create_v2();
  struct stat outside {};
  ASSERT_EQ(::stat(cg.directory().c_str(), &outside), 0);
  const json r = in_cgroup_namespace(cg, CLONE_NEWNS, [] {
    const std::string dir = mount_cgroup2_in_sandbox();
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw_sys("stat(" + dir + ")");
    return json{{"inode", st.st_ino}, {"procs", trim(must_read_file(dir + "/cgroup.procs"))}, {"pid", ::getpid()}};
  });
  EXPECT_EQ(r["inode"], outside.st_ino) << "the mount's root must be the check's cgroup, not the hierarchy's root";
  EXPECT_EQ(r["procs"], std::to_string(r["pid"].get<int>())) << "only the child is in it";
}

NSM_CHECK(
    CgroupDelegation, NamespaceRootIsABoundary,
    {.id = "cgroup.delegation.nsdelegate",
     .kind = CheckKind::Guarantee,
     .type = kCgroup,
     .title = "with nsdelegate, root inside a cgroup namespace can neither pull a process from outside its subtree in "
              "(ENOENT) nor write its root cgroup's own control files (EPERM); from outside, both work",
     .needs = kCgroupNeeds,
     .refs = {"cgroup-v2.rst: nsdelegate, Delegation Containment"}}) {
  require_nsdelegate();
  ScopedCgroup outside = ScopedCgroup::create_v2();
  ScopedCgroup root = ScopedCgroup::create_v2();
  // A process outside the namespace's subtree, for the namespace to try to pull in.
  Peer bystander = Peer::spawn(0, [](Link& link) {
    link.send({});
    link.recv();
  });
  bystander.recv();
  outside.add(bystander.pid());
  const pid_t by = bystander.pid();
  const std::string& dir = root.directory();
  const json r = in_cgroup_namespace(root, 0, [by, dir] {
    json out;
    out["self"] = cgroup_paths("self").value("0::", "");
    out["pull"] = try_write(dir + "/cgroup.procs", std::to_string(by));
    out["root_file"] = try_write(dir + "/cgroup.max.depth", "max");
    return out;
  });
  const std::string by_after = v2_path_of(by);
  // The controls: from the suite's namespace the same writes work.
  const std::string root_file_outside = try_write(dir + "/cgroup.max.depth", "max");
  const std::string pull_outside = try_write(dir + "/cgroup.procs", std::to_string(by));
  const std::string by_end = v2_path_of(by);
  bystander.send("done");
  bystander.finish();
  EXPECT_EQ(r["self"], "/") << "inside, the namespace is rooted at " << root.path();
  EXPECT_EQ(r["pull"], "ENOENT") << "a process in " << outside.path()
                                 << " is outside the namespace: it must not be moved in";
  EXPECT_EQ(by_after, outside.path()) << "the bystander must still be where it was";
  EXPECT_EQ(r["root_file"], "EPERM") << "the namespace's root cgroup's own limits belong to whoever delegated it";
  EXPECT_EQ(root_file_outside, "ok") << "from outside, the same file is writable (the control)";
  EXPECT_EQ(pull_outside, "ok") << "from outside, the same move works (the control)";
  EXPECT_EQ(by_end, root.path());
}

NSM_CHECK(
    CgroupDelegation, MigrationUsesOpenersNamespace,
    {.id = "cgroup.delegation.open-time-namespace",
     .kind = CheckKind::Guarantee,
     .type = kCgroup,
     .title = "a cgroup.procs fd opened inside a cgroup namespace cannot move a process from outside the namespace's "
              "subtree, even when a process outside the namespace writes it (nsdelegate)",
     .needs = kCgroupNeeds,
     .refs = {"CVE-2021-4197",
              "fix: e57457641613 (cgroup: Use open-time cgroup namespace for process migration perm checks)",
              "kselftest cgroup test_cgcore_lesser_ns_open", "LTP cgroup_core02"}}) {
  require_nsdelegate();
  ScopedCgroup a = ScopedCgroup::create_v2();
  ScopedCgroup b = ScopedCgroup::create_v2();
  const std::string a_procs = a.directory() + "/cgroup.procs";
  const std::string b_procs = b.directory() + "/cgroup.procs";
  // The opener: in b, with a cgroup namespace rooted there, opens b's cgroup.procs.
  Peer opener = Peer::spawn(0, [b_procs](Link& link) {
    link.send({});
    link.recv();  // moved into b by the parent
    unshare_verified(CLONE_NEWCGROUP);
    UniqueFd fd(::open(b_procs.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_sys("open(" + b_procs + ") inside the cgroup namespace");
    const int raw = fd.get();
    link.send({{"self", cgroup_paths("self").value("0::", "")}}, std::span<const int>(&raw, 1));
    link.recv();
  });
  opener.recv();
  b.add(opener.pid());
  opener.send("go");
  std::vector<UniqueFd> fds;
  const json opened = opener.recv(fds);
  if (fds.size() != 1) broken("the opener sent no fd of b's cgroup.procs");
  const int fd = fds.front().get();
  // The writer: in the suite's namespace, in a; writes "0" (itself) through the opener's
  // fd, then through an fd of its own (the control).
  const json w = in_child(0, [fd, a_procs, b_procs] {
    write_file(a_procs, "0");
    json out;
    out["start"] = own_cgroup2_path().value_or("");
    out["through_opener"] = outcome_of(::write(fd, "0", 1));
    out["after"] = own_cgroup2_path().value_or("");
    out["own_open"] = try_write(b_procs, "0");
    out["end"] = own_cgroup2_path().value_or("");
    return out;
  });
  opener.send("done");
  opener.finish();
  EXPECT_EQ(opened["self"], "/") << "the opener's namespace is rooted at " << b.path();
  ASSERT_EQ(w["start"], a.path()) << "the writer starts in a";
  EXPECT_EQ(w["through_opener"], "ENOENT") << "the opener's namespace does not see a: the move must be refused";
  EXPECT_EQ(w["after"], a.path()) << "the writer must still be in a";
  EXPECT_EQ(w["own_open"], "ok") << "through its own fd the writer may make the same move (the control)";
  EXPECT_EQ(w["end"], b.path());
}

NSM_CHECK(
    CgroupDelegation, ReleaseAgentRefusedInUserNamespace,
    {.id = "cgroup.v1.release-agent-refused",
     .kind = CheckKind::Guarantee,
     .type = kCgroup,
     .title =
         "root of a user namespace with its own cgroup and mount namespaces may mount a cgroup v1 hierarchy but not "
         "set its release_agent, which the kernel runs as the host's root",
     .needs = {.namespaces = {kCgroup, NsType::User, NsType::Mnt}},
     .refs = {"CVE-2022-0492", "fix: 24f600856418 (cgroup-v1: Require capabilities to set release_agent)"}}) {
  const auto h = v1_hierarchy_at_root();
  if (!h)
    skip_check(
        "no cgroup v1 hierarchy is mounted with this process in its root cgroup (the guest mounts one; a host with "
        "only "
        "cgroup2 has no release_agent)");
  const std::string path = h->mount_point + "/release_agent";
  const std::string before = trim(must_read_file(path));
  // On a host the container writes the value already there: a kernel that lets it through
  // fails the check and changes nothing. A guest writes a new one, and restores it.
  const std::string wanted = is_guest() ? fmt::format("/nsm-gap/release-agent-{}", ::getpid()) : before;
  KnobGuard guard(path, before);
  const json r = write_release_agent_from(in_own_user_ns(CLONE_NEWCGROUP | CLONE_NEWNS), *h, wanted);
  const std::string after = trim(read_file(path).value_or(""));
  guard.restore();
  const std::string evidence = fmt::format(
      "{} ({}): mount inside {}, write of \"{}\" {}; the host's release_agent \"{}\", then \"{}\"", h->mount_point,
      h->options, r["mount"].get<std::string>(), wanted, r.value("write", std::string("not tried")), before, after);
  if (r["mount"] == "EPERM") {
    note("the user namespace may not even mount the hierarchy: " + evidence);
    return;
  }
  if (r["mount"] != "ok") broken("mounting the hierarchy again failed for another reason: " + evidence);
  if (::geteuid() == 0) {
    // Root inside maps to the file's owner, so only the fix's capability check stands in the way.
    EXPECT_EQ(r["write"], "EPERM") << evidence;
  } else {
    // Root inside is the caller: the file's owner (the host's root) is unmapped, and the
    // permission bits refuse first (EACCES); either refusal keeps the host's agent.
    EXPECT_TRUE(r["write"] == "EPERM" || r["write"] == "EACCES") << evidence;
  }
  EXPECT_EQ(after, before) << evidence;
}

NSM_CHECK(CgroupGap, ReleaseAgentSetByPrivilegedContainer,
          {.id = "cgroup.gap.release-agent-privileged",
           .kind = CheckKind::Gap,
           .type = kCgroup,
           .title = "a privileged container (its own cgroup namespace, no user namespace) sets a cgroup v1 hierarchy's "
                    "release_agent for the host: the kernel runs that program as root in the host's namespaces",
           .needs = {.namespaces = kContainerTypes, .root = true, .guest_only = true},
           .refs = {"CVE-2022-0492 (the privileged form stays open by design)"}}) {
  const auto h = v1_hierarchy_at_root();
  if (!h) skip_check("no cgroup v1 hierarchy is mounted with this process in its root cgroup");
  const std::string path = h->mount_point + "/release_agent";
  const std::string before = trim(must_read_file(path));
  const std::string wanted = fmt::format("/nsm-gap/release-agent-{}", ::getpid());
  KnobGuard guard(path, before);
  const json r = write_release_agent_from(container_spec(), *h, wanted);
  const std::string after = trim(read_file(path).value_or(""));
  guard.restore();
  const std::string evidence = fmt::format(
      "{} ({}): mount inside {}, write of \"{}\" {}, read back \"{}\" there; the host's release_agent \"{}\", then "
      "\"{}\" "
      "(restored)",
      h->mount_point, h->options, r["mount"].get<std::string>(), wanted, r.value("write", std::string("not tried")),
      r.value("read_back", std::string()), before, after);
  const std::string mount = r["mount"], write = r.value("write", std::string());
  if (after == wanted) return gap_confirmed(evidence);
  if (mount == "EPERM" || write == "EPERM" || write == "EACCES") return gap_closed(evidence + ": refused");
  broken("the write neither reached the host nor was refused: " + evidence);
}
