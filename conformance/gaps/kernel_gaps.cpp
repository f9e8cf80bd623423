// Known gaps of the shared kernel: its log, its keyrings, its modules, its global sysctls
// and (before 6.14) kernel.pid_max. Checks that would change the host (loading a module,
// writing a global sysctl) do the change only in a guest (nsmatrix.guest=1); on a host they
// show what can be shown without touching anything.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/gaps/test_module.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/fresh_netns.h"
#include "conformance/harness/janitor.h"
#include "conformance/harness/knob.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/netlink.h"
#include "core/proc.h"
#include "probes/requirements.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr int kSyslogReadAll = 3;
constexpr int kSyslogSizeBuffer = 10;

std::string read_kernel_log() {
  const int size = ::klogctl(kSyslogSizeBuffer, nullptr, 0);
  if (size < 0) return {};
  std::string buf(static_cast<size_t>(size), '\0');
  const int n = ::klogctl(kSyslogReadAll, buf.data(), size);
  if (n < 0) return {};
  buf.resize(static_cast<size_t>(n));
  return buf;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

long keyctl(int op, long a = 0, long b = 0, long c = 0, long d = 0) { return ::syscall(SYS_keyctl, op, a, b, c, d); }

std::vector<std::string> module_names(const std::string& proc_modules) {
  std::vector<std::string> names;
  std::istringstream in(proc_modules);
  std::string line;
  while (std::getline(in, line)) names.push_back(line.substr(0, line.find(' ')));
  std::sort(names.begin(), names.end());
  return names;
}

// In a container: each sysctl's value, and whether it may be opened for writing. In a
// guest, `write_first` (when given) is also written to the first one from inside.
json probe_sysctls_from_container(const std::vector<std::string>& names,
                                  const std::optional<std::string>& write_first) {
  return in_child(container_spec(), [names, write_first] {
    prepare_container();
    json out = json::object();
    for (const auto& name : names) {
      UniqueFd w(::open(sysctl_path(name).c_str(), O_WRONLY | O_CLOEXEC));
      out[name] = {{"value", read_sysctl(name).value_or("")}, {"open_for_write", w ? "ok" : errno_name(errno)}};
    }
    if (write_first) {
      const std::string& first = names.front();
      try {
        write_file(sysctl_path(first), *write_first);
        out["written"] = *write_first;
        out["read_back"] = read_sysctl(first).value_or("");
      } catch (const SysError& e) {
        out["written_error"] = e.what();
        out["written_errno"] = errno_name(e.err());
      }
    }
    return out;
  });
}

// The errnos by which the kernel refuses an act for want of privilege: a positive
// observation that the act is not allowed. Any other errno is no verdict.
bool refused(const std::string& outcome) { return outcome == "EPERM" || outcome == "EACCES" || outcome == "EROFS"; }

// Guest-only: a privileged container writes `value` to the global knob at `path` (its own
// fresh /proc, and its own sysfs when `fresh_sysfs`, as a runtime gives a privileged
// container). What it got: {"write": "ok" or the errno, "read_back": the knob inside}.
json write_knob_from_container(const std::string& path, const std::string& value, bool fresh_sysfs) {
  return in_child(container_spec(), [path, value, fresh_sysfs] {
    prepare_container();
    // The privileged container's own sysfs, writable as it is there: a read-only one would
    // refuse the write with EROFS, our own doing, not the kernel's.
    if (fresh_sysfs) remount_sys(true);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    const std::string write = fd ? outcome_of(::write(fd.get(), value.data(), value.size())) : errno_name(errno);
    fd.reset();
    return json{{"write", write}, {"read_back", trim(read_file(path).value_or(""))}};
  });
}

// The verdict of a write-through: confirmed when the host then read the value written
// inside; closed on a refusal, or when the write took inside and the host kept its value.
void judge_write_through(const std::string& evidence, const json& inside, const std::string& wanted,
                         const std::string& host_before, const std::string& host_after) {
  if (host_after == wanted) return gap_confirmed(evidence);
  if (refused(inside["write"].get<std::string>())) return gap_closed(evidence + ": refused");
  if (inside["write"] == "ok" && inside["read_back"] == wanted && host_after == host_before)
    return gap_closed(evidence + ": a knob of the container's own");
  broken("the write inside neither reached the host nor was refused: " + evidence);
}

// `write_value` is what a guest writes to the first sysctl from inside; by default its
// value minus one (for numbers).
void judge_global_sysctls(const std::vector<std::string>& names,
                          std::optional<std::string> write_value = std::nullopt) {
  std::map<std::string, std::string> host;
  for (const auto& name : names) {
    auto v = read_sysctl(name);
    if (!v) skip_check(name + " does not exist on this kernel");
    host[name] = *v;
  }
  const bool guest = is_guest() && !container_is_rootless();
  std::optional<KnobGuard> guard;
  if (guest) {
    guard.emplace(sysctl_path(names.front()), host[names.front()]);
    if (!write_value) write_value = std::to_string(std::stol(host[names.front()]) - 1);
  } else {
    write_value.reset();
  }
  const json inside = probe_sysctls_from_container(names, write_value);
  std::string evidence;
  bool all_equal = true, all_writable = true;
  for (const auto& name : names) {
    const json& seen = inside[name];
    all_equal = all_equal && seen["value"] == host[name];
    all_writable = all_writable && seen["open_for_write"] == "ok";
    evidence += fmt::format("{}{} = {} (host {}), open for writing: {}", evidence.empty() ? "" : "; ", name,
                            seen["value"].get<std::string>(), host[name], seen["open_for_write"].get<std::string>());
  }
  if (guest) {
    const std::string& first = names.front();
    const auto host_after = read_sysctl(first).value_or("");
    guard->restore();  // the guest's value back, before anything else
    if (inside.contains("written")) {
      evidence += fmt::format("; written {} inside, read back {} there: the host then read {} (restored to {})",
                              inside["written"].get<std::string>(), inside["read_back"].get<std::string>(), host_after,
                              host[first]);
      if (host_after == inside["written"]) return gap_confirmed(evidence);
      // Closed only when the write took inside and the host kept its value: a knob of its own.
      if (inside["read_back"] == inside["written"] && host_after == host[first]) return gap_closed(evidence);
      return broken("the write inside neither reached the host nor stayed inside: " + evidence);
    }
    evidence += "; the write inside failed: " + inside.value("written_error", std::string("?"));
    if (refused(inside.value("written_errno", std::string()))) return gap_closed(evidence);
    return broken(evidence);
  }
  if (!all_equal) return gap_closed(evidence + ": the container reads values of its own");
  // Host mode: the values are the host's; what the container may do with them decides.
  bool all_refused = true;
  for (const auto& name : names)
    all_refused = all_refused && refused(inside[name]["open_for_write"].get<std::string>());
  if (!container_is_rootless() && all_writable)
    return gap_confirmed(
        evidence +
        ": the container reads the host's knobs and may open them for writing (the write itself is guest-only)");
  if (container_is_rootless() && all_refused)
    return gap_confirmed(evidence + ": the container reads the host's knobs; this (rootless) one may not write them");
  if (!container_is_rootless() && all_refused)
    return gap_closed(evidence + ": a privileged container may read but not open the host's knobs for writing");
  broken("the container's access to the knobs is mixed or failed for another reason: " + evidence);
}

}  // namespace

