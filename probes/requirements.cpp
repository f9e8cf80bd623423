#include "probes/requirements.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "core/kernel_config.h"
#include "core/proc.h"
#include "probes/feature_probe.h"
#include "probes/namespace_probe.h"

namespace nsm {

namespace {

// What has been learnt about the running kernel in this process, probed on first use.
class Environment {
 public:
  static Environment& instance() {
    static Environment env;
    return env;
  }

  std::optional<std::string> unmet(const Requirements& needs) {
    std::lock_guard lock(mutex_);
    if (needs.guest_only && !is_guest())
      return "guest-only: changes global state; runs only in a QEMU guest (nsmatrix.guest=1 on the kernel command "
             "line)";
    if (needs.root && !(::geteuid() == 0 && has_effective_capability(21 /* CAP_SYS_ADMIN */)))
      return fmt::format("needs root (euid 0 with CAP_SYS_ADMIN); running as uid {}", ::geteuid());
    for (int cap : needs.capabilities) {
      if (!has_effective_capability(cap))
        return fmt::format("needs capability {} ({}), which this process does not have", capability_label(cap), cap);
    }
    if (needs.min_kernel) {
      const auto have = KernelVersion::running();
      if (have < KernelVersion::must_parse(*needs.min_kernel))
        return fmt::format("kernel {} < {}", have.numbers(), *needs.min_kernel);
    }
    for (const auto& symbol : needs.kconfig) {
      const KernelConfig* cfg = config();
      if (!cfg) continue;  // no config: let the kernel itself answer in the body
      const Tristate t = cfg->tristate(symbol);
      if (t == Tristate::No) return fmt::format("{} is not set ({})", symbol, cfg->source());
      if (t == Tristate::Absent) return fmt::format("{} is absent from {}", symbol, cfg->source());
    }
    for (NsType type : needs.namespaces) {
      const NamespaceProbe& p = namespace_probe(type);
      // A faulty type is no reason to skip: the check runs, its child proves its namespaces
      // are new, and the kernel's lie makes it fail.
      if (p.verdict != Verdict::Supported && p.verdict != Verdict::Faulty)
        return fmt::format("{} namespaces {}: {}", ns_name(type), verdict_name(p.verdict), p.reason);
    }
    if (needs.rootless) {
      const FeatureProbe& f = rootless();
      if (f.verdict != Verdict::Supported && f.verdict != Verdict::Faulty)
        return fmt::format("rootless user namespaces {}: {}", verdict_name(f.verdict), f.reason);
    }
    for (const auto& id : needs.features) {
      const FeatureProbe* f = feature(id);
      if (!f) return fmt::format("unknown feature '{}' in the requirements", id);
      if (f->verdict != Verdict::Supported && f->verdict != Verdict::Faulty)
        return fmt::format("{} {}: {}", f->title, verdict_name(f->verdict), f->reason);
    }
    for (const auto& kind : needs.link_kinds) {
      const FeatureProbe* f = link_kind(kind);
      if (!f) return fmt::format("unknown link kind '{}' in the requirements", kind);
      if (f->verdict != Verdict::Supported && f->verdict != Verdict::Faulty)
        return fmt::format("{} links {}: {}", kind, verdict_name(f->verdict), f->reason);
    }
    return std::nullopt;
  }

 private:
  static std::string capability_label(int cap) {
    switch (cap) {
      case 12:
        return "CAP_NET_ADMIN";
      case 16:
        return "CAP_SYS_MODULE";
      case 21:
        return "CAP_SYS_ADMIN";
      case 24:
        return "CAP_SYS_RESOURCE";
      case 25:
        return "CAP_SYS_TIME";
      case 34:
        return "CAP_SYSLOG";
      default:
        return fmt::format("CAP_{}", cap);
    }
  }

  const KernelConfig* config() {
    if (!config_lookup_) {
      struct utsname u {};
      ::uname(&u);
      std::optional<std::string> explicit_path;
      if (const char* p = std::getenv("KCONFIG_PATH")) explicit_path = p;
      config_lookup_ = find_kernel_config(explicit_path, u.release);
    }
    return config_lookup_->config ? &*config_lookup_->config : nullptr;
  }

  KernelFacts facts() {
    KernelFacts f;
    f.version = KernelVersion::running();
    f.config = config();
    return f;
  }

  const NamespaceProbe& namespace_probe(NsType type) {
    auto it = namespaces_.find(type);
    if (it == namespaces_.end()) it = namespaces_.emplace(type, probe_namespace(type, facts())).first;
    return it->second;
  }

  const FeatureProbe& rootless() {
    if (!rootless_) rootless_ = probe_rootless_userns();
    return *rootless_;
  }

  const FeatureProbe* link_kind(const std::string& kind) {
    if (!link_kinds_) link_kinds_ = probe_link_kinds(facts());
    for (const auto& f : *link_kinds_)
      if (f.id == "probe.link." + kind) return &f;
    return nullptr;
  }

  const FeatureProbe* feature(const std::string& id) {
    if (!features_) features_ = probe_features(facts());
    for (const auto& f : *features_)
      if (f.id == id) return &f;
    return nullptr;
  }

  std::mutex mutex_;
  std::optional<ConfigLookup> config_lookup_;
  std::map<NsType, NamespaceProbe> namespaces_;
  std::optional<FeatureProbe> rootless_;
  std::optional<std::vector<FeatureProbe>> link_kinds_;
  std::optional<std::vector<FeatureProbe>> features_;  // every feature, probed at the first `features` need
};

}  // namespace

std::optional<std::string> unmet_requirement(const Requirements& needs) { return Environment::instance().unmet(needs); }

}  // namespace nsm
