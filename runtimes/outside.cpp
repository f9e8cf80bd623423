#include "runtimes/outside.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/netlink.h"
#include "core/ns_id.h"
#include "core/ns_types.h"
#include "core/proc.h"

namespace nsm::runtimes {

using json = nlohmann::json;
namespace fs = std::filesystem;

bool is_held_view(std::string_view cmdline, const std::string& token) {
  std::vector<std::string_view> argv;
  for (size_t at = 0; at < cmdline.size();) {
    const size_t end = std::min(cmdline.find('\0', at), cmdline.size());
    argv.push_back(cmdline.substr(at, end - at));
    at = end + 1;
  }
  if (argv.size() < 4 || !(argv[0] == "nsmatrix" || argv[0].ends_with("/nsmatrix")) || argv[1] != "inside")
    return false;
  for (size_t i = 2; i + 1 < argv.size(); ++i)
    if (argv[i] == "--token" && argv[i + 1] == token) return true;
  return false;
}

std::vector<pid_t> find_held_views(const std::string& token) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto cmdline = read_file(e.path().string() + "/cmdline");
    if (cmdline && is_held_view(*cmdline, token)) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

json compare_namespaces(pid_t pid, const json& inside_namespaces) {
  json out = json::object();
  const std::string proc = std::to_string(pid);
  for (const auto& info : ns_types()) {
    const std::string type(info.name);
    const auto host = ns_id_at("self", info.proc_name);
    const auto container = ns_id_at(proc, info.proc_name);
    if (!host || !container) {
      out[type] = {{"new", nullptr}, {"why", "no /proc/PID/ns entry: the kernel lacks the type"}};
      continue;
    }
    const json& seen = inside_namespaces.contains(type) ? inside_namespaces[type] : json();
    if (!seen.is_object() || !seen.contains("inode") || seen["inode"] != container->ino)
      throw ToolError(fmt::format(
          "process {}'s {} namespace is inode {} from the host, {} from inside: not the process that wrote the view",
          pid, type, container->ino, seen.is_object() && seen.contains("inode") ? seen["inode"].dump() : "none"));
    out[type] = {{"new", !(*host == *container)}, {"host", host->ino}, {"container", container->ino}};
  }
  if (::kill(pid, 0) != 0) throw ToolError(fmt::format("process {} ended while it was looked at", pid));
  return out;
}

std::vector<HostLink> host_links() {
  std::vector<HostLink> out;
  for (const auto& l : RouteSocket::open().links())
    out.push_back({l.ifindex, l.name, l.kind, l.master, l.link, l.link_netnsid.has_value()});
  return out;
}

json network_from_outside(const json& inside_network, const std::vector<HostLink>& links) {
  json out = json::array();
  if (!inside_network.is_array()) return out;
  auto by_index = [&](int ifindex) -> const HostLink* {
    for (const auto& l : links)
      if (l.ifindex == ifindex) return &l;
    return nullptr;
  };
  // The view comes from inside the container: every field is checked for its type.
  auto field = [](const json& l, const char* key, auto fallback) -> decltype(fallback) {
    const auto it = l.find(key);
    if (it == l.end()) return fallback;
    if constexpr (std::is_same_v<decltype(fallback), int>)
      return it->is_number_integer() ? it->template get<int>() : fallback;
    else
      return it->is_string() ? it->template get<std::string>() : fallback;
  };
  for (const auto& l : inside_network) {
    if (!l.is_object() || field(l, "kind", std::string()) != "veth" || field(l, "peer_ifindex", 0) <= 0) continue;
    const int ifindex = field(l, "ifindex", 0);
    json entry{{"link", field(l, "name", std::string())}, {"ifindex", ifindex}, {"peer_ifindex", l["peer_ifindex"]}};
    const HostLink* peer = by_index(field(l, "peer_ifindex", 0));
    // Both ends name each other: the host's link points back at the container's ifindex,
    // in another namespace. An ifindex alone could be any link's.
    if (peer && peer->kind == "veth" && peer->peer_elsewhere && peer->link == ifindex) {
      entry["host_peer"] = peer->name;
      const HostLink* bridge = peer->master ? by_index(peer->master) : nullptr;
      entry["bridge"] = bridge ? json(bridge->name) : json(nullptr);
      entry["bridge_kind"] = bridge ? json(bridge->kind) : json(nullptr);
    } else {
      entry["host_peer"] = nullptr;
      entry["why"] = "no veth in the host's network namespace names this link as its peer";
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace nsm::runtimes
