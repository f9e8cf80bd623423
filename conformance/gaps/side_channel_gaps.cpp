// Side channels and global observability: files a container reads, in its own fresh procfs
// and sysfs, that describe the whole machine - memory and slab counters, interrupts, the
// kernel's timers and symbols, the host's disks, the host's cgroup tree - and the host's
// kernel log for a rootless container where kernel.dmesg_restrict=0. Each is read inside
// and compared with the host's reading (twice, around it, where the host's value moves);
// a gap is confirmed only by the host's state seen from inside.
#include <sched.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/fresh_netns.h"
#include "conformance/harness/knob.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

// A /proc file's text, or a skip naming the Kconfig symbol behind it when it does not exist.
std::string text_or_skip(const std::string& path, const std::string& symbol) {
  const auto text = read_file(path);
  if (text) return *text;
  const int err = errno;
  if (err == ENOENT)
    skip_check(fmt::format("{} does not exist ({}): this kernel is built without {}", path, errno_name(err), symbol));
  throw SysError("read(" + path + ")", err);
}

// The numeric value of `key` in a "key value" file (/proc/vmstat); -1 when absent.
long long keyed_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  long long v;
  while (in >> k >> v)
    if (k == key) return v;
  return -1;
}

// Confirmed when the container saw what the host saw before or after; closed when the host
// held still and the container saw something else; broken when the host moved and the
// container matches neither.
void judge(const json& inside, const json& before, const json& after, const std::string& evidence) {
  if (inside == before || inside == after) return gap_confirmed(evidence);
  if (before == after) return gap_closed(evidence);
  broken("the host's view changed between its two reads, and the container's matches neither: " + evidence);
}

// A counter that only grows: the host's own is what lies between its two reads.
void judge_counter(long long inside, long long before, long long after, const std::string& what) {
  const std::string evidence =
      fmt::format("{} inside {}; on the host {} before and {} after", what, inside, before, after);
  if (before < 0) broken("the host has no " + what + ": " + evidence);
  if (inside >= before && inside <= after) return gap_confirmed(evidence);
  if (inside < before) return gap_closed(evidence + ": a count of the container's own");
  broken("the counter inside is beyond the host's: " + evidence);
}

// "Node 0, zone DMA32 spanned 1044480 present 782336 ..." - the zones and their sizes, which
// do not move while the machine runs.
json zones(const std::string& zoneinfo) {
  json out = json::array();
  std::istringstream in(zoneinfo);
  std::string line, zone;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (t.starts_with("Node "))
      zone = t;
    else if (t.starts_with("spanned") || t.starts_with("present"))
      out.push_back(zone + ": " + t);
  }
  return out;
}

// The first column of every line after the header: slab cache names, interrupt numbers.
json first_column(const std::string& text, int header_lines) {
  json out = json::array();
  std::istringstream in(text);
  std::string line;
  for (int n = 0; std::getline(in, line); ++n) {
    if (n < header_lines) continue;
    std::istringstream f(line);
    std::string word;
    if (f >> word) out.push_back(word);
  }
  return out;
}

// The sum over CPUs of /proc/schedstat's run time (the 7th field of each cpuN line, ns).
long long schedstat_run_ns(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  long long sum = 0;
  bool any = false;
  while (std::getline(in, line)) {
    if (!line.starts_with("cpu")) continue;
    std::istringstream f(line);
    std::string cpu;
    long long v = 0;
    f >> cpu;
    for (int i = 0; i < 7 && (f >> v); ++i) {
    }
    sum += v;
    any = true;
  }
  return any ? sum : -1;
}

double monotonic_seconds() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// /proc/timer_list's "now at N nsecs", in seconds; -1 when absent.
double timer_list_now(const std::string& text) {
  const auto at = text.find("now at ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + 7)) / 1e9;
}

std::string read_kernel_log() {
  const int size = ::klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) return {};
  std::string buf(static_cast<size_t>(size), '\0');
  const int n = ::klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf.data(), size);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

}  // namespace

