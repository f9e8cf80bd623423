#include "runtimes/inside_gaps.h"

#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/klog.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/mounts.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/sha256.h"
#include "core/unique_fd.h"

namespace nsm::runtimes {

using json = nlohmann::json;

namespace {

constexpr int kSyslogReadAll = 3;
constexpr int kSyslogSizeBuffer = 10;
constexpr size_t kLogTail = 16384;  // enough for the lines a container's start adds to the log

const std::vector<std::string> kKernelSysctls{"kernel.threads-max", "kernel.randomize_va_space", "kernel.panic",
                                              "kernel.printk"};
const std::vector<std::string> kVmSysctls{"vm.max_map_count", "vm.swappiness", "vm.overcommit_memory",
                                          "vm.dirty_ratio"};

// The errnos by which the kernel (or a seccomp filter, or a read-only mount) refuses an act:
// a positive observation that it is not allowed. ENOSYS is a filter's answer for a call
// every kernel here has.
bool refused(const json& outcome) {
  return outcome.is_string() &&
         (outcome == "EPERM" || outcome == "EACCES" || outcome == "EROFS" || outcome == "ENOSYS");
}

int64_t clock_ns(clockid_t clock) {
  struct timespec ts {};
  if (::clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A list as its size and digest: equal lists, equal digests, without carrying the list.
json digest_of(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  std::string joined;
  for (const auto& n : names) joined += n + "\n";
  return {{"count", names.size()}, {"sha256", sha256_hex(joined)}};
}

// A file's lines, digested by `key` of each line; {"error": errno} when it cannot be read.
json file_digest(const std::string& path, const std::function<std::string(const std::string&)>& key) {
  const auto text = read_file(path);
  if (!text) return {{"error", errno_name(errno)}};
  std::vector<std::string> keys;
  for (const auto& line : lines_of(*text))
    if (auto k = key(line); !k.empty()) keys.push_back(k);
  return digest_of(keys);
}

std::string first_word(const std::string& line) { return line.substr(0, line.find(' ')); }

json observe_log() {
  const int size = ::klogctl(kSyslogSizeBuffer, nullptr, 0);
  if (size < 0) return {{"size", errno_name(errno)}};
  std::string buf(static_cast<size_t>(size), '\0');
  const int n = ::klogctl(kSyslogReadAll, buf.data(), size);
  if (n < 0) return {{"size", "ok"}, {"read", errno_name(errno)}};
  buf.resize(static_cast<size_t>(n));
  if (buf.size() > kLogTail) buf = buf.substr(buf.size() - kLogTail);
  auto lines = lines_of(buf);
  if (!lines.empty() && buf.size() == kLogTail) lines.erase(lines.begin());  // cut mid-line
  return {{"size", "ok"}, {"read", "ok"}, {"tail", lines}};
}

json observe_keyring() {
  const long serial = ::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1, 0, 0);
  return {{"user_keyring", serial < 0 ? json(errno_name(errno)) : json(serial)}};
}

json observe_sysctls(const std::vector<std::string>& names) {
  json out = json::object();
  for (const auto& name : names) {
    const auto value = read_sysctl(name);
    const int read_errno = errno;
    UniqueFd w(::open(sysctl_path(name).c_str(), O_WRONLY | O_CLOEXEC));
    out[name] = {{"value", value ? json(*value) : json(errno_name(read_errno))},
                 {"open_for_write", w ? "ok" : errno_name(errno)}};
  }
  return out;
}

long meminfo_kb(const std::string& text, const std::string& field) {
  for (const auto& line : lines_of(text))
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  return -1;
}

// The memory limit of the cgroup the process is in, as seen at its cgroup mount's root
// (where a runtime with a cgroup namespace, or a bind of the container's own cgroup, puts
// it). null when there is none or no file says.
json memory_limit() {
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const auto v = read_file(path);
    if (!v) continue;
    const std::string t = trim(*v);
    if (t == "max") return {{"file", path}, {"bytes", nullptr}};
    const unsigned long long bytes = std::stoull(t);
    // cgroup v1 says "no limit" with the largest page-aligned value.
    return {{"file", path}, {"bytes", bytes >= (1ull << 62) ? json(nullptr) : json(bytes)}};
  }
  return {{"file", nullptr}, {"bytes", nullptr}};
}

int cpuinfo_processors() {
  int n = 0;
  for (const auto& line : lines_of(read_file("/proc/cpuinfo").value_or("")))
    if (line.starts_with("processor")) ++n;
  return n;
}

// Confined to one CPU for the measurement (the process's own affinity, put back after).
json observe_cpu_count() {
  cpu_set_t all;
  if (::sched_getaffinity(0, sizeof all, &all) != 0) return {{"error", errno_name(errno)}};
  json out{{"allowed_before", CPU_COUNT(&all)},
           {"host_cpuinfo", cpuinfo_processors()},
           {"host_sysconf", ::sysconf(_SC_NPROCESSORS_ONLN)}};
  if (CPU_COUNT(&all) < 2) return out;
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &all)) {
      CPU_SET(cpu, &one);
      break;
    }
  if (::sched_setaffinity(0, sizeof one, &one) != 0) return {{"error", "sched_setaffinity: " + errno_name(errno)}};
  cpu_set_t now;
  ::sched_getaffinity(0, sizeof now, &now);
  out["allowed"] = CPU_COUNT(&now);
  out["cpuinfo"] = cpuinfo_processors();
  out["sysconf"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  ::sched_setaffinity(0, sizeof all, &all);
  return out;
}

int numeric_entries(const std::string& dir) {
  const auto names = conformance::list_directory(dir);
  return static_cast<int>(std::count_if(names.begin(), names.end(), [](const std::string& n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), ::isdigit);
  }));
}

