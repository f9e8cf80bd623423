// Known gaps of /proc and friends: files that describe the host's machine, whatever
// namespaces and cgroup limits the reader has. Each is read from inside a container (a
// fresh procfs, as a runtime mounts it) and compared with the host's reading.
#include <sched.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/cgroup.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/proc.h"
#include "probes/requirements.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

// "MemTotal:       24684096 kB" -> 24684096
long meminfo_kb(const std::string& text, const std::string& field) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  throw ToolError("/proc/meminfo has no " + field);
}

int cpuinfo_processors() {
  int n = 0;
  for (const auto& line : file_lines("/proc/cpuinfo"))
    if (line.starts_with("processor")) ++n;
  return n;
}

// "0-3,5" -> 5
int count_cpu_list(const std::string& list) {
  int n = 0;
  std::istringstream in(trim(list));
  std::string range;
  while (std::getline(in, range, ',')) {
    const auto dash = range.find('-');
    n += dash == std::string::npos ? 1 : std::stoi(range.substr(dash + 1)) - std::stoi(range.substr(0, dash)) + 1;
  }
  return n;
}

// The first word after `key` on its line of /proc/stat ("btime", "processes").
std::string stat_value(const std::vector<std::string>& lines, const std::string& key) {
  for (const auto& line : lines)
    if (line.starts_with(key + " ")) return trim(line.substr(key.size() + 1));
  return {};
}

int stat_cpu_lines(const std::vector<std::string>& lines) {
  return static_cast<int>(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.starts_with("cpu") && l.size() > 3 && std::isdigit(static_cast<unsigned char>(l[3]));
  }));
}

