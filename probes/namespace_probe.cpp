#include "probes/namespace_probe.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "probes/diagnosis.h"

namespace nsm {

KconfigEvidence kconfig_evidence(std::string_view symbol, const KernelConfig* config) {
  KconfigEvidence e;
  e.symbol = std::string(symbol);
  if (symbol.empty()) {
    e.value = "builtin";
    return e;
  }
  if (!config) {
    e.value = "unknown";
    return e;
  }
  e.source = config->source();
  e.value = std::string(tristate_name(config->tristate(symbol)));
  e.line = config->line(symbol);
  return e;
}

namespace {

bool kconfig_on(const KconfigEvidence& k) { return k.value == "y" || k.value == "m" || k.value == "builtin"; }
bool kconfig_off(const KconfigEvidence& k) { return k.value == "n" || k.value == "absent"; }

// "CONFIG_TIME_NS is not set (/proc/config.gz)" / "CONFIG_TIME_NS is absent from /boot/config-R"
std::string kconfig_off_words(const KconfigEvidence& k) {
  if (k.value == "n") return fmt::format("{} is not set ({})", k.symbol, k.source);
  return fmt::format("{} is absent from {}", k.symbol, k.source);
}

std::string attempt_words(const Attempt& a) {
  if (a.ok && a.faulty) return a.fault;
  if (a.ok) return fmt::format("{} succeeded", a.call);
  if (a.err) return fmt::format("{}: {} \u2014 {}", a.call, errno_name(a.err), a.meaning);
  return a.meaning;
}

void add_version_facts(NamespaceProbe& p, const NsTypeInfo& info, const KernelFacts& facts) {
  if (!facts.version) return;
  p.kernel_version = facts.version->numbers();
  p.new_enough = *facts.version >= info.first_kernel();
}

std::string too_old_words(const NamespaceProbe& p, const NsTypeInfo& info) {
  return fmt::format("kernel {} < {}, where {} namespaces first appeared", p.kernel_version, info.first_version,
                     info.name);
}

// An unsupported verdict from a failed attempt, preceded by the other sources that agree
// with it, so a skip reason built from it names all of them: "CONFIG_TIME_NS is not set
// (/proc/config.gz); /proc/self/ns/time is missing; unshare(CLONE_NEWTIME): EINVAL — ...".
std::string with_agreeing_evidence(const NamespaceProbe& p, const NsTypeInfo& info, const std::string& attempt) {
  std::string out;
  auto add = [&out](const std::string& piece) { out += piece + "; "; };
  if (kconfig_off(p.kconfig)) add(kconfig_off_words(p.kconfig));
  if (p.proc_ns_present == false) add(fmt::format("/proc/self/ns/{} is missing", info.proc_name));
  if (p.new_enough == false) add(too_old_words(p, info));
  return out + attempt;
}

}  // namespace

NamespaceProbe probe_namespace(NsType type, const KernelFacts& facts) {
  const NsTypeInfo& info = ns_info(type);
  NamespaceProbe p;
  p.type = type;
  p.kconfig = kconfig_evidence(info.kconfig, facts.config);
  p.proc_ns_present = ns_inode(0, info.proc_name).has_value();
  add_version_facts(p, info, facts);

  const bool root = ::geteuid() == 0;
  if (root) {
    p.attempt = attempt_namespace(type);
  } else {
    p.attempt = Attempt{};
    p.attempt->not_tried = fmt::format("not root (uid {})", ::geteuid());
  }
  p.rootless = attempt_namespace_rootless(type);
  judge_namespace(p, root);
  return p;
}

void judge_namespace(NamespaceProbe& p, bool root) {
  const NsTypeInfo& info = ns_info(p.type);
  // The caller's own attempt decides; a non-root caller's is the rootless one.
  const Attempt& deciding = p.attempt->tried ? *p.attempt : *p.rootless;
  // A kernel built without CONFIG_CGROUPS accepts CLONE_NEWCGROUP and ignores it
  // (copy_cgroup_ns() hands back the caller's namespace), where every other type refuses its
  // flag with EINVAL. Seen with the symbol off and no nsfs entry for the type at all, that
  // "success" is the type's absence, not a lie; with either observation missing it stays a
  // fault.
  const bool flag_ignored = p.type == NsType::Cgroup && deciding.tried && deciding.ok && deciding.unproven &&
                            kconfig_off(p.kconfig) && p.proc_ns_present == false;
  if (flag_ignored) {
    p.believed = "kconfig";
    p.verdict = Verdict::Unsupported;
    p.reason =
        with_agreeing_evidence(p, info,
                               fmt::format("{} returned 0 and made no namespace (a kernel without {} ignores {})",
                                           deciding.call, info.kconfig, info.clone_flag_name));
    return;
  }
  if (deciding.tried && (deciding.ok || deciding.err)) {
    p.believed = "attempt";
    if (deciding.ok && deciding.faulty) {
      p.verdict = Verdict::Faulty;
      p.reason = fmt::format("kernel fault: {}", deciding.fault);
    } else if (deciding.ok) {
      p.verdict = Verdict::Supported;
      p.reason = attempt_words(deciding) +
                 (root ? " as root" : fmt::format(" as uid {} in its own user namespace", ::geteuid()));
    } else {
      p.verdict = verdict_for_errno(deciding.err);
      p.reason = attempt_words(deciding);
      if (p.verdict == Verdict::Unsupported) p.reason = with_agreeing_evidence(p, info, p.reason);
    }
  } else if (kconfig_off(p.kconfig)) {
    p.believed = "kconfig";
    p.verdict = Verdict::Unsupported;
    p.reason = kconfig_off_words(p.kconfig);
  } else if (p.new_enough == false) {
    p.believed = "version";
    p.verdict = Verdict::Unsupported;
    p.reason = too_old_words(p, info);
  } else {
    p.believed = p.kconfig.value == "unknown" ? "version" : "kconfig";
    p.verdict = Verdict::Supported;
    p.reason = fmt::format("no attempt could decide ({}); {}", deciding.tried ? deciding.meaning : deciding.not_tried,
                           p.kconfig.value == "unknown" ? "the kernel version allows it" : p.kconfig.line);
  }

  // A rootless attempt that the kernel faked is a fault too, whatever root's attempt saw.
  if (p.verdict == Verdict::Supported && p.rootless && p.rootless->ok && p.rootless->faulty) {
    p.verdict = Verdict::Faulty;
    p.reason = fmt::format("kernel fault (rootless): {}", p.rootless->fault);
  }

  // Where the sources disagree, say so and say which one the verdict follows.
  if (p.believed == "attempt") {
    const bool exists = p.verdict != Verdict::Unsupported;
    if (exists && kconfig_off(p.kconfig))
      p.disagreements.push_back(fmt::format("{}, yet {}: believing the attempt (is the config file this kernel's?)",
                                            kconfig_off_words(p.kconfig), attempt_words(deciding)));
    if (!exists && kconfig_on(p.kconfig) && !p.kconfig.symbol.empty())
      p.disagreements.push_back(fmt::format("{} ({}), yet {}: believing the attempt", p.kconfig.line, p.kconfig.source,
                                            attempt_words(deciding)));
    if (exists && !*p.proc_ns_present)
      p.disagreements.push_back(fmt::format("/proc/self/ns/{} is missing, yet {}: believing the attempt",
                                            info.proc_name, attempt_words(deciding)));
    if (!exists && *p.proc_ns_present)
      p.disagreements.push_back(fmt::format("/proc/self/ns/{} is present, yet {}: believing the attempt",
                                            info.proc_name, attempt_words(deciding)));
    if (exists && p.new_enough == false)
      p.disagreements.push_back(fmt::format("{}, yet {}: believing the attempt (a backport?)", too_old_words(p, info),
                                            attempt_words(deciding)));
  }
}

NamespaceProbe evaluate_namespace_from_config(NsType type, const KernelFacts& facts) {
  const NsTypeInfo& info = ns_info(type);
  NamespaceProbe p;
  p.type = type;
  p.kconfig = kconfig_evidence(info.kconfig, facts.config);
  add_version_facts(p, info, facts);
  if (p.new_enough == false) {
    p.believed = "version";
    p.verdict = Verdict::Unsupported;
    p.reason = too_old_words(p, info);
  } else if (kconfig_off(p.kconfig)) {
    p.believed = "kconfig";
    p.verdict = Verdict::Unsupported;
    p.reason = kconfig_off_words(p.kconfig);
  } else if (kconfig_on(p.kconfig)) {
    p.believed = "kconfig";
    p.verdict = Verdict::Supported;
    p.reason = p.kconfig.symbol.empty() ? std::string("mount namespaces have no Kconfig symbol: always built in")
                                        : fmt::format("{} ({})", p.kconfig.line, p.kconfig.source);
  } else {
    p.believed = "version";
    p.verdict = Verdict::Supported;
    p.reason = "no config: judged by the kernel version alone";
  }
  if (p.new_enough == false && kconfig_on(p.kconfig) && !p.kconfig.symbol.empty())
    p.disagreements.push_back(
        fmt::format("{} is set, yet {}: believing the version", p.kconfig.symbol, too_old_words(p, info)));
  return p;
}

nlohmann::json NamespaceProbe::to_json() const {
  const NsTypeInfo& info = ns_info(type);
  nlohmann::json j = {
      {"id", fmt::format("probe.ns.{}", info.name)},
      {"type", std::string(info.name)},
      {"title", fmt::format("{} namespaces", info.name)},
      {"verdict", std::string(verdict_name(verdict))},
      {"reason", reason},
      {"flag", std::string(info.clone_flag_name)},
      {"isolates", std::string(info.isolates)},
      {"kconfig",
       {{"symbol", kconfig.symbol.empty() ? nlohmann::json(nullptr) : nlohmann::json(kconfig.symbol)},
        {"value", kconfig.value},
        {"line", kconfig.line},
        {"source", kconfig.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(kconfig.source)}}},
      {"version",
       {{"first", std::string(info.first_version)},
        {"kernel", kernel_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(kernel_version)},
        {"new_enough", new_enough ? nlohmann::json(*new_enough) : nlohmann::json(nullptr)}}},
      {"believed", believed},
      {"disagreements", disagreements},
  };
  if (proc_ns_present)
    j["proc_ns"] = {{"path", fmt::format("/proc/self/ns/{}", info.proc_name)}, {"present", *proc_ns_present}};
  if (attempt) j["attempt"] = attempt->to_json();
  if (rootless) j["rootless"] = rootless->to_json();
  return j;
}

}  // namespace nsm