std::string stat_value(const std::vector<std::string>& lines, const std::string& key) {
  for (const auto& line : lines)
    if (line.starts_with(key + " ")) return trim(line.substr(key.size() + 1));
  return {};
}

json observe_stat() {
  const auto text = read_file("/proc/stat");
  if (!text) return {{"error", errno_name(errno)}};
  const auto lines = lines_of(*text);
  const auto cpus = std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.starts_with("cpu") && l.size() > 3 && std::isdigit(static_cast<unsigned char>(l[3]));
  });
  return {{"btime", stat_value(lines, "btime")}, {"cpus", cpus}};
}

json observe_swaps() {
  const auto text = read_file("/proc/swaps");
  if (!text) return {{"error", errno_name(errno)}};
  json areas = json::array();
  const auto lines = lines_of(*text);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::istringstream f(lines[i]);
    std::string file, type, size;
    if (f >> file >> type >> size) areas.push_back(file + " " + type + " " + size);
  }
  return {{"areas", areas}};
}

json read_or_errno(const std::string& path) {
  const auto v = read_file(path);
  return v ? json(trim(*v)) : json({{"error", errno_name(errno)}});
}

// --- judging -------------------------------------------------------------------------

// A gap judged: its outcome and the evidence for it.
struct Judgement {
  Outcome outcome;
  std::string evidence;
};

Judgement confirmed(std::string e) { return {Outcome::GapConfirmed, std::move(e)}; }
Judgement closed(std::string e) { return {Outcome::GapClosed, std::move(e)}; }
Judgement skip(std::string e) { return {Outcome::Skip, std::move(e)}; }
Judgement broken(std::string e) { return {Outcome::Broken, std::move(e)}; }

const char* const kNeedsHost = "needs the host's readings around the container's (nsmatrix runtimes takes them)";

bool have_host(const json& before, const json& after) { return !before.is_null() && !after.is_null(); }

