// What a fresh network namespace may hold, and the judgement of what one did hold.
//
// A new network namespace starts with lo, down. The kernel also gives it the fallback
// device of every tunnel driver that is built in or loaded (sit0 for sit, tunl0 for ipip,
// gre0/gretap0/erspan0 for ip_gre, ip6tnl0, ip6gre0, ip_vti0, ip6_vti0), down, unless
// net.core.fb_tunnels_only_for_init_net is 1 (only the initial namespace gets them) or 2
// (none does): Documentation/admin-guide/sysctl/net.rst, commits 79134e6ce2c9 (4.16) and
// 316cdaa1158a (5.10). Those devices are the namespace's own, created for it; they cannot
// be moved between namespaces. Anything else - or any of them up - breaks the guarantee.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/netlink.h"

namespace nsm::conformance {

// In the namespace (a child): its links as [{"name", "kind", "up"}], sorted by name.
nlohmann::json describe_links(RouteSocket& rt);

// The fallback device name of a tunnel driver's link kind ("sit" -> "sit0"), or "".
std::string fallback_tunnel_name(const std::string& kind);

struct FreshNetns {
  std::vector<std::string> own;       // sorted: lo and the fallback tunnel devices present
  std::vector<std::string> problems;  // each a way the namespace broke the guarantee
  // For the check's reason when fallback tunnels were present ("" otherwise): which, and why
  // the kernel made them.
  std::string note;
};

// Judges what describe_links() reported from a namespace just created, knowing
// net.core.fb_tunnels_only_for_init_net ("0", "1", "2"; nullopt: unknown - the sysctl is
// absent before 4.16 and visible only from the initial network namespace).
FreshNetns judge_fresh_netns(const nlohmann::json& links, const std::optional<std::string>& fb_tunnels_policy);
// The same with the sysctl as this process reads it.
FreshNetns judge_fresh_netns(const nlohmann::json& links);

// "a; b; c"
std::string join_problems(const std::vector<std::string>& problems);

}  // namespace nsm::conformance