NSM_CHECK(
    SideChannelGap, VmstatIsHostWide,
    {.id = "proc.gap.vmstat-host-wide",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title = "/proc/vmstat inside a container counts the host's memory events (pgfault between the host's two reads)",
     .needs = {.namespaces = kContainerTypes}}) {
  const long long before = keyed_value(must_read_file("/proc/vmstat"), "pgfault");
  // The event counters (pgfault among them) exist only with CONFIG_VM_EVENT_COUNTERS (tinyconfig lacks it).
  if (before < 0) skip_check("/proc/vmstat has no pgfault: this kernel is built without CONFIG_VM_EVENT_COUNTERS");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"pgfault", keyed_value(must_read_file("/proc/vmstat"), "pgfault")}};
  });
  const long long after = keyed_value(must_read_file("/proc/vmstat"), "pgfault");
  judge_counter(inside["pgfault"].get<long long>(), before, after, "/proc/vmstat pgfault");
}

NSM_CHECK(SideChannelGap, ZoneinfoIsHostWide,
          {.id = "proc.gap.zoneinfo-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/zoneinfo inside a container shows the host's memory zones and their sizes",
           .needs = {.namespaces = kContainerTypes}}) {
  const json before = zones(must_read_file("/proc/zoneinfo"));
  if (before.empty()) broken("the host's /proc/zoneinfo lists no zone");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"zones", zones(must_read_file("/proc/zoneinfo"))}};
  });
  const json after = zones(must_read_file("/proc/zoneinfo"));
  judge(inside["zones"], before, after,
        fmt::format("{} zone sizes inside, {} on the host, e.g. \"{}\"", inside["zones"].size(), before.size(),
                    before[0].get<std::string>()));
}

NSM_CHECK(SideChannelGap, SlabinfoIsHostWide,
          {.id = "proc.gap.slabinfo-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/slabinfo inside a privileged container lists the host kernel's slab caches",
           // Mode 0400, root's: only a privileged container reads it.
           .needs = {.namespaces = kContainerTypes, .root = true}}) {
  const json before = first_column(text_or_skip("/proc/slabinfo", "CONFIG_SLUB_DEBUG (or CONFIG_SLAB)"), 2);
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"caches", first_column(must_read_file("/proc/slabinfo"), 2)}};
  });
  const json after = first_column(must_read_file("/proc/slabinfo"), 2);
  judge(inside["caches"], before, after,
        fmt::format("{} slab caches inside, {} on the host", inside["caches"].size(), before.size()));
}

NSM_CHECK(SideChannelGap, InterruptsIsHostWide,
          {.id = "proc.gap.interrupts-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/interrupts inside a container lists the host's interrupt lines",
           .needs = {.namespaces = kContainerTypes}}) {
  const json before = first_column(must_read_file("/proc/interrupts"), 1);
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"lines", first_column(must_read_file("/proc/interrupts"), 1)}};
  });
  const json after = first_column(must_read_file("/proc/interrupts"), 1);
  judge(inside["lines"], before, after,
        fmt::format("{} interrupt lines inside, {} on the host: {}", inside["lines"].size(), before.size(),
                    before.dump()));
}

NSM_CHECK(SideChannelGap, SchedstatIsHostWide,
          {.id = "proc.gap.schedstat-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/schedstat inside a container counts the run time of every task on the host's CPUs",
           .needs = {.namespaces = kContainerTypes}}) {
  const long long before = schedstat_run_ns(text_or_skip("/proc/schedstat", "CONFIG_SCHEDSTATS"));
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"run_ns", schedstat_run_ns(must_read_file("/proc/schedstat"))}};
  });
  const long long after = schedstat_run_ns(must_read_file("/proc/schedstat"));
  judge_counter(inside["run_ns"].get<long long>(), before, after, "/proc/schedstat run time summed over CPUs (ns)");
}

NSM_CHECK(
    SideChannelGap, TimerListShowsHostClockThroughTimeNamespace,
    {.id = "time.gap.timer-list-host-clock",
     .kind = CheckKind::Gap,
     .type = NsType::Time,
     .title = "/proc/timer_list inside a privileged container with a monotonic offset shows the host's CLOCK_MONOTONIC",
     .needs = {
         .namespaces = {NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc, NsType::Cgroup, NsType::Time},
         .root = true}}) {
  static constexpr long kOffset = 86400 * 5;
  if (!read_file("/proc/timer_list"))
    skip_check(fmt::format("/proc/timer_list cannot be read ({})", errno_name(errno)));
  const double before = monotonic_seconds();
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    unshare_verified(CLONE_NEWTIME);
    write_file("/proc/self/timens_offsets", fmt::format("monotonic {} 0", kOffset));
    return in_child(0, [] {
      return json{{"own", monotonic_seconds()}, {"timer_list", timer_list_now(must_read_file("/proc/timer_list"))}};
    });
  });
  const double after = monotonic_seconds();
  const double own = inside["own"].get<double>(), listed = inside["timer_list"].get<double>();
  const std::string evidence = fmt::format(
      "inside, CLOCK_MONOTONIC reads {:.3f} (offset {} s) and /proc/timer_list \"now at\" {:.3f}; "
      "the host's CLOCK_MONOTONIC {:.3f} before, {:.3f} after",
      own, kOffset, listed, before, after);
  ASSERT_TRUE(own >= before + kOffset && own <= after + kOffset)
      << "the offset must hold for the reader itself: " << evidence;
  if (listed >= before && listed <= after) {
    gap_confirmed(evidence);
  } else if (listed >= before + kOffset && listed <= after + kOffset) {
    gap_closed(evidence);
  } else {
    broken("\"now at\" is neither the host's clock nor the namespace's: " + evidence);
  }
}