std::vector<std::string> diskstats_devices(const std::vector<std::string>& lines) {
  std::vector<std::string> names;
  for (const auto& line : lines) {
    std::istringstream f(line);
    std::string major, minor, name;
    if (f >> major >> minor >> name) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The lines of a /proc file that exists only when `symbol` is built in; when the kernel's
// config could not tell (the requirement then passes), its absence is the skip.
std::vector<std::string> lines_or_skip(const std::string& path, const std::string& symbol) {
  const auto text = read_file(path);
  if (!text) {
    const int err = errno;
    if (err == ENOENT)
      skip_check(fmt::format("{} does not exist ({}): this kernel is built without {}", path, errno_name(err), symbol));
    throw SysError("read(" + path + ")", err);
  }
  std::istringstream in(*text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The swap areas of /proc/swaps as "file type size": the Used column changes with every
// page swapped, so it is no part of whose areas they are.
json swap_areas(const std::vector<std::string>& lines) {
  json areas = json::array();
  for (size_t i = 1; i < lines.size(); ++i) {
    std::istringstream f(lines[i]);
    std::string file, type, size;
    if (f >> file >> type >> size) areas.push_back(file + " " + type + " " + size);
  }
  return areas;
}

// A host-wide view, judged by two reads of the host's around the container's: confirmed
// when the container saw what the host saw, closed when the host held still and the
// container saw something else, broken when the host changed under the check.
void judge_against_host_reads(const json& inside, const json& host_before, const json& host_after,
                              const std::string& evidence) {
  if (inside == host_before || inside == host_after) return gap_confirmed(evidence);
  if (host_before == host_after) return gap_closed(evidence);
  broken("the host's view changed between its two reads, and the container's matches neither: " + evidence);
}

int numeric_entries(const std::string& dir) {
  const auto names = list_directory(dir);
  return static_cast<int>(std::count_if(names.begin(), names.end(), [](const std::string& n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), ::isdigit);
  }));
}

}  // namespace

NSM_CHECK(MemoryGap, MeminfoIgnoresCgroupLimit,
          {.id = "cgroup.gap.meminfo-ignores-limit",
           .kind = CheckKind::Gap,
           .type = NsType::Cgroup,
           .title = "/proc/meminfo's MemTotal inside a memory-limited container is the host's, not the limit",
           .needs = {.namespaces = kContainerTypes, .root = true}}) {
  constexpr uint64_t kLimit = 64ull << 20;
  ScopedCgroup cg = ScopedCgroup::with_memory_limit(kLimit);
  const long host_total = meminfo_kb(must_read_file("/proc/meminfo"), "MemTotal");
  Peer child = Peer::spawn(container_spec(), [](Link& link) {
    link.send({});
    link.recv();  // now in the limited cgroup
    prepare_container();
    link.send({{"mem_total_kb", meminfo_kb(must_read_file("/proc/meminfo"), "MemTotal")}});
  });
  child.recv();
  cg.add(child.pid());
  child.send("go");
  const json inside = child.recv();
  child.finish();
  const long inside_total = inside["mem_total_kb"].get<long>();
  const std::string evidence =
      fmt::format("memory limit {} kB ({} cgroup {}); MemTotal inside {} kB, on the host {} kB", kLimit / 1024,
                  cg.hierarchy(), cg.path(), inside_total, host_total);
  if (inside_total == host_total && static_cast<uint64_t>(inside_total) * 1024 > kLimit) {
    gap_confirmed(evidence);
  } else if (static_cast<uint64_t>(inside_total) * 1024 <= kLimit) {
    gap_closed(evidence);
  } else {
    ADD_FAILURE() << "MemTotal inside is neither the host's nor the limit: " << evidence;
  }
}

NSM_CHECK(CpuGap, CpuCountIgnoresAffinity,
          {.id = "cgroup.gap.cpu-count-ignores-affinity",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "the CPU count in /proc/cpuinfo, /sys and sysconf ignores the affinity (and cpuset) a container is "
                    "confined to",
           .needs = {.namespaces = kContainerTypes}}) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (::sched_getaffinity(0, sizeof mine, &mine) != 0) broken("sched_getaffinity: " + errno_name(errno));
  if (CPU_COUNT(&mine) < 2)
    skip_check(fmt::format("this process may run on {} CPU only: there is nothing to confine it to", CPU_COUNT(&mine)));
  const int host_cpuinfo = cpuinfo_processors();
  const long host_sysconf = ::sysconf(_SC_NPROCESSORS_ONLN);
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    cpu_set_t all, one;
    ::sched_getaffinity(0, sizeof all, &all);
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &all)) {
        CPU_SET(cpu, &one);
        break;
      }
    if (::sched_setaffinity(0, sizeof one, &one) != 0) throw_sys("sched_setaffinity(one CPU)");
    cpu_set_t now;
    ::sched_getaffinity(0, sizeof now, &now);
    return json{{"allowed", CPU_COUNT(&now)},
                {"cpuinfo", cpuinfo_processors()},
                {"sys_online", count_cpu_list(must_read_file("/sys/devices/system/cpu/online"))},
                {"sysconf", ::sysconf(_SC_NPROCESSORS_ONLN)}};
  });
  const std::string evidence = fmt::format(
      "confined to {} CPU, the container counts {} in /proc/cpuinfo, {} in /sys/devices/system/cpu/online and {} "
      "from sysconf(_SC_NPROCESSORS_ONLN); the host counts {} and {}",
      inside["allowed"].get<int>(), inside["cpuinfo"].get<int>(), inside["sys_online"].get<int>(),
      inside["sysconf"].get<long>(), host_cpuinfo, host_sysconf);
  ASSERT_EQ(inside["allowed"], 1) << "the confinement did not take: " << evidence;
  if (inside["cpuinfo"] == host_cpuinfo && inside["sysconf"] == host_sysconf) {
    gap_confirmed(evidence);
  } else if (inside["cpuinfo"] == 1 && inside["sysconf"] == 1) {
    gap_closed(evidence);
  } else if (inside["cpuinfo"] == host_cpuinfo || inside["sysconf"] == host_sysconf) {
    gap_confirmed(evidence + " (partly: the host's count is still seen in one of them)");
  } else {
    broken("the counts inside are neither the host's nor the confinement's: " + evidence);
  }
}

