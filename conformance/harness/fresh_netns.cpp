#include "conformance/harness/fresh_netns.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/proc.h"

namespace nsm::conformance {

namespace {

// Link kind -> the fallback device its driver creates in each namespace (net/ipv4/ipip.c,
// ip_gre.c, ip_vti.c; net/ipv6/sit.c, ip6_tunnel.c, ip6_gre.c, ip6_vti.c).
const std::vector<std::pair<std::string, std::string>>& fallback_tunnels() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"sit", "sit0"},       {"ipip", "tunl0"},     {"gre", "gre0"},    {"gretap", "gretap0"}, {"erspan", "erspan0"},
      {"ip6tnl", "ip6tnl0"}, {"ip6gre", "ip6gre0"}, {"vti", "ip_vti0"}, {"vti6", "ip6_vti0"}};
  return table;
}

}  // namespace

nlohmann::json describe_links(RouteSocket& rt) {
  auto links = rt.links();
  std::sort(links.begin(), links.end(), [](const LinkInfo& a, const LinkInfo& b) { return a.name < b.name; });
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : links) out.push_back({{"name", l.name}, {"kind", l.kind}, {"up", l.up()}});
  return out;
}

std::string fallback_tunnel_name(const std::string& kind) {
  for (const auto& [k, name] : fallback_tunnels())
    if (k == kind) return name;
  return {};
}

FreshNetns judge_fresh_netns(const nlohmann::json& links) {
  return judge_fresh_netns(links, read_sysctl("net.core.fb_tunnels_only_for_init_net"));
}

FreshNetns judge_fresh_netns(const nlohmann::json& links, const std::optional<std::string>& policy) {
  FreshNetns out;
  // 0: every namespace gets them; 1: only the initial one; 2: none. Absent before 4.16 (and
  // without CONFIG_SYSCTL): every namespace gets them.
  bool saw_lo = false;
  std::vector<std::string> tunnels;
  for (const auto& l : links) {
    const std::string name = l.at("name");
    const std::string kind = l.at("kind");
    const bool up = l.at("up");
    if (name == "lo") {
      saw_lo = true;
      out.own.push_back(name);
      if (up) out.problems.push_back("lo is up in a fresh namespace");
      continue;
    }
    if (kind.empty() || fallback_tunnel_name(kind) != name) {
      out.problems.push_back(fmt::format("{} ({}) is neither lo nor a tunnel driver's fallback device", name,
                                         kind.empty() ? "no kind" : kind));
      continue;
    }
    out.own.push_back(name);
    tunnels.push_back(fmt::format("{} ({})", name, kind));
    if (up) out.problems.push_back(fmt::format("the fallback device {} is up in a fresh namespace", name));
    if (policy && *policy != "0")
      out.problems.push_back(fmt::format(
          "net.core.fb_tunnels_only_for_init_net={} keeps fallback tunnels out of new namespaces, yet {} is here",
          *policy, name));
  }
  if (!saw_lo) out.problems.push_back("lo is missing");
  std::sort(out.own.begin(), out.own.end());
  if (!tunnels.empty()) {
    std::string list;
    for (const auto& t : tunnels) list += (list.empty() ? "" : ", ") + t;
    out.note = fmt::format(
        "besides lo, the fresh namespace held the fallback tunnel device(s) {}, down: the kernel creates one in every "
        "new network namespace for each built-in or loaded tunnel driver ({}; "
        "Documentation/admin-guide/sysctl/net.rst)",
        list,
        policy ? fmt::format("net.core.fb_tunnels_only_for_init_net={}", *policy)
               : std::string("net.core.fb_tunnels_only_for_init_net is not readable here"));
  }
  return out;
}

std::string join_problems(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += (s.empty() ? "" : "; ") + p;
  return s;
}

}  // namespace nsm::conformance
