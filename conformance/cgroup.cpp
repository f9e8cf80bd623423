// Cgroup namespaces (cgroup_namespaces(7)): the cgroup root a process sees. Each check
// creates its own v2 cgroup (nsm-<pid>-<n>, below the suite's), moves a child into it, and
// the child unshares CLONE_NEWCGROUP there: the namespace is then rooted at a cgroup that
// is not the host's root, so that what it hides is real.
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/cgroup.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
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

NSM_CHECK(CgroupNamespace, MountinfoHidesHostPath,
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
    EXPECT_EQ(root.get<std::string>().find(cg.path()), std::string::npos) << "a cgroup2 root shows the host's path: " << root;
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
