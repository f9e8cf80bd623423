#include "probes/probe_report.h"

#include <linux/capability.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/version.h"

namespace nsm {

namespace {

// include/linux/proc_ns.h: the initial namespaces have fixed inode numbers. Net and mnt
// got theirs only in recent kernels; before, they are allocated like any other.
struct InitialInode {
  std::string_view proc_name;
  ino_t inode;
  bool always_fixed;
};
constexpr InitialInode kInitialInodes[] = {
    {"ipc", 0xEFFFFFFFU, true},  {"uts", 0xEFFFFFFEU, true},    {"user", 0xEFFFFFFDU, true},
    {"pid", 0xEFFFFFFCU, true},  {"cgroup", 0xEFFFFFFBU, true}, {"time", 0xEFFFFFFAU, true},
    {"net", 0xEFFFFFF9U, false}, {"mnt", 0xEFFFFFF8U, false},
};
constexpr ino_t kInitialPidInode = 0xEFFFFFFCU;  // PROC_PID_INIT_INO, fixed since 3.8

nlohmann::json config_json(const ConfigLookup& lookup, const std::optional<KernelVersion>& running) {
  nlohmann::json j = {{"found", lookup.config.has_value()}, {"tried", lookup.tried}, {"error", nullptr}};
  if (lookup.error) j["error"] = *lookup.error;
  if (lookup.config) {
    j["source"] = lookup.config->source();
    j["header_version"] =
        lookup.config->header_version() ? nlohmann::json(*lookup.config->header_version()) : nlohmann::json(nullptr);
    if (running && lookup.config->header_version()) {
      if (auto v = KernelVersion::parse(*lookup.config->header_version()))
        j["matches_running"] = v->major == running->major && v->minor == running->minor;
    }
  } else {
    j["source"] = nullptr;
    j["header_version"] = nullptr;
  }
  return j;
}

}  // namespace

nlohmann::json initial_namespaces() {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& fixed : kInitialInodes) {
    const auto mine = ns_inode(0, fixed.proc_name);
    nlohmann::json entry;
    // The fixed numbers first: PID 1 is a container's init when the suite runs in a container
    // with its own /proc, and sharing its namespaces proves nothing about the initial ones.
    const auto init = ns_inode(1, fixed.proc_name);
    const auto init_pid = ns_inode(1, "pid");
    const bool init_is_host_init = init_pid && *init_pid == kInitialPidInode;
    if (!mine) {
      entry = {{"initial", nullptr}, {"evidence", fmt::format("/proc/self/ns/{} is missing", fixed.proc_name)}};
    } else if (*mine == fixed.inode) {
      entry = {{"initial", true},
               {"evidence", fmt::format("inode {:#x} is the initial namespace's fixed number", *mine)}};
    } else if (fixed.always_fixed) {
      entry = {{"initial", false},
               {"evidence", fmt::format("inode {} is not the initial namespace's fixed {:#x}", *mine, fixed.inode)}};
    } else if (init && init_is_host_init) {
      entry = {
          {"initial", *mine == *init},
          {"evidence", fmt::format("inode {} vs PID 1's {} (PID 1 is the initial PID namespace's)", *mine, *init)}};
    } else {
      entry = {{"initial", nullptr},
               {"evidence",
                fmt::format("inode {}; this kernel may not fix the initial number, and PID 1 {}", *mine,
                            init ? "is not the initial PID namespace's init (a container's /proc)" : "is unreadable")}};
    }
    out[std::string(fixed.proc_name)] = entry;
  }
  return out;
}

ProbeReport run_probe(const ProbeOptions& options) {
  ProbeReport report;
  KernelFacts facts;
  ConfigLookup lookup;

  if (options.config_only) {
    report.mode = "config-only";
    lookup.tried = {*options.config_only};
    lookup.config = KernelConfig::load(*options.config_only);  // throws with the file's name
    if (lookup.config->header_version()) facts.version = KernelVersion::parse(*lookup.config->header_version());
    report.kernel = {{"release", nullptr},
                     {"version", facts.version ? nlohmann::json(facts.version->numbers()) : nlohmann::json(nullptr)},
                     {"machine", nullptr}};
  } else {
    report.mode = "running";
    struct utsname u {};
    if (::uname(&u) != 0) throw_sys("uname");
    facts.version = KernelVersion::parse(u.release);
    lookup = find_kernel_config(options.kconfig_path, u.release);
    if (options.kconfig_path && lookup.error) throw InputError(*lookup.error);
    nlohmann::json kernel = {
        {"release", u.release},
        {"version", facts.version ? nlohmann::json(facts.version->numbers()) : nlohmann::json(nullptr)},
        {"machine", u.machine},
        {"uname_version", u.version}};
    if (auto debian = debian_upstream_version(u.version)) kernel["debian_upstream_version"] = debian->numbers();
    report.kernel = kernel;
    report.process = {{"euid", ::geteuid()},
                      {"cap_sys_admin", has_effective_capability(CAP_SYS_ADMIN)},
                      {"guest", is_guest()},
                      {"initial_namespaces", initial_namespaces()}};
  }
  facts.config = lookup.config ? &*lookup.config : nullptr;
  report.config = config_json(lookup, report.mode == "running" ? facts.version : std::nullopt);

  for (const auto& info : ns_types()) {
    report.namespaces.push_back(report.mode == "running" ? probe_namespace(info.type, facts)
                                                         : evaluate_namespace_from_config(info.type, facts));
  }
  report.features = report.mode == "running" ? probe_features(facts) : evaluate_features_from_config(facts);
  return report;
}

nlohmann::json ProbeReport::to_json() const {
  nlohmann::json j = {{"schema_version", kSchemaVersion},
                      {"kind", "probe"},
                      {"tool_version", std::string(kToolVersion)},
                      {"mode", mode},
                      {"kernel", kernel},
                      {"config", config}};
  if (!process.is_null()) j["process"] = process;
  auto& ns = j["namespaces"] = nlohmann::json::array();
  for (const auto& p : namespaces) ns.push_back(p.to_json());
  auto& fs = j["features"] = nlohmann::json::array();
  for (const auto& f : features) fs.push_back(f.to_json());
  return j;
}

}  // namespace nsm