// A host-wide view: confirmed when the container saw what the host saw, closed when the
// host held still and the container saw something else, broken when the host changed.
Judgement against_host_reads(const json& inside, const json& before, const json& after, const std::string& what) {
  const std::string evidence = fmt::format("{}: inside {}, on the host {} before and {} after", what, inside.dump(),
                                           before.dump(), after.dump());
  if (inside.is_object() && inside.contains("error")) {
    if (refused(inside["error"])) return closed(evidence + ": refused inside");
    return broken(evidence);
  }
  if (inside == before || inside == after) return confirmed(evidence);
  if (before == after) return closed(evidence);
  return broken("the host's reading changed between its two reads, and the container's matches neither: " + evidence);
}

Judgement judge_clock(const json& inside, const json& before, const json& after, const char* name) {
  if (!have_host(before, after)) return skip(kNeedsHost);
  const int64_t t = inside.get<int64_t>(), lo = before.get<int64_t>(), hi = after.get<int64_t>();
  if (t < 0 || lo < 0) return broken(fmt::format("clock_gettime({}) failed inside or on the host", name));
  const std::string evidence = fmt::format(
      "{} inside read {} ns; the host read {} before the container started and {} after it answered", name, t, lo, hi);
  if (lo <= t && t <= hi) return confirmed(evidence + ": the host's wall clock, within the host's own two reads");
  return closed(evidence + ": a clock of its own, outside the host's two reads");
}

Judgement judge_log(const json& inside, const json& before, const json& after) {
  if (refused(inside["size"]))
    return closed(fmt::format("syslog(SYSLOG_ACTION_SIZE_BUFFER) inside: {}", inside["size"].get<std::string>()));
  if (!have_host(before, after)) return skip(kNeedsHost);
  if (before["size"] != "ok" || !before.contains("tail") || before["tail"].empty())
    return skip("the host's kernel log could not be read or is empty, so there is no line of the host's to look for");
  if (inside["size"] != "ok" || inside.value("read", std::string()) != "ok")
    return broken(fmt::format("reading the log inside failed for a reason that is no verdict: {}", inside.dump()));
  const std::string marker = before["tail"].back();
  const auto has = [&](const json& side) {
    return std::find(side["tail"].begin(), side["tail"].end(), marker) != side["tail"].end();
  };
  const std::string evidence = fmt::format(
      "the host's last kernel log line before the container started (\"{}\") is {} in the {} lines the container read",
      marker.substr(0, 80), has(inside) ? "there" : "not there", inside["tail"].size());
  if (has(inside)) return confirmed(evidence);
  if (after.contains("tail") && has(after)) return closed(evidence + ", while the host's log still holds it");
  return broken(evidence + ", and the host's log no longer holds it either");
}

Judgement judge_keyring(const json& inside, const json& before, const json& after) {
  const json& mine = inside["user_keyring"];
  if (refused(mine))
    return closed(fmt::format("keyctl(KEYCTL_GET_KEYRING_ID, @u) inside: {}", mine.get<std::string>()));
  if (!mine.is_number())
    return broken(fmt::format("keyctl(KEYCTL_GET_KEYRING_ID, @u) inside failed for a reason that is no verdict: {}",
                              mine.dump()));
  if (!have_host(before, after)) return skip(kNeedsHost);
  const json& host = before["user_keyring"];
  const std::string evidence =
      fmt::format("the user keyring (@u) inside is key {}; the host's (this uid's) is {}", mine.dump(), host.dump());
  if (mine == host) return confirmed(evidence + ": one keyring, shared with the host");
  if (host == after["user_keyring"]) return closed(evidence + ": a keyring of its own");
  return broken(evidence + ", and the host's changed meanwhile");
}

Judgement judge_listing(const json& inside, const json& before, const json& after, const std::string& what) {
  if (!have_host(before, after)) return skip(kNeedsHost);
  if (before.contains("count") && before["count"] == 0)
    return skip(what + " is empty on the host, so it cannot show whose it is");
  // A kernel without module support has neither /proc/modules nor a listing to share.
  if (before.value("error", "") == "ENOENT" && after.value("error", "") == "ENOENT")
    return skip(what + " does not exist on the host (a kernel without CONFIG_MODULES): nothing to share");
  return against_host_reads(inside, before, after, what);
}

