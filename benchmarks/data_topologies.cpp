#include "benchmarks/data_topologies.h"

#include <optional>

namespace nsm::bench {

namespace {

const NetEndpoint& loopback() {
  static const NetEndpoint endpoint = [] {
    NetEndpoint e{NetNs::create(), "lo", "127.0.0.1"};
    e.ns.loopback_up();
    return e;
  }();
  return endpoint;
}

const VethPairTopology& veth() {
  static const VethPairTopology topology = VethPairTopology::create();
  return topology;
}

const BridgeTopology& bridge(int members) {
  if (members == 2) {
    static const BridgeTopology two = BridgeTopology::create(2);
    return two;
  }
  static const BridgeTopology eight = BridgeTopology::create(8);
  return eight;
}

}  // namespace

std::string_view data_path_name(DataPath path) {
  switch (path) {
    case DataPath::Loopback:
      return "loopback";
    case DataPath::Veth:
      return "veth";
    case DataPath::Bridge:
      return "bridge";
    case DataPath::Bridge8:
      return "bridge8";
  }
  return "?";
}

std::string_view data_path_title(DataPath path) {
  switch (path) {
    case DataPath::Loopback:
      return "over loopback inside one network namespace";
    case DataPath::Veth:
      return "over a veth pair between two network namespaces";
    case DataPath::Bridge:
      return "between two network namespaces on one bridge (the docker0 path)";
    case DataPath::Bridge8:
      return "aggregate of four flows among eight network namespaces on one bridge";
  }
  return "?";
}

std::vector<DataFlow> data_path_flows(DataPath path) {
  switch (path) {
    case DataPath::Loopback:
      return {{&loopback(), &loopback()}};
    case DataPath::Veth:
      return {{&veth().a, &veth().b}};
    case DataPath::Bridge: {
      const auto& t = bridge(2);
      return {{&t.members[0], &t.members[1]}};
    }
    case DataPath::Bridge8: {
      const auto& t = bridge(8);
      std::vector<DataFlow> flows;
      for (size_t i = 0; i + 1 < t.members.size(); i += 2) flows.push_back({&t.members[i], &t.members[i + 1]});
      return flows;
    }
  }
  return {};
}

}  // namespace nsm::bench