NSM_CHECK(ProcGap, LoadavgIsHostWide,
          {.id = "proc.gap.loadavg-host-wide",
           .kind = CheckKind::Gap,
           .type = NsType::Pid,
           .title = "/proc/loadavg inside a container counts the host's tasks, not the container's",
           .needs = {.namespaces = kContainerTypes}}) {
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"loadavg", trim(must_read_file("/proc/loadavg"))}, {"visible", numeric_entries("/proc")}};
  });
  // "0.00 0.01 0.05 1/123 4567": the fourth field is runnable/total scheduling entities.
  std::istringstream fields(inside["loadavg"].get<std::string>());
  std::string a, b, c, tasks;
  fields >> a >> b >> c >> tasks;
  const auto slash = tasks.find('/');
  if (slash == std::string::npos) broken("unexpected /proc/loadavg: " + inside["loadavg"].get<std::string>());
  const int total = std::stoi(tasks.substr(slash + 1));
  const int visible = inside["visible"].get<int>();
  const std::string evidence =
      fmt::format("inside, /proc/loadavg reads \"{}\": {} tasks, while the container's /proc shows {} process(es)",
                  inside["loadavg"].get<std::string>(), total, visible);
  if (total > visible) {
    gap_confirmed(evidence);
  } else {
    gap_closed(evidence);
  }
}

NSM_CHECK(ProcGap, StatIsHostWide,
          {.id = "proc.gap.stat-host-wide",
           .kind = CheckKind::Gap,
           .type = NsType::Pid,
           .title = "/proc/stat inside a container is the host's: its CPUs, boot time and fork count",
           .needs = {.namespaces = kContainerTypes}}) {
  const auto host = file_lines("/proc/stat");
  const long host_forks = std::stol(stat_value(host, "processes"));
  long host_forks_after = 0;
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    const auto lines = file_lines("/proc/stat");
    return json{{"btime", stat_value(lines, "btime")},
                {"processes", stat_value(lines, "processes")},
                {"cpus", stat_cpu_lines(lines)}};
  });
  host_forks_after = std::stol(stat_value(file_lines("/proc/stat"), "processes"));
  const long inside_forks = std::stol(inside["processes"].get<std::string>());
  const std::string evidence = fmt::format(
      "inside: btime {}, {} forks since boot, {} cpu lines; host: btime {}, {} forks before and {} after, {} cpu lines",
      inside["btime"].get<std::string>(), inside_forks, inside["cpus"].get<int>(), stat_value(host, "btime"),
      host_forks, host_forks_after, stat_cpu_lines(host));
  // The fork counter moves on a busy host: the host's own is what lies between its two reads.
  const bool host_counter = inside_forks >= host_forks && inside_forks <= host_forks_after;
  if (inside["btime"] == stat_value(host, "btime") && host_counter && inside["cpus"] == stat_cpu_lines(host)) {
    gap_confirmed(evidence);
  } else if (inside["btime"] != stat_value(host, "btime") || inside_forks < host_forks) {
    gap_closed(evidence + ": a boot time or fork count of its own");
  } else {
    broken("/proc/stat inside is neither the host's nor its own: " + evidence);
  }
}

NSM_CHECK(ProcGap, DiskstatsIsHostWide,
          {.id = "proc.gap.diskstats-host-wide",
           .kind = CheckKind::Gap,
           .type = NsType::Mnt,
           .title = "/proc/diskstats inside a container lists the host's block devices",
           .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_BLOCK"}}}) {
  const auto host = diskstats_devices(lines_or_skip("/proc/diskstats", "CONFIG_BLOCK"));
  if (host.empty())
    skip_check("this machine has no block device: /proc/diskstats is empty, so it cannot show whose devices it lists");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"devices", diskstats_devices(file_lines("/proc/diskstats"))}};
  });
  const auto host_after = diskstats_devices(file_lines("/proc/diskstats"));
  const std::string evidence = fmt::format("inside: {}; host before: {}, after: {}", inside["devices"].dump(),
                                           json(host).dump(), json(host_after).dump());
  judge_against_host_reads(inside["devices"], json(host), json(host_after), evidence);
}

NSM_CHECK(ProcGap, SwapsIsHostWide,
          {.id = "proc.gap.swaps-host-wide",
           .kind = CheckKind::Gap,
           .type = NsType::Mnt,
           .title = "/proc/swaps inside a container lists the host's swap areas",
           .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_SWAP"}}}) {
  const auto host = lines_or_skip("/proc/swaps", "CONFIG_SWAP");
  if (host.size() <= 1)
    skip_check(
        "no swap area is active on this machine: /proc/swaps holds only its header, so it cannot show whose swap it "
        "lists");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"swaps", swap_areas(file_lines("/proc/swaps"))}};
  });
  const json before = swap_areas(host);
  const json after = swap_areas(file_lines("/proc/swaps"));
  const std::string evidence = fmt::format("swap areas (file, type, size) inside: {}; host before: {}, after: {}",
                                           inside["swaps"].dump(), before.dump(), after.dump());
  judge_against_host_reads(inside["swaps"], before, after, evidence);
}