Judgement judge_sys_module(const json& inside, const json& before, const json& after) {
  if (inside.is_object() && inside.value("error", "") == "ENOENT" && inside.value("sys_is_sysfs", true) == false)
    return closed(
        "/sys/module: ENOENT inside, and /sys is no sysfs there (statfs): the container was given no sysfs, so nothing "
        "in it lists the host's modules");
  return judge_listing(inside, before, after, "/sys/module");
}

Judgement judge_sysctls(const json& inside, const json& before, const json& after) {
  if (!have_host(before, after)) return skip(kNeedsHost);
  bool same = true, any_writable = false, all_refused = true;
  std::string evidence;
  for (const auto& [name, seen] : inside.items()) {
    const bool equal = seen["value"] == before[name]["value"] || seen["value"] == after[name]["value"];
    same = same && equal;
    any_writable = any_writable || seen["open_for_write"] == "ok";
    all_refused = all_refused && refused(seen["open_for_write"]);
    evidence +=
        fmt::format("{}{} = {} (host {}), open for writing: {}", evidence.empty() ? "" : "; ", name,
                    seen["value"].dump(), before[name]["value"].dump(), seen["open_for_write"].get<std::string>());
  }
  if (!same) return closed(evidence + ": the container reads values of its own");
  if (any_writable) return confirmed(evidence + ": the container reads the host's knobs and may open them for writing");
  if (all_refused) return closed(evidence + ": the container reads the host's knobs but may not write them");
  return broken("opening the knobs for writing failed for a reason that is no verdict: " + evidence);
}

Judgement judge_meminfo(const json& inside, const json& before, const json& after) {
  const json& limit = inside["limit"]["bytes"];
  const long total = inside["mem_total_kb"].get<long>();
  if (limit.is_null() || limit.get<unsigned long long>() >= static_cast<unsigned long long>(total) * 1024)
    return skip(
        fmt::format("the container has no memory limit below MemTotal ({}): nothing for /proc/meminfo to ignore",
                    inside["limit"]["file"].is_null() ? "no memory.max or memory.limit_in_bytes at its cgroup root"
                                                      : inside["limit"]["file"].get<std::string>()));
  if (!have_host(before, after)) return skip(kNeedsHost);
  const std::string evidence = fmt::format("memory limit {} bytes ({}); MemTotal inside {} kB, on the host {} kB",
                                           limit.get<unsigned long long>(), inside["limit"]["file"].get<std::string>(),
                                           total, before["mem_total_kb"].get<long>());
  if (inside["mem_total_kb"] == before["mem_total_kb"]) return confirmed(evidence);
  if (static_cast<unsigned long long>(total) * 1024 <= limit.get<unsigned long long>()) return closed(evidence);
  return broken("MemTotal inside is neither the host's nor within the limit: " + evidence);
}

Judgement judge_cpu_count(const json& inside, const json& before, const json& after) {
  if (inside.contains("error"))
    return broken("confining to one CPU inside failed: " + inside["error"].get<std::string>());
  if (inside["allowed_before"].get<int>() < 2)
    return skip(fmt::format("the container may run on {} CPU only: there is nothing to confine it to",
                            inside["allowed_before"].get<int>()));
  if (inside["allowed"] != 1) return broken("the confinement to one CPU did not take: " + inside.dump());
  if (!have_host(before, after)) return skip(kNeedsHost);
  const std::string evidence = fmt::format(
      "confined to one CPU, the container counts {} in /proc/cpuinfo and {} from sysconf(_SC_NPROCESSORS_ONLN); the "
      "host counts {} and {}",
      inside["cpuinfo"].get<int>(), inside["sysconf"].get<long>(), before["host_cpuinfo"].get<int>(),
      before["host_sysconf"].get<long>());
  if (inside["cpuinfo"] == before["host_cpuinfo"] && inside["sysconf"] == before["host_sysconf"])
    return confirmed(evidence);
  if (inside["cpuinfo"] == 1 && inside["sysconf"] == 1) return closed(evidence);
  if (inside["cpuinfo"] == before["host_cpuinfo"] || inside["sysconf"] == before["host_sysconf"])
    return confirmed(evidence + " (partly: the host's count is still seen in one of them)");
  return broken("the counts are neither the host's nor the confinement's: " + evidence);
}