NSM_CHECK(
    KernelLogGap, KernelLogIsReadableInPrivilegedContainer,
    {.id = "kernel.gap.log-readable",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "a privileged container reads the host's kernel log (syslog(2), unless kernel.dmesg_restrict stops its user)",
     .needs = {.namespaces = kContainerTypes, .root = true, .capabilities = {CAP_SYSLOG}}}) {
  const std::string host_log = read_kernel_log();
  if (host_log.empty()) broken("the host's kernel log could not be read or is empty");
  const std::string marker = last_line(host_log);
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    const int size = ::klogctl(kSyslogSizeBuffer, nullptr, 0);
    const std::string size_result = outcome_of(size);
    const std::string log = read_kernel_log();
    return json{{"size", size_result}, {"log", log.size() > 65536 ? log.substr(log.size() - 65536) : log}};
  });
  const std::string log = inside["log"];
  const bool host_still_has_marker = read_kernel_log().find(marker) != std::string::npos;
  const std::string evidence = fmt::format(
      "kernel.dmesg_restrict={}; inside, syslog(SIZE_BUFFER): {}, read {} bytes; the host's last line {} there",
      read_sysctl("kernel.dmesg_restrict").value_or("?"), inside["size"].get<std::string>(), log.size(),
      log.find(marker) != std::string::npos ? "is" : "is not");
  if (!log.empty() && log.find(marker) != std::string::npos) {
    gap_confirmed(evidence);
  } else if (refused(inside["size"].get<std::string>())) {
    gap_closed(evidence + ": refused");
  } else if (inside["size"] == "ok" && host_still_has_marker) {
    gap_closed(evidence + ": a log without the host's line, which the host's log still holds");
  } else {
    broken("neither the host's log nor a refusal inside: " + evidence);
  }
}

