// What a killed run could leave on the host, found and removed (`nsmatrix clean`), and
// found again by the residue test (tests/conformance) to prove nothing is left.
//
// Only nsm-prefixed objects, found through netlink and the kernel's own files, removed with
// system calls (no ip, no umount):
//   link     a network device in this network namespace named nsm*
//   netns    a named network namespace /run/netns/nsm*
//   mount    a mount whose mount point has a component named nsm*, or whose source is nsm-*
//   cgroup   a cgroup the suite makes: nsm-<pid>-<n>, in any mounted hierarchy
//   key      a key the suite makes: "nsm-...-<pid>" (/proc/keys)
//   hostname a hostname that starts with "nsm-" (reported, not changed: the original is unknown)
// The suite creates no temporary files, so /tmp is not touched: other nsm tools keep their
// files there. A cgroup or key whose <pid> is a live process belongs to a run in progress,
// and clean leaves it alone.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nsm::conformance {

struct ResidueItem {
  std::string kind;
  std::string name;
  int owner_pid = 0;  // cgroups and keys: the suite process that made it
  bool operator==(const ResidueItem&) const = default;
  auto operator<=>(const ResidueItem&) const = default;
};

// Everything nsm-prefixed that is there now, sorted.
std::vector<ResidueItem> find_residue();

struct CleanReport {
  std::vector<ResidueItem> removed;
  std::vector<std::pair<ResidueItem, std::string>> failed;  // with why
};

// Removes what find_residue() finds (but what a live run owns), mounts and namespaces first.
CleanReport clean_residue();

}  // namespace nsm::conformance
