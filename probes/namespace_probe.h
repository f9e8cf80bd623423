// The verdict on one namespace type, with every piece of evidence and where the pieces
// disagree: Kconfig (value and source file), /proc/self/ns/<type>, the kernel version
// against the first version with the type, and real attempts (as the caller and rootless).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/kernel_config.h"
#include "core/kernel_version.h"
#include "core/ns_types.h"
#include "core/verdict.h"
#include "probes/attempt.h"

namespace nsm {

// What is known about the kernel being judged.
struct KernelFacts {
  std::optional<KernelVersion> version;  // nullopt: a config without a version header
  const KernelConfig* config = nullptr;  // nullptr: no config found
};

struct KconfigEvidence {
  std::string symbol;  // empty for mnt (no symbol: always built in)
  std::string value;   // "y", "m", "n", "absent", "unknown" (no config), "builtin" (mnt)
  std::string line;    // the deciding line, verbatim
  std::string source;  // the file it came from
};
KconfigEvidence kconfig_evidence(std::string_view symbol, const KernelConfig* config);

struct NamespaceProbe {
  NsType type;
  Verdict verdict = Verdict::Unsupported;
  std::string reason;
  KconfigEvidence kconfig;
  std::optional<bool> proc_ns_present;  // nullopt when not looked at (config-only)
  std::optional<bool> new_enough;       // nullopt when the version is unknown
  std::string kernel_version;           // "6.18.44", or empty
  std::optional<Attempt> attempt;       // as the caller (root); nullopt in config-only mode
  std::optional<Attempt> rootless;
  std::string believed;  // "attempt", "kconfig" or "version"
  std::vector<std::string> disagreements;

  nlohmann::json to_json() const;
};

// The running kernel: every source of evidence, real attempts included.
NamespaceProbe probe_namespace(NsType type, const KernelFacts& facts);
// The verdict of a probe whose evidence and attempts are gathered (probe_namespace's last
// step; tests give it evidence of their own). `root`: the caller's attempt was made as root.
void judge_namespace(NamespaceProbe& p, bool root);
// A kernel that is not running: Kconfig and version only.
NamespaceProbe evaluate_namespace_from_config(NsType type, const KernelFacts& facts);

}  // namespace nsm