NSM_CHECK(ProcGap, BootIdIsShared,
          {.id = "proc.gap.boot-id-shared",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "kernel.random.boot_id inside a container (even with a time namespace) is the host's",
           .needs = {.namespaces = kContainerTypes}}) {
  const std::string host = trim(must_read_file("/proc/sys/kernel/random/boot_id"));
  // With a time namespace where the kernel has them (the probe's verdict, as for a need).
  const int time_flag = unmet_requirement({.namespaces = {NsType::Time}}) ? 0 : CLONE_NEWTIME;
  const json inside = in_child(container_spec(time_flag), [] {
    prepare_container();
    return json{{"boot_id", trim(must_read_file("/proc/sys/kernel/random/boot_id"))}};
  });
  const std::string evidence = fmt::format("inside {}, host {}", inside["boot_id"].get<std::string>(), host);
  if (inside["boot_id"] == host) {
    gap_confirmed(evidence);
  } else {
    gap_closed(evidence);
  }
}

NSM_CHECK(
    ProcGap, UnameReleaseAndVersionAreTheHosts,
    {.id = "uts.gap.uname-release-shared",
     .kind = CheckKind::Gap,
     .type = NsType::Uts,
     .title = "uname's release and version inside a UTS namespace are the host kernel's: only the names are isolated",
     .needs = {.namespaces = kContainerTypes}}) {
  struct utsname host {};
  ASSERT_EQ(::uname(&host), 0);
  const json inside = in_child(container_spec(), [] {
    if (::sethostname("nsm-container", 13) != 0) throw_sys("sethostname");
    struct utsname u {};
    if (::uname(&u) != 0) throw_sys("uname");
    return json{{"nodename", u.nodename}, {"release", u.release}, {"version", u.version}, {"machine", u.machine}};
  });
  ASSERT_EQ(inside["nodename"], "nsm-container") << "the container's own UTS namespace must hold its name";
  const std::string evidence =
      fmt::format("inside: nodename {}, release {}, version {}", inside["nodename"].get<std::string>(),
                  inside["release"].get<std::string>(), inside["version"].get<std::string>());
  if (inside["release"] == host.release && inside["version"] == host.version && inside["machine"] == host.machine) {
    gap_confirmed(evidence + " (the host's release and version)");
  } else {
    gap_closed(evidence + fmt::format("; host: release {}, version {}", host.release, host.version));
  }
}

NSM_CHECK(ProcGap, ProcWithoutRemountShowsHostProcesses,
          {.id = "pid.gap.proc-without-remount",
           .kind = CheckKind::Gap,
           .type = NsType::Pid,
           .title = "a PID namespace that keeps the old /proc (no remount) sees the host's processes in it",
           .needs = {.namespaces = {NsType::Pid, NsType::Mnt}}}) {
  const pid_t suite = ::getpid();
  const json inside = in_child(container(CLONE_NEWPID | CLONE_NEWNS), [suite] {
    char self[32] = {};
    if (::readlink("/proc/self", self, sizeof self - 1) < 0) throw_sys("readlink(/proc/self)");
    return json{{"suite_visible", ::access(fmt::format("/proc/{}/status", suite).c_str(), F_OK) == 0},
                {"proc_self", self},
                {"getpid", ::getpid()},
                {"entries", numeric_entries("/proc")}};
  });
  const std::string evidence =
      fmt::format("inside (getpid() = {}), /proc/self is {}, /proc lists {} processes, and the suite's /proc/{} is {}",
                  inside["getpid"].get<int>(), inside["proc_self"].get<std::string>(), inside["entries"].get<int>(),
                  suite, inside["suite_visible"] == true ? "there" : "absent");
  if (inside["suite_visible"] == true && inside["proc_self"] != "1") {
    gap_confirmed(evidence);
  } else if (inside["suite_visible"] == false && inside["proc_self"] == "1") {
    gap_closed(evidence + ": the old /proc follows the reader's PID namespace");
  } else {
    broken("the old /proc is neither the host's view nor the namespace's: " + evidence);
  }
}