Judgement judge_loadavg(const json& inside) {
  std::istringstream fields(inside["loadavg"].get<std::string>());
  std::string a, b, c, tasks;
  fields >> a >> b >> c >> tasks;
  const auto slash = tasks.find('/');
  if (slash == std::string::npos) return broken("unexpected /proc/loadavg: " + inside["loadavg"].get<std::string>());
  const int total = std::stoi(tasks.substr(slash + 1));
  const int visible = inside["visible"].get<int>();
  const std::string evidence =
      fmt::format("inside, /proc/loadavg reads \"{}\": {} tasks, while the container's /proc shows {} process(es)",
                  inside["loadavg"].get<std::string>(), total, visible);
  return total > visible ? confirmed(evidence) : closed(evidence);
}

struct GapRow {
  InsideGap gap;
  std::function<json()> observe;
  std::function<Judgement(const json& inside, const json& before, const json& after)> judge;
};

const std::vector<GapRow>& rows() {
  static const std::vector<GapRow> table = {
      {{"time.gap.realtime-shared", "CLOCK_REALTIME inside is the host's wall clock"},
       [] { return json(clock_ns(CLOCK_REALTIME)); },
       [](const json& i, const json& b, const json& a) { return judge_clock(i, b, a, "CLOCK_REALTIME"); }},
      {{"time.gap.tai-shared", "CLOCK_TAI inside is the host's"},
       [] { return json(clock_ns(CLOCK_TAI)); },
       [](const json& i, const json& b, const json& a) { return judge_clock(i, b, a, "CLOCK_TAI"); }},
      {{"kernel.gap.log-readable", "the container reads the host's kernel log (syslog(2))"}, observe_log, judge_log},
      {{"kernel.gap.keyring-shared", "the container's user keyring is the host's (same uid, no user namespace)"},
       observe_keyring,
       judge_keyring},
      {{"kernel.gap.proc-modules-host-wide", "/proc/modules lists the host's loaded modules"},
       [] { return file_digest("/proc/modules", first_word); },
       [](const json& i, const json& b, const json& a) { return judge_listing(i, b, a, "/proc/modules"); }},
      {{"kernel.gap.sys-module-host-wide", "/sys/module lists the host kernel's modules"},
       [] {
         try {
           return digest_of(conformance::list_directory("/sys/module"));
         } catch (const SysError& e) {
           // Whether /sys is a sysfs at all: a container given none (bwrap without --sys)
           // has no /sys/module to show, which is no fault of ours.
           struct statfs sys {};
           return json{{"error", errno_name(e.err())},
                       {"sys_is_sysfs", ::statfs("/sys", &sys) == 0 && sys.f_type == SYSFS_MAGIC}};
         }
       },
       judge_sys_module},
      {{"kernel.gap.kernel-sysctls-host-wide",
        "non-namespaced sysctls under /proc/sys/kernel are the host's, and writable"},
       [] { return observe_sysctls(kKernelSysctls); },
       judge_sysctls},
      {{"kernel.gap.vm-sysctls-host-wide", "sysctls under /proc/sys/vm are the host's, and writable"},
       [] { return observe_sysctls(kVmSysctls); },
       judge_sysctls},
      {{"cgroup.gap.meminfo-ignores-limit", "/proc/meminfo's MemTotal ignores the container's memory limit"},
       [] {
         return json{{"mem_total_kb", meminfo_kb(read_file("/proc/meminfo").value_or(""), "MemTotal")},
                     {"limit", memory_limit()}};
       },
       judge_meminfo},
      {{"cgroup.gap.cpu-count-ignores-affinity",
        "the CPU count in /proc/cpuinfo and sysconf ignores the container's affinity"},
       observe_cpu_count,
       judge_cpu_count},
      {{"proc.gap.loadavg-host-wide", "/proc/loadavg counts the host's tasks, not the container's"},
       [] {
         return json{{"loadavg", trim(read_file("/proc/loadavg").value_or(""))}, {"visible", numeric_entries("/proc")}};
       },
       [](const json& i, const json&, const json&) { return judge_loadavg(i); }},
      {{"proc.gap.stat-host-wide", "/proc/stat is the host's: its CPUs and boot time"},
       observe_stat,
       [](const json& i, const json& b, const json& a) {
         return have_host(b, a) ? against_host_reads(i, b, a, "/proc/stat's btime and cpu lines") : skip(kNeedsHost);
       }},
      {{"proc.gap.diskstats-host-wide", "/proc/diskstats lists the host's block devices"},
       [] {
         return file_digest("/proc/diskstats", [](const std::string& line) {
           std::istringstream f(line);
           std::string major, minor, name;
           return f >> major >> minor >> name ? name : std::string();
         });
       },
       [](const json& i, const json& b, const json& a) { return judge_listing(i, b, a, "/proc/diskstats"); }},
      {{"proc.gap.swaps-host-wide", "/proc/swaps lists the host's swap areas"},
       observe_swaps,
       [](const json& i, const json& b, const json& a) {
         if (!have_host(b, a)) return skip(kNeedsHost);
         if (b.contains("areas") && b["areas"].empty())
           return skip("the host has no swap area, so /proc/swaps cannot show whose it lists");
         return against_host_reads(i, b, a, "/proc/swaps");
       }},
      {{"proc.gap.boot-id-shared", "the boot id inside is the host's"},
       [] { return read_or_errno("/proc/sys/kernel/random/boot_id"); },
       [](const json& i, const json& b, const json& a) {
         return have_host(b, a) ? against_host_reads(i, b, a, "/proc/sys/kernel/random/boot_id") : skip(kNeedsHost);
       }},
      {{"uts.gap.uname-release-shared", "uname's release inside is the host kernel's"},
       [] {
         struct utsname u {};
         return ::uname(&u) == 0 ? json(u.release) : json({{"error", errno_name(errno)}});
       },
       [](const json& i, const json& b, const json& a) {
         return have_host(b, a) ? against_host_reads(i, b, a, "uname's release") : skip(kNeedsHost);
       }},
  };
  return table;
}

}  // namespace

