#include "runtimes/inside_view.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include <fmt/format.h>

#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/netlink.h"
#include "core/ns_id.h"
#include "core/ns_types.h"
#include "core/proc.h"
#include "core/results.h"
#include "runtimes/inside_gaps.h"
#include "runtimes/inside_parse.h"

namespace nsm::runtimes {

using json = nlohmann::json;

namespace {

// A section that could not be read says why in its place; the view goes on.
json section(const std::function<json()>& read) {
  try {
    return read();
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  }
}

json namespaces_section() {
  const KernelVersion kernel = KernelVersion::running();
  json out = json::object();
  for (const auto& info : ns_types()) {
    const auto id = ns_id_at("self", info.proc_name);
    if (!id) {
      out[std::string(info.name)] = {
          {"inode", nullptr}, {"initial", nullptr}, {"why", "no /proc/self/ns entry: the kernel lacks the type"}};
      continue;
    }
    const auto initial = initial_ns_inode(info.type, kernel);
    json entry{{"inode", id->ino}};
    if (initial) {
      entry["initial"] = id->ino == *initial;
    } else {
      entry["initial"] = nullptr;
      entry["why"] = fmt::format(
          "before 6.18 the initial {} namespace's inode is allocated at boot: undecidable from inside", info.name);
    }
    out[std::string(info.name)] = entry;
  }
  return out;
}

json id_map_json(const std::string& path) {
  const auto text = read_file(path);
  if (!text) return {{"error", errno_name(errno)}};
  json ranges = json::array();
  const auto parsed = parse_id_map(*text);
  for (const auto& r : parsed) ranges.push_back({r.inside, r.outside, r.count});
  return {{"ranges", ranges}, {"identity", is_identity_map(parsed)}};
}

json ids_section() {
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  ::getresuid(&ru, &eu, &su);
  ::getresgid(&rg, &eg, &sg);
  const auto setgroups = read_file("/proc/self/setgroups");
  return {{"uid", {ru, eu, su}},
          {"gid", {rg, eg, sg}},
          {"uid_map", id_map_json("/proc/self/uid_map")},
          {"gid_map", id_map_json("/proc/self/gid_map")},
          {"setgroups", setgroups ? json(trim(*setgroups)) : json(nullptr)}};
}

json capabilities_section(const std::string& status) {
  json out = json::object();
  for (const auto& [key, field] : {std::pair{"effective", "CapEff"},
                                   {"permitted", "CapPrm"},
                                   {"inheritable", "CapInh"},
                                   {"bounding", "CapBnd"},
                                   {"ambient", "CapAmb"}}) {
    const auto hex = status_field(status, field);
    if (!hex) {
      out[key] = nullptr;
      continue;
    }
    out[key] = capability_names(std::stoull(*hex, nullptr, 16));
  }
  return out;
}

// Each call with arguments the kernel rejects: `reached` is its answer to them.
struct Probe {
  ProbedCall call;
  std::function<long()> invoke;
};

const std::vector<Probe>& probes() {
  static const std::vector<Probe> table = {
      {{"unshare", "EINVAL"},
       [] { return ::syscall(SYS_unshare, 0x1); }},  // a signal-number bit: no unshare flag (0x80 is CLONE_NEWTIME)
      {{"setns", "EBADF"}, [] { return ::syscall(SYS_setns, -1, 0); }},
      {{"clone3", "EINVAL"}, [] { return ::syscall(SYS_clone3, nullptr, 0); }},  // size 0
      {{"mount", "EFAULT"}, [] { return ::syscall(SYS_mount, nullptr, nullptr, nullptr, 0, nullptr); }},
      {{"umount2", "EINVAL"}, [] { return ::syscall(SYS_umount2, "/", 0x80000000); }},  // an unknown flag
      {{"pivot_root", "EFAULT"}, [] { return ::syscall(SYS_pivot_root, nullptr, nullptr); }},
      {{"fsopen", "EFAULT"}, [] { return ::syscall(SYS_fsopen, nullptr, 0); }},
      {{"keyctl", "EOPNOTSUPP"}, [] { return ::syscall(SYS_keyctl, 0x7fff, 0, 0, 0, 0); }},  // no such operation
      {{"add_key", "EFAULT"}, [] { return ::syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0); }},
      {{"request_key", "EFAULT"}, [] { return ::syscall(SYS_request_key, nullptr, nullptr, nullptr, 0); }},
      {{"bpf", "EINVAL"}, [] { return ::syscall(SYS_bpf, 0x7fff, nullptr, 0); }},  // no such command
      {{"perf_event_open", "EFAULT"}, [] { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
  };
  return table;
}

json seccomp_section(const std::string& status) {
  const auto mode = status_field(status, "Seccomp");
  const auto filters = status_field(status, "Seccomp_filters");
  static const char* const kModes[] = {"disabled", "strict", "filter"};
  json out{
      {"mode", mode && *mode >= "0" && *mode <= "2" ? json(kModes[std::stoi(*mode)]) : json(mode.value_or("unknown"))},
      {"filters", filters ? json(std::stoi(*filters)) : json(nullptr)}};
  json calls = json::object();
  json refused = json::array();
  for (const auto& p : probes()) {
    errno = 0;
    const long r = p.invoke();
    const std::string got = r < 0 ? errno_name(errno) : "ok";
    calls[p.call.name] = {{"errno", got}, {"reached", got == p.call.reached}};
    if (got != p.call.reached) refused.push_back(p.call.name);
  }
  out["calls"] = calls;
  out["refused"] = refused;  // every call stopped before the kernel looked at its arguments
  return out;
}

json lsm_section() {
  json out = json::object();
  for (const auto& [key, path] : {std::pair{"current", "/proc/self/attr/current"},
                                  {"apparmor", "/proc/self/attr/apparmor/current"},
                                  {"lsm", "/sys/kernel/security/lsm"}}) {
    const auto v = read_file(path);
    std::string text = v ? trim(*v) : std::string();
    while (!text.empty() && text.back() == '\0') text.pop_back();
    out[key] = v ? json(text) : json({{"error", errno_name(errno)}});
  }
  return out;
}

json cgroup_section() {
  json out = json::object();
  json lines = json::array();
  for (const auto& l : parse_proc_cgroup(must_read_file("/proc/self/cgroup")))
    lines.push_back({{"hierarchy", l.hierarchy}, {"controllers", l.controllers}, {"path", l.path}});
  out["membership"] = lines;
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) == 0)
    out["mount"] = fs.f_type == CGROUP2_SUPER_MAGIC ? "v2"
                   : fs.f_type == TMPFS_MAGIC       ? "v1 (tmpfs of hierarchies)"
                                                    : fmt::format("{:#x}", fs.f_type);
  else
    out["mount"] = errno_name(errno);
  // The limits as the cgroup mount's root shows them (the container's own, where a runtime
  // gives it a cgroup namespace or binds its cgroup there).
  json limits = json::object();
  for (const char* file : {"memory.max", "memory/memory.limit_in_bytes", "pids.max", "pids/pids.max", "cpu.max",
                           "cpu/cpu.cfs_quota_us", "cpuset.cpus.effective", "cpuset/cpuset.effective_cpus"}) {
    if (const auto v = read_file(std::string("/sys/fs/cgroup/") + file)) limits[file] = trim(*v);
  }
  out["limits"] = limits;
  return out;
}

// Paths runtimes mask or make read-only (the OCI runtime spec's defaults, and Docker's).
const std::vector<std::string> kSensitivePaths = {"/proc/kcore",       "/proc/keys",          "/proc/timer_list",
                                                  "/proc/sched_debug", "/proc/latency_stats", "/proc/sysrq-trigger",
                                                  "/proc/acpi",        "/proc/scsi",          "/proc/asound",
                                                  "/proc/irq",         "/proc/bus",           "/proc/fs",
                                                  "/proc/sys",         "/sys/firmware",       "/sys/kernel/debug",
                                                  "/sys/fs/cgroup",    "/sys/kernel/security"};

bool directory_is_empty(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return false;
  bool empty = true;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(d);
  return empty;
}

json paths_section() {
  const auto mounts = conformance::read_mountinfo();
  json out = json::object();
  for (const auto& path : kSensitivePaths) {
    struct stat st {};
    PathStat ps;
    if (::stat(path.c_str(), &st) == 0) {
      ps.exists = true;
      ps.char_device = S_ISCHR(st.st_mode);
      ps.rdev = st.st_rdev;
      ps.directory = S_ISDIR(st.st_mode);
      ps.empty_directory = ps.directory && directory_is_empty(path);
    } else if (errno != ENOENT) {
      out[path] = errno_name(errno);  // EACCES: a refusal of its own
      continue;
    }
    out[path] = std::string(path_state_name(judge_path(path, ps, mounts)));
  }
  return out;
}

json devices_section() {
  json out = json::array();
  for (const auto& name : conformance::list_directory("/dev")) {
    struct stat st {};
    const std::string path = "/dev/" + name;
    if (::lstat(path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) continue;
    out.push_back(
        fmt::format("{} {} {}:{}", name, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev), minor(st.st_rdev)));
  }
  return out;
}

json network_section() {
  RouteSocket rt = RouteSocket::open();
  json out = json::array();
  for (const auto& l : rt.links()) {
    out.push_back({{"name", l.name},
                   {"ifindex", l.ifindex},
                   {"kind", l.kind},
                   {"up", l.up()},
                   {"master", l.master},
                   {"peer_ifindex", l.link ? json(l.link) : json(nullptr)},
                   {"peer_netnsid", l.link_netnsid ? json(*l.link_netnsid) : json(nullptr)}});
  }
  return out;
}

}  // namespace

