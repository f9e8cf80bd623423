// The network topologies that conformance and benchmarks share, built with rtnetlink inside
// namespaces held only by fds (see netns.h), so that nothing appears in the host's namespace
// and a killed process leaves nothing behind.
//
//   VethPair:  [ns a] nsm-va 10.77.0.1/24 <--veth--> nsm-vb 10.77.0.2/24 [ns b]
//   Bridge:    [hub ns: bridge nsm-br0 (up), ports nsm-p0..nsm-pN-1]
//                 each port is the peer of eth0 in member namespace i, 10.78.0.(i+2)/16
#pragma once

#include <string>
#include <vector>

#include "core/netns.h"

namespace nsm {

struct NetEndpoint {
  NetNs ns;
  std::string ifname;
  std::string address;  // without prefix length, "10.77.0.1"
};

struct VethPairTopology {
  NetEndpoint a;
  NetEndpoint b;
  // Both namespaces new, lo and the veth ends up, addressed.
  static VethPairTopology create();
};

struct BridgeTopology {
  NetNs hub;
  std::string bridge = "nsm-br0";
  std::vector<NetEndpoint> members;
  // A hub namespace with a bridge and `members` namespaces attached to it through veth pairs.
  static BridgeTopology create(int members);
  // Adds one more member namespace (index = members.size()), as a container runtime does.
  void add_member();
};

// The address of bridge member i ("10.78.0.2" for i = 0); valid for i < 65000.
std::string bridge_member_address(int index);

}  // namespace nsm
