#include "core/topology.h"

#include <fmt/format.h>

namespace nsm {

VethPairTopology VethPairTopology::create() {
  VethPairTopology t{{NetNs::create(), "nsm-va", "10.77.0.1"}, {NetNs::create(), "nsm-vb", "10.77.0.2"}};
  RouteSocket a = t.a.ns.route();
  RouteSocket b = t.b.ns.route();
  a.add_veth(t.a.ifname, t.b.ifname, t.b.ns.fd());
  for (auto* side : {&t.a, &t.b}) {
    RouteSocket& rt = side == &t.a ? a : b;
    rt.set_up("lo");
    rt.add_address(side->ifname, side->address + "/24");
    rt.set_up(side->ifname);
  }
  return t;
}

std::string bridge_member_address(int index) {
  const int host = index + 2;
  return fmt::format("10.78.{}.{}", host / 256, host % 256);
}

BridgeTopology BridgeTopology::create(int members) {
  BridgeTopology t{NetNs::create(), "nsm-br0", {}};
  RouteSocket hub = t.hub.route();
  hub.add_bridge(t.bridge);
  hub.set_up(t.bridge);
  for (int i = 0; i < members; ++i) t.add_member();
  return t;
}

void BridgeTopology::add_member() {
  const int index = static_cast<int>(members.size());
  NetEndpoint member{NetNs::create(), "eth0", bridge_member_address(index)};
  const std::string port = fmt::format("nsm-p{}", index);
  RouteSocket inside = member.ns.route();
  inside.add_veth(member.ifname, port, hub.fd());
  inside.set_up("lo");
  inside.add_address(member.ifname, member.address + "/16");
  inside.set_up(member.ifname);
  RouteSocket outside = hub.route();
  outside.set_master(port, bridge);
  outside.set_up(port);
  members.push_back(std::move(member));
}

}  // namespace nsm
