// The whole probe: the kernel, its config, the process, the eight types and the features,
// as probe.json (docs/results-format.md) and as the report's input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/kernel_config.h"
#include "probes/feature_probe.h"
#include "probes/namespace_probe.h"

namespace nsm {

struct ProbeOptions {
  // --config FILE: judge that config (a kernel that is not running) from Kconfig and version.
  std::optional<std::string> config_only;
  // KCONFIG_PATH: the running kernel's config is here (LTP's variable).
  std::optional<std::string> kconfig_path;
};

struct ProbeReport {
  std::string mode;  // "running" or "config-only"
  nlohmann::json kernel;
  nlohmann::json config;
  nlohmann::json process;  // running mode only
  std::vector<NamespaceProbe> namespaces;
  std::vector<FeatureProbe> features;

  nlohmann::json to_json() const;
};

// Throws nsm::InputError when a config given with --config (or KCONFIG_PATH) cannot be used:
// missing, unreadable, truncated, garbage. A config that is simply not found is not an error
// for the running kernel: the report says "no kernel config found".
ProbeReport run_probe(const ProbeOptions& options);

// Whether this process is in each initial namespace, with the evidence: the fixed inode
// numbers of the initial namespaces (include/linux/proc_ns.h), or /proc/1/ns when readable.
nlohmann::json initial_namespaces();

}  // namespace nsm