NSM_CHECK(KeyringGap, UserKeyringSharedBetweenContainersWithoutUserNs,
          {.id = "kernel.gap.keyring-shared",
           .kind = CheckKind::Gap,
           .type = NsType::User,
           .title = "containers of the same uid without a user namespace share that uid's keyring: a key added in one "
                    "is read in another",
           .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_KEYS"}, .root = true}}) {
  const std::string description = fmt::format("nsm-keyring-gap-p{}-{}", ns_inode(0, "pid").value_or(0), ::getpid());
  Janitor janitor = Janitor::start();
  janitor.invalidate_user_key_on_death(description);
  Peer first = Peer::spawn(container_spec(), [description](Link& link) {
    const long serial = ::syscall(SYS_add_key, "user", description.c_str(), "nsm-secret", 10, KEY_SPEC_USER_KEYRING);
    if (serial < 0) throw_sys("add_key(user, @u)");
    keyctl(KEYCTL_SET_TIMEOUT, serial, 60);  // should even the janitor fail
    link.send({{"serial", serial}});
    link.recv();
    keyctl(KEYCTL_INVALIDATE, serial);
  });
  const json added = first.recv();
  const long serial = added["serial"].get<long>();
  const json second = in_child(container_spec(), [description] {
    const long found = keyctl(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, reinterpret_cast<long>("user"),
                              reinterpret_cast<long>(description.c_str()), 0);
    if (found < 0) return json{{"search", errno_name(errno)}};
    char payload[32] = {};
    const long n = keyctl(KEYCTL_READ, found, reinterpret_cast<long>(payload), sizeof payload - 1);
    return json{
        {"search", "ok"}, {"serial", found}, {"payload", n > 0 ? std::string(payload, static_cast<size_t>(n)) : ""}};
  });
  first.send("done");
  first.finish();
  janitor.dismiss();
  const std::string evidence = fmt::format(
      "key {} \"{}\" added to @u in one container; searched from another: {}{}", serial, description,
      second["search"].get<std::string>(),
      second.contains("payload") ? fmt::format(", payload \"{}\"", second["payload"].get<std::string>()) : "");
  if (second["search"] == "ok" && second["serial"] == serial && second["payload"] == "nsm-secret") {
    gap_confirmed(evidence);
  } else if (second["search"] == "ENOKEY") {
    gap_closed(evidence);  // searched and not found: the positive observation
  } else {
    broken("the search neither found the key nor answered ENOKEY: " + evidence);
  }
}

NSM_CHECK(ModulesGap, ProcModulesIsHostWide,
          {.id = "kernel.gap.proc-modules-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "/proc/modules inside a container lists the host's loaded modules",
           .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_MODULES"}}}) {
  const auto host = read_file("/proc/modules");
  if (!host) skip_check("/proc/modules is missing (" + errno_name(errno) + ")");
  const auto host_names = module_names(*host);
  if (host_names.empty())
    skip_check("no module is loaded: /proc/modules is empty, so it cannot show whose modules it lists");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    return json{{"modules", module_names(must_read_file("/proc/modules"))}};
  });
  const auto host_after = module_names(must_read_file("/proc/modules"));
  const std::string evidence = fmt::format(
      "{} modules inside, {} on the host before and {} after, equal: {}", inside["modules"].size(), host_names.size(),
      host_after.size(), inside["modules"] == json(host_names) || inside["modules"] == json(host_after));
  if (inside["modules"] == json(host_names) || inside["modules"] == json(host_after)) {
    gap_confirmed(evidence);
  } else if (host_names == host_after) {
    gap_closed(evidence);
  } else {
    broken("the host's modules changed during the check: " + evidence);
  }
}