NSM_CHECK(SideChannelGap, KallsymsShowsKernelAddresses,
          {.id = "kernel.gap.kallsyms-addresses",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/kallsyms inside a privileged container shows the host kernel's symbol addresses (unless "
                    "kernel.kptr_restrict=2)",
           .needs = {.namespaces = kContainerTypes, .root = true}}) {
  // The kernel text's start (_stext, or _text), met in the first lines: the whole file is
  // megabytes, slow to generate. (The very first lines can be per-CPU symbols whose value
  // really is 0.)
  auto text_start = [] {
    std::FILE* f = std::fopen("/proc/kallsyms", "re");
    if (!f) throw SysError("fopen(/proc/kallsyms)", errno);
    char line[256] = {};
    std::string found;
    for (int n = 0; n < 5000 && found.empty() && std::fgets(line, sizeof line, f); ++n) {
      const std::string t = trim(line);
      if (t.ends_with(" _stext") || t.ends_with(" _text")) found = t;
    }
    std::fclose(f);
    if (found.empty()) throw ToolError("/proc/kallsyms names no _stext or _text in its first 5000 lines");
    return found;
  };
  if (::access("/proc/kallsyms", F_OK) != 0)
    skip_check("/proc/kallsyms does not exist: this kernel is built without CONFIG_KALLSYMS");
  const std::string host = text_start();
  const std::string restrict_value = read_sysctl("kernel.kptr_restrict").value_or("?");
  if (host.starts_with("0000000000000000") || host.starts_with("00000000 "))
    skip_check(fmt::format("kernel.kptr_restrict={}: not even the host's root sees addresses here ({})", restrict_value,
                           host));
  const json inside = in_child(container_spec(), [&] {
    prepare_container();
    return json{{"first", text_start()}};
  });
  const std::string seen = inside["first"];
  const std::string evidence =
      fmt::format("kernel.kptr_restrict={}; the kernel text's start inside: \"{}\", on the host: \"{}\"",
                  restrict_value, seen, host);
  if (seen == host) {
    gap_confirmed(evidence);
  } else if (seen.starts_with("0000000000000000") || seen.starts_with("00000000 ")) {
    gap_closed(evidence + ": addresses hidden from the container");
  } else {
    broken("neither the host's address nor a hidden one: " + evidence);
  }
}

