// Probes of what the suite and real container runtimes depend on besides the eight types:
// clone3, CLONE_NEWTIME through clone3, setns with a pidfd, the nsfs ioctls (and the newer
// namespace ids and pid translation), listmount/statmount, nsfs file handles, listns,
// SO_NETNS_COOKIE, /proc/self/timens_offsets, idmapped mounts, namespace limits, the sysctls that gate unprivileged
// user namespaces, a real rootless trial (ids mapped and a mount made, not only unshare), cgroup v2, and the network
// link kinds (created for real in a scratch namespace).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/verdict.h"
#include "probes/namespace_probe.h"

namespace nsm {

struct FeatureProbe {
  std::string id;     // "probe.clone3"
  std::string title;  // "clone3()"
  Verdict verdict = Verdict::Unsupported;
  std::string reason;
  std::string first_version;                           // "5.3", or empty
  nlohmann::json evidence = nlohmann::json::object();  // flat: name -> string/number/bool/null

  nlohmann::json to_json() const;
};

// Every feature, on the running kernel.
std::vector<FeatureProbe> probe_features(const KernelFacts& facts);
// What Kconfig and the version say of them, for a kernel that is not running.
std::vector<FeatureProbe> evaluate_features_from_config(const KernelFacts& facts);

// Individually, for requirements (probes/requirements.h).
FeatureProbe probe_rootless_userns();
// One probe per kind: "veth", "bridge", "macvlan", "vxlan", "netkit".
std::vector<FeatureProbe> probe_link_kinds(const KernelFacts& facts);

}  // namespace nsm