NSM_CHECK(
    ModulesGap, SysModuleIsHostWide,
    {.id = "kernel.gap.sys-module-host-wide",
     .kind = CheckKind::Gap,
     .type = NsType::Net,
     .title =
         "/sys/module in a container's own sysfs (new network namespace, fresh mount) lists the host kernel's modules",
     .needs = {.namespaces = kContainerTypes}}) {
  const auto host = list_directory("/sys/module");
  const json inside = in_child(container_spec(), [] {
    prepare_container();
    remount_sys();
    RouteSocket rt = RouteSocket::open();
    return json{{"modules", list_directory("/sys/module")},
                {"net", list_directory("/sys/class/net")},
                {"links", describe_links(rt)}};
  });
  const auto host_after = list_directory("/sys/module");
  const FreshNetns fresh = judge_fresh_netns(inside["links"]);
  ASSERT_TRUE(fresh.problems.empty()) << "the container's network namespace must be fresh: "
                                      << join_problems(fresh.problems);
  ASSERT_EQ(inside["net"], json(fresh.own)) << "the fresh sysfs must be the container's own";
  note(fresh.note);
  const bool same = inside["modules"] == json(host) || inside["modules"] == json(host_after);
  const std::string evidence = fmt::format(
      "the container's sysfs lists only its own {} in /sys/class/net but {} entries in /sys/module (host: {}), equal: "
      "{}",
      json(fresh.own).dump(), inside["modules"].size(), host.size(), same);
  if (host.empty()) broken("the host's /sys/module is empty: " + evidence);
  if (same) {
    gap_confirmed(evidence);
  } else if (host == host_after) {
    gap_closed(evidence);
  } else {
    broken("the host's /sys/module changed during the check: " + evidence);
  }
}

NSM_CHECK(ModulesGap, ModuleLoadedInsideIsLoadedForEveryone,
          {.id = "kernel.gap.module-load-global",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "a module loaded from inside a privileged container is loaded in the one kernel, for everyone",
           .needs = {.namespaces = kContainerTypes,
                     .kconfig = {"CONFIG_MODULES"},
                     .root = true,
                     .guest_only = true,
                     .capabilities = {CAP_SYS_MODULE}}}) {
  if (read_sysctl("kernel.modules_disabled") == "1")
    skip_check("kernel.modules_disabled=1: no module can be loaded by anyone");
  const TestModuleChoice choice = find_test_module();
  if (!choice.module) skip_check("no module to load: " + choice.why_none);
  const TestModule& m = *choice.module;
  ModuleStateGuard guard(m);
  std::string setup;
  if (m.was_loaded) {
    // The guest loaded it at boot and nothing uses it: out first, so the container loads it.
    const std::string unloaded = unload_module(m.name);
    if (unloaded != "ok")
      broken(fmt::format("delete_module({}) of the unused module before the check: {}", m.name, unloaded));
    if (is_loaded(m.name)) broken(fmt::format("module {} is still listed after delete_module", m.name));
    setup = fmt::format("{} (loaded at boot, unused) unloaded on the host first; ", m.name);
  }
  const json inside = in_child(container_spec(), [path = m.path] {
    return json{{"finit_module", load_module_file(path)}};
  });
  const bool host_sees = is_loaded(m.name);
  const std::string restored = guard.restore();
  const std::string evidence = fmt::format(
      "{}finit_module({}) inside a privileged container: {}; the host's /proc/modules {} {} (restored: {})", setup,
      m.path, inside["finit_module"].get<std::string>(), host_sees ? "then listed" : "did not list", m.name, restored);
  if (restored != "ok") broken("the guest's modules could not be put back as they were: " + evidence);
  if (host_sees) {
    gap_confirmed(evidence);
  } else if (refused(inside["finit_module"].get<std::string>())) {
    gap_closed(evidence);
  } else if (inside["finit_module"] != "ok") {
    broken("finit_module failed for a reason that is no verdict: " + evidence);
  } else {
    ADD_FAILURE() << "the module loaded but the host does not list it: " << evidence;
  }
}

NSM_CHECK(
    SysctlGap, KernelSysctlsAreHostWide,
    {.id = "kernel.gap.kernel-sysctls-host-wide",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "non-namespaced sysctls under /proc/sys/kernel are the host's inside a container (and, privileged, writable)",
     .needs = {.namespaces = kContainerTypes}}) {
  judge_global_sysctls({"kernel.threads-max", "kernel.randomize_va_space", "kernel.panic", "kernel.printk"});
}

