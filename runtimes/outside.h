// The held container seen from the host: its process found by the view's token, which of
// the eight namespace types are new (the process's /proc/<pid>/ns against the driver's own),
// and where its veth's peer is (a link of the host's, on which bridge). Observe, never
// believe: the inode the view reported from inside must be the one the host sees, or the
// process found is not the one that wrote the view.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm::runtimes {

// Whether a command line (NUL-separated argv) is the held inside view carrying `token`:
// argv[0] ends in "nsmatrix", argv[1] is "inside", and "--token TOKEN" follows. The
// runtime's own command (docker run ... --token T) names the token too, so argv[0] decides.
bool is_held_view(std::string_view cmdline, const std::string& token);

// The host pids of every process that is the held view with `token`.
std::vector<pid_t> find_held_views(const std::string& token);

// {type: {new, host, container}} for the eight types; throws nsm::ToolError when the process
// is gone or when the inodes it reported from inside (`inside_namespaces`, the view's
// "namespaces") differ from the host's reading of the same process.
nlohmann::json compare_namespaces(pid_t pid, const nlohmann::json& inside_namespaces);

// For each veth the view saw (its "network"): the host link that is its peer, proved by
// both ends naming each other's ifindex, and that link's bridge. `links` is the host's
// link table as core/netlink reads it (passed in so that tests give one).
struct HostLink {
  int ifindex = 0;
  std::string name;
  std::string kind;
  int master = 0;
  int link = 0;
  bool peer_elsewhere = false;  // IFLA_LINK_NETNSID present: the peer is in another namespace
};
nlohmann::json network_from_outside(const nlohmann::json& inside_network, const std::vector<HostLink>& links);
std::vector<HostLink> host_links();

}  // namespace nsm::runtimes