const std::vector<InsideGap>& inside_gaps() {
  static const std::vector<InsideGap> gaps = [] {
    std::vector<InsideGap> out;
    for (const auto& r : rows()) out.push_back(r.gap);
    return out;
  }();
  return gaps;
}

json observe_gaps() {
  json out = json::object();
  for (const auto& r : rows()) {
    try {
      out[r.gap.id] = r.observe();
    } catch (const std::exception& e) {
      out[r.gap.id] = {{"observe_error", e.what()}};
    }
  }
  return out;
}

json judge_gaps(const json& inside, const json& host_before, const json& host_after) {
  json out = json::array();
  for (const auto& r : rows()) {
    const std::string& id = r.gap.id;
    const json none;
    const json& before = host_before.is_object() && host_before.contains(id) ? host_before[id] : none;
    const json& after = host_after.is_object() && host_after.contains(id) ? host_after[id] : none;
    Judgement v;
    if (!inside.contains(id)) {
      v = broken("the inside view has no reading for this gap");
    } else if (inside[id].is_object() && inside[id].contains("observe_error")) {
      v = broken("looking inside failed: " + inside[id]["observe_error"].get<std::string>());
    } else {
      try {
        v = r.judge(inside[id], before, after);
      } catch (const std::exception& e) {  // a reading of an unexpected shape (json's type_error, stol)
        v = broken(fmt::format("the readings could not be judged ({}): inside {}", e.what(), inside[id].dump()));
      }
    }
    out.push_back({{"id", id}, {"title", r.gap.title}, {"outcome", outcome_name(v.outcome)}, {"evidence", v.evidence}});
  }
  return out;
}

}  // namespace nsm::runtimes