const std::vector<ProbedCall>& probed_calls() {
  static const std::vector<ProbedCall> calls = [] {
    std::vector<ProbedCall> out;
    for (const auto& p : probes()) out.push_back(p.call);
    return out;
  }();
  return calls;
}

json collect_inside_view(const InsideOptions& options) {
  const std::string status = must_read_file("/proc/self/status");
  json view{{"schema_version", kSchemaVersion},
            {"kind", "inside"},
            {"token", options.token},
            {"pid", ::getpid()},
            {"kernel", KernelVersion::running().release()}};
  view["namespaces"] = section(namespaces_section);
  view["ids"] = section(ids_section);
  view["capabilities"] = section([&] { return capabilities_section(status); });
  const auto nnp = ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  view["no_new_privs"] = nnp < 0 ? json(errno_name(errno)) : json(nnp == 1);
  view["seccomp"] = section([&] { return seccomp_section(status); });
  view["lsm"] = section(lsm_section);
  view["cgroup"] = section(cgroup_section);
  view["paths"] = section(paths_section);
  view["devices"] = section(devices_section);
  view["network"] = section(network_section);
  view["gap_readings"] = observe_gaps();
  view["gaps"] = judge_gaps(view["gap_readings"], nullptr, nullptr);
  return view;
}

}  // namespace nsm::runtimes