NSM_CHECK(SysctlGap, VmSysctlsAreHostWide,
          {.id = "kernel.gap.vm-sysctls-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "sysctls under /proc/sys/vm are the host's inside a container (and, privileged, writable)",
           .needs = {.namespaces = kContainerTypes}}) {
  judge_global_sysctls({"vm.max_map_count", "vm.swappiness", "vm.overcommit_memory", "vm.dirty_ratio"});
}

NSM_CHECK(PidMaxGap, PidMaxIsPerPidNamespace,
          {.id = "pid.gap.pid-max-global",
           .kind = CheckKind::Gap,
           .type = NsType::Pid,
           .title = "kernel.pid_max is one global value before 6.14, per PID namespace from 6.14",
           .needs = {.namespaces = {NsType::Pid}}}) {
  const auto host = read_sysctl("kernel.pid_max");
  ASSERT_TRUE(host.has_value());
  const bool root = ::geteuid() == 0;
  // The writer inside is root of its own user namespace, mapped to an id that is not the
  // host's root: where pid_max is global, the host's root could write the host's value.
  // Without user namespaces only a privileged container can try, and where pid_max is
  // global its write reaches the host's: that is done only in a guest, and undone.
  ChildSpec spec(CLONE_NEWPID);
  std::string writer = "root of a new user namespace (uid 0 inside, not the host's root)";
  if (const auto no_userns = unmet_requirement({.namespaces = {NsType::User}})) {
    if (!root || !is_guest())
      skip_check(*no_userns +
                 "; without a user namespace only a privileged container could write pid_max, which may change the "
                 "host's: guest-only (nsmatrix.guest=1)");
    writer = "a privileged container (this kernel has no user namespaces)";
  } else {
    skip_unless_caller_may_create_user_ns();
    spec.clone_flags |= CLONE_NEWUSER;
    spec.id_map = IdMap::root_is(root ? 100000 : ::geteuid(), root ? 100000 : ::getegid());
  }
  std::optional<KnobGuard> guard;
  if (root) guard.emplace(sysctl_path("kernel.pid_max"), *host);  // never leave it changed
  // One below the host's value: valid wherever the host's is (the kernel refuses values
  // below 8 per possible CPU, so no fixed number is valid everywhere).
  const long host_value = std::stol(*host);
  const std::string wanted = std::to_string(host_value > 1000 ? host_value - 1 : host_value + 1);
  const bool in_userns = spec.clone_flags & CLONE_NEWUSER;
  Peer child = Peer::spawn(spec, [wanted, in_userns](Link& link) {
    require_apart_from_suite(NsType::Pid, "write kernel.pid_max");
    if (in_userns) become_root_inside();
    const std::string initial = read_sysctl("kernel.pid_max").value_or("");
    std::string write_result = "ok";
    try {
      write_file(sysctl_path("kernel.pid_max"), wanted);
    } catch (const SysError& e) {
      write_result = errno_name(e.err());
    }
    const std::string after = read_sysctl("kernel.pid_max").value_or("");
    // Enforced? With the last pid at wanted - 1, the next fork would get `wanted` - unless
    // the namespace's limit is `wanted`, and the number wraps round to a low one.
    json enforced = nullptr;
    if (write_result == "ok" && after == wanted) {
      try {
        write_file(sysctl_path("kernel.ns_last_pid"), std::to_string(std::stol(wanted) - 1));
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(0);
        if (pid < 0) throw_sys("fork");
        ::waitpid(pid, nullptr, 0);
        enforced = pid < std::stol(wanted);
        link.send({{"initial", initial},
                   {"write", write_result},
                   {"after", after},
                   {"enforced", enforced},
                   {"next_pid", pid}});
        link.recv();
        return;
      } catch (const SysError& e) {
        enforced = errno_name(e.err());
      }
    }
    link.send({{"initial", initial}, {"write", write_result}, {"after", after}, {"enforced", enforced}});
    link.recv();
  });
  const json inside = child.recv();
  const auto host_meanwhile = read_sysctl("kernel.pid_max");
  child.send("done");
  child.finish();
  if (guard) guard->restore();
  std::string enforcement;
  if (inside["enforced"].is_boolean())
    enforcement = fmt::format("; with ns_last_pid at {}, the next fork inside got pid {}", std::stol(wanted) - 1,
                              inside["next_pid"].get<long>());
  else if (inside["enforced"].is_string())
    enforcement = "; the enforcement probe failed: " + inside["enforced"].get<std::string>();
  const std::string evidence = fmt::format(
      "kernel {}: inside a new PID namespace, {} read pid_max {}, writing {} gave {}, then read {}{}; the host's read "
      "{} before and {} "
      "meanwhile",
      KernelVersion::running().numbers(), writer, inside["initial"].get<std::string>(), wanted,
      inside["write"].get<std::string>(), inside["after"].get<std::string>(), enforcement, *host,
      host_meanwhile.value_or("?"));
  if (host_meanwhile != host) {
    gap_confirmed(evidence + " (restored): one global value, changed for everyone");
  } else if (inside["enforced"] == true) {
    gap_closed(evidence + ": a limit of the namespace's own, enforced");
  } else if (inside["enforced"] == false) {
    gap_confirmed(evidence + ": the value reads as the namespace's own, but the host's limit is the one enforced");
  } else if (refused(inside["write"].get<std::string>()) && inside["initial"] == *host) {
    gap_confirmed(evidence + ": one global value, the host's, which a container cannot set for itself");
  } else {
    broken("no verdict: " + evidence);
  }
}