NSM_CHECK(
    SideChannelGap, SysBlockListsHostDisks,
    {.id = "kernel.gap.sys-block-host-disks",
     .kind = CheckKind::Gap,
     .type = NsType::Net,
     .title =
         "/sys/block and /sys/class/block in a container's own sysfs (new network namespace) list the host's disks",
     .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_BLOCK"}}}) {
  auto disks = [] {
    return json{{"block", list_directory("/sys/block")}, {"class", list_directory("/sys/class/block")}};
  };
  const json before = disks();
  if (before["block"].empty())
    skip_check("this machine has no block device: /sys/block is empty, so it cannot show whose disks it lists");
  const json inside = in_child(container_spec(), [&] {
    prepare_container();
    remount_sys();
    RouteSocket rt = RouteSocket::open();
    json out = disks();
    out["net"] = list_directory("/sys/class/net");
    out["links"] = describe_links(rt);
    return out;
  });
  const json after = disks();
  const FreshNetns fresh = judge_fresh_netns(inside["links"]);
  ASSERT_TRUE(fresh.problems.empty()) << "the container's network namespace must be fresh: "
                                      << join_problems(fresh.problems);
  ASSERT_EQ(inside["net"], json(fresh.own)) << "the fresh sysfs must be the container's own";
  json seen = inside;
  seen.erase("net");
  seen.erase("links");
  judge(seen, before, after,
        fmt::format("the container's sysfs lists only its own {} in /sys/class/net, but /sys/block {} (host {})",
                    json(fresh.own).dump(), seen["block"].dump(), before["block"].dump()));
}

NSM_CHECK(SideChannelGap, FreshCgroupMountWithoutCgroupNsShowsHostTree,
          {.id = "cgroup.gap.mount-without-cgroupns",
           .kind = CheckKind::Gap,
           .type = NsType::Cgroup,
           .title = "a container without a cgroup namespace that mounts cgroup2 sees the host's whole cgroup tree",
           .needs = {.namespaces = {NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc}, .root = true}}) {
  std::string host_root;
  for (const auto& m : read_mountinfo())
    if (m.fstype == "cgroup2" && m.root == "/") {
      host_root = m.mount_point;
      break;
    }
  if (host_root.empty())
    skip_check("the host has no cgroup2 hierarchy mounted at its root: nothing to compare a fresh mount with");
  const json before = list_directory(host_root);
  const json inside = in_child(container(kContainerFlags & ~CLONE_NEWCGROUP), [] {
    prepare_container();
    const std::string dir = enter_sandbox() + "/cgroup";
    must_mkdir(dir);
    must_mount("nsm-cgroup2", dir.c_str(), "cgroup2", 0);
    return json{{"entries", list_directory(dir)}};
  });
  const json after = list_directory(host_root);
  judge(inside["entries"], before, after,
        fmt::format("a fresh cgroup2 mount inside lists {} entries, the host's {} lists {}: {}",
                    inside["entries"].size(), host_root, before.size(), before.dump()));
}

NSM_CHECK(SideChannelGap, RootlessContainerReadsKernelLog,
          {.id = "kernel.gap.log-readable-rootless",
           .kind = CheckKind::Gap,
           .type = NsType::User,
           .title = "with kernel.dmesg_restrict=0, a rootless container reads the host's kernel log",
           .needs = {.namespaces = kContainerTypes, .rootless = true}}) {
  const auto restrict_value = read_sysctl("kernel.dmesg_restrict");
  // Every kernel of the matrix ships with dmesg_restrict=1. A guest lifts it for the check
  // (put back however it ends), so the gap is seen there; a host is only read.
  std::optional<KnobGuard> lifted;
  if (restrict_value && *restrict_value != "0" && is_guest()) {
    lifted.emplace(sysctl_path("kernel.dmesg_restrict"), *restrict_value);
    write_file(sysctl_path("kernel.dmesg_restrict"), "0");
  }
  if (read_sysctl("kernel.dmesg_restrict") != "0")
    skip_check(fmt::format(
        "kernel.dmesg_restrict={}: only CAP_SYSLOG may read the log here (kernel.gap.log-readable covers that)",
        restrict_value.value_or("absent")));
  const std::string policy =
      lifted ? fmt::format("kernel.dmesg_restrict=0 (set by the check in this guest; it was {})", *restrict_value)
             : std::string("kernel.dmesg_restrict=0");
  const std::string host_log = read_kernel_log();
  if (host_log.empty()) broken("the host's kernel log could not be read or is empty");
  std::string marker = host_log;
  while (!marker.empty() && marker.back() == '\n') marker.pop_back();
  marker = marker.substr(marker.rfind('\n') == std::string::npos ? 0 : marker.rfind('\n') + 1);
  const json inside = in_child(ChildSpec(0), [] {
    become_rootless_user();
    unshare_verified(kContainerFlags);
    const int size = ::klogctl(10, nullptr, 0);
    const std::string log = read_kernel_log();
    return json{{"size", outcome_of(size)}, {"log", log.size() > 65536 ? log.substr(log.size() - 65536) : log}};
  });
  const std::string log = inside["log"];
  const std::string evidence = fmt::format(
      "{}; inside a rootless container syslog(SIZE_BUFFER): {}, read {} bytes; the host's last line {} there", policy,
      inside["size"].get<std::string>(), log.size(), log.find(marker) != std::string::npos ? "is" : "is not");
  if (!log.empty() && log.find(marker) != std::string::npos) {
    gap_confirmed(evidence);
  } else if (inside["size"] == "EPERM") {
    gap_closed(evidence + ": refused");
  } else {
    broken("neither the host's log nor a refusal: " + evidence);
  }
}
