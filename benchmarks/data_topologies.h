// The paths the data-path benchmarks measure, built on first use and kept until the process
// exits (their namespaces are held by fds only; the kernel removes them with the process):
//   loopback  client and server in one namespace, over lo (127.0.0.1)
//   veth      a veth pair between two namespaces (VethPairTopology)
//   bridge    two namespaces on one bridge in a hub namespace (BridgeTopology, the docker0 path)
//   bridge8   eight namespaces on one bridge: four flows at once, 0->1, 2->3, 4->5, 6->7
#pragma once

#include <string_view>
#include <vector>

#include "core/topology.h"

namespace nsm::bench {

enum class DataPath { Loopback, Veth, Bridge, Bridge8 };

std::string_view data_path_name(DataPath path);   // "loopback", "veth", "bridge", "bridge8"
std::string_view data_path_title(DataPath path);  // "over loopback inside one namespace", ...

struct DataFlow {
  const NetEndpoint* client;
  const NetEndpoint* server;
};
std::vector<DataFlow> data_path_flows(DataPath path);

}  // namespace nsm::bench