NSM_CHECK(SysctlGap, FsSysctlsAreHostWide,
          {.id = "kernel.gap.fs-sysctls-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "sysctls under /proc/sys/fs (file-max, nr_open, protected_*) are the host's inside a container "
                    "(and, privileged, writable)",
           .needs = {.namespaces = kContainerTypes}}) {
  judge_global_sysctls({"fs.file-max", "fs.nr_open", "fs.protected_symlinks", "fs.protected_hardlinks"});
}

NSM_CHECK(SysctlGap, PerfAndBpfGatesAreHostWide,
          {.id = "kernel.gap.perf-bpf-gates-host-wide",
           .kind = CheckKind::Gap,
           .type = std::nullopt,
           .title = "perf_event_open and bpf are gated by the host's kernel.perf_event_paranoid and "
                    "unprivileged_bpf_disabled, one value for every container",
           .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_PERF_EVENTS", "CONFIG_BPF_SYSCALL"}}}) {
  // perf_event_paranoid first: in a guest the first is written (minus one) and restored;
  // unprivileged_bpf_disabled could not be lowered again once set to 1.
  judge_global_sysctls({"kernel.perf_event_paranoid", "kernel.unprivileged_bpf_disabled"});
}

// Global knobs a privileged container can turn into an escape: each names a program the
// kernel runs as root in the initial namespaces, or acts on the one kernel. In a guest the
// container writes a harmless value, the host reads it, and the host's value is restored.

NSM_CHECK(
    EscapeGap, CorePatternIsHostWide,
    {.id = "kernel.gap.core-pattern-global",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title = "kernel.core_pattern is the host's inside a container, and a privileged one may set it for every process "
              "(a |helper then runs as root in the host's namespaces)",
     .needs = {.namespaces = kContainerTypes},
     .refs = {"core(5): a pipe helper runs as root in the initial namespaces"}}) {
  judge_global_sysctls({"kernel.core_pattern"}, fmt::format("nsm-core-gap-{}", ::getpid()));
}

NSM_CHECK(
    EscapeGap, ModprobePathIsHostWide,
    {.id = "kernel.gap.modprobe-path-global",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "kernel.modprobe is the host's inside a container, and a privileged one may set it for every module request "
         "(the kernel runs it as root in the host's namespaces)",
     .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_MODULES"}}}) {
  judge_global_sysctls({"kernel.modprobe"}, fmt::format("/nsm-gap/modprobe-{}", ::getpid()));
}

NSM_CHECK(
    EscapeGap, UeventHelperIsHostWide,
    {.id = "kernel.gap.uevent-helper-global",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "/sys/kernel/uevent_helper written through a privileged container's own sysfs is the host's (the kernel runs "
         "it as root for every uevent)",
     .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_UEVENT_HELPER"}, .root = true, .guest_only = true}}) {
  const std::string path = "/sys/kernel/uevent_helper";
  const auto host = read_file(path);
  if (!host) skip_check(path + " cannot be read here (" + errno_name(errno) + ")");
  const std::string before = trim(*host);
  KnobGuard guard(path, before);
  // A path that does not exist: a uevent in the window runs nothing.
  const std::string wanted = fmt::format("/nsm-gap/uevent-helper-{}", ::getpid());
  const json inside = write_knob_from_container(path, wanted, true);
  const std::string after = trim(read_file(path).value_or(""));
  guard.restore();
  judge_write_through(
      fmt::format("the container wrote \"{}\" to {} of its own sysfs: {}, read back \"{}\"; the host then read \"{}\" "
                  "(restored to \"{}\")",
                  wanted, path, inside["write"].get<std::string>(), inside["read_back"].get<std::string>(), after,
                  before),
      inside, wanted, before, after);
}

NSM_CHECK(
    EscapeGap, SysrqTriggerActsOnHost,
    {.id = "kernel.gap.sysrq-trigger-global",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "/proc/sysrq-trigger in a privileged container's own /proc acts on the one kernel (a console-loglevel key, "
         "read back on the host)",
     .needs = {.namespaces = kContainerTypes, .kconfig = {"CONFIG_MAGIC_SYSRQ"}, .root = true, .guest_only = true}}) {
  // The loglevel keys (0-9) set console_loglevel, the first field of kernel.printk: the
  // one key whose effect can be read back, and undone, without touching anything else.
  const auto printk = read_sysctl("kernel.printk");
  if (!printk) skip_check("kernel.printk does not exist on this kernel");
  const auto console_level = [](const std::string& text) { return text.substr(0, text.find_first_of(" \t")); };
  const std::string before = console_level(*printk);
  const std::string key = std::to_string(std::stoi(before) > 1 ? std::stoi(before) - 1 : std::stoi(before) + 1);
  KnobGuard guard(sysctl_path("kernel.printk"), *printk);
  const json written = write_knob_from_container("/proc/sysrq-trigger", key, false);
  const std::string after = console_level(read_sysctl("kernel.printk").value_or(""));
  guard.restore();
  // The trigger reads back nothing; the container's own view of the level stands in.
  json inside = written;
  inside["read_back"] = nullptr;
  judge_write_through(
      fmt::format("the container wrote key '{}' to its /proc/sysrq-trigger: {}; the host's console loglevel was {}, "
                  "then {} (restored)",
                  key, written["write"].get<std::string>(), before, after),
      inside, key, before, after);
}

NSM_CHECK(
    EscapeGap, KmsgWriteReachesHostLog,
    {.id = "kernel.gap.kmsg-injection",
     .kind = CheckKind::Gap,
     .type = std::nullopt,
     .title =
         "a line a privileged container writes to /dev/kmsg is in the host's kernel log, as if the kernel had said it",
     .needs = {.namespaces = kContainerTypes,
               .kconfig = {"CONFIG_PRINTK"},
               .root = true,
               .guest_only = true,
               .capabilities = {CAP_SYSLOG}}}) {
  // Guest-only: a log line cannot be taken back.
  const std::string line = fmt::format("nsm-kmsg-gap p{} {}", ns_inode(0, "pid").value_or(0), ::getpid());
  const json inside = in_child(container_spec(), [line] {
    prepare_container();
    UniqueFd fd(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
    const std::string text = line + "\n";
    const std::string write = fd ? outcome_of(::write(fd.get(), text.data(), text.size())) : errno_name(errno);
    return json{{"write", write}, {"own_log_has_it", read_kernel_log().find(line) != std::string::npos}};
  });
  const bool host_has_it = read_kernel_log().find(line) != std::string::npos;
  const std::string evidence = fmt::format(
      "the container wrote \"{}\" to /dev/kmsg: {}; its own syslog(2) {} it; the host's kernel log {} it", line,
      inside["write"].get<std::string>(), inside["own_log_has_it"] == true ? "shows" : "does not show",
      host_has_it ? "then held" : "did not hold");
  if (host_has_it) {
    gap_confirmed(evidence);
  } else if (refused(inside["write"].get<std::string>())) {
    gap_closed(evidence + ": refused");
  } else if (inside["write"] == "ok" && inside["own_log_has_it"] == true) {
    gap_closed(evidence + ": a log of the container's own");
  } else {
    broken("the line neither reached the host's log nor was refused: " + evidence);
  }
}
