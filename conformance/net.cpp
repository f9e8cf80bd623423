// Network namespaces (network_namespaces(7)): devices, ports, abstract sockets, veth pairs,
// bridges, sysctls and sysfs. Topologies live only in namespaces held by fds
// (core/topology.h): nothing is ever created in the host's namespace, and the kernel
// destroys it all when the suite exits, even by SIGKILL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/fresh_netns.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/poll.h"
#include "conformance/harness/traffic.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "core/proc.h"
#include "core/topology.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kNet = NsType::Net;

VethPairTopology veth_pair() {
  VethPairTopology t = VethPairTopology::create();
  hold_point();
  return t;
}

BridgeTopology bridge(int members) {
  BridgeTopology t = BridgeTopology::create(members);
  hold_point();
  return t;
}

std::vector<std::string> link_names(RouteSocket& rt) {
  std::vector<std::string> names;
  for (const auto& l : rt.links()) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  return names;
}

bool has_link(const NetNs& ns, const std::string& name) { return ns.route().link(name).has_value(); }

// The interface names in /proc/net/dev (after its two header lines).
std::vector<std::string> proc_net_dev() {
  std::istringstream in(must_read_file("/proc/net/dev"));
  std::string line;
  std::vector<std::string> names;
  for (int n = 0; std::getline(in, line); ++n) {
    if (n < 2) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) names.push_back(trim(line.substr(0, colon)));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// An abstract unix socket address: "\0name".
sockaddr_un abstract_address(const std::string& name, socklen_t& len) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path + 1, name.data(), name.size());
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return sa;
}

std::string connect_abstract(const std::string& name) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) throw_sys("socket(AF_UNIX)");
  socklen_t len;
  const sockaddr_un sa = abstract_address(name, len);
  return outcome_of(::connect(s.get(), reinterpret_cast<const sockaddr*>(&sa), len));
}

int bind_any(int port) {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) throw_sys("socket(AF_INET)");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return errno;
  if (::listen(s.get(), 1) != 0) return errno;
  s.release();  // kept open until the child exits: the port stays taken
  return 0;
}

// The ends of a pair are in two namespaces, neither the test's: traffic between them is
// then proof of the pair, not of a shared stack.
void expect_apart(const VethPairTopology& t) {
  const ino_t ours = NetNs::current().inode();
  EXPECT_NE(t.a.ns.inode(), t.b.ns.inode()) << "both ends are in one namespace";
  EXPECT_NE(t.a.ns.inode(), ours) << "end a is in the test's own namespace";
  EXPECT_NE(t.b.ns.inode(), ours) << "end b is in the test's own namespace";
}

const Requirements kVethNeeds{.namespaces = {kNet}, .root = true, .link_kinds = {"veth"}};

}  // namespace

NSM_CHECK(NetNamespace, FreshHasOnlyLoopbackDown,
          {.id = "net.fresh.only-loopback-down",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a fresh network namespace has only lo, down (and the per-namespace fallback devices of built-in "
                    "tunnel drivers, down)",
           .needs = {.namespaces = {kNet}}}) {
  const json inside = in_child(container(CLONE_NEWNET), [] {
    RouteSocket rt = RouteSocket::open();
    return json{{"links", describe_links(rt)}};
  });
  const FreshNetns fresh = judge_fresh_netns(inside["links"]);
  EXPECT_TRUE(fresh.problems.empty()) << join_problems(fresh.problems) << "; links: " << inside["links"].dump();
  note(fresh.note);
}

NSM_CHECK(NetNamespace, SamePortBindsInTwoNamespaces,
          {.id = "net.ports.same-port-twice",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "the same TCP port binds in two network namespaces at once (and only once in each)",
           .needs = {.namespaces = {kNet}}}) {
  constexpr int kPort = 47001;
  auto listener = [](Link& link) {
    const int first = bind_any(kPort);
    const int again = bind_any(kPort);
    link.send({{"first", first ? errno_name(first) : "ok"}, {"again", again ? errno_name(again) : "ok"}});
    link.recv();
  };
  Peer a = Peer::spawn(container(CLONE_NEWNET), listener);
  const json in_a = a.recv();
  Peer b = Peer::spawn(container(CLONE_NEWNET), listener);  // while a holds the port
  const json in_b = b.recv();
  a.send("done");
  b.send("done");
  a.finish();
  b.finish();
  EXPECT_EQ(in_a["first"], "ok");
  EXPECT_EQ(in_b["first"], "ok") << "the port taken in one namespace must be free in another";
  EXPECT_EQ(in_a["again"], "EADDRINUSE") << "inside one namespace the port is taken";
}

NSM_CHECK(NetNamespace, AbstractUnixSocketsDoNotCross,
          {.id = "net.unix.abstract-separate",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "an abstract unix socket is reachable only from its own network namespace",
           .needs = {.namespaces = {kNet}}}) {
  const std::string name = fmt::format("nsm-abstract-{}", ::getpid());
  Peer owner = Peer::spawn(container(CLONE_NEWNET), [name](Link& link) {
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) throw_sys("socket(AF_UNIX)");
    socklen_t len;
    const sockaddr_un sa = abstract_address(name, len);
    if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) throw_sys("bind(abstract)");
    if (::listen(s.get(), 4) != 0) throw_sys("listen");
    link.send({{"own", connect_abstract(name)}});
    link.recv();
  });
  const json inside = owner.recv();
  const json other = in_child(container(CLONE_NEWNET), [name] { return json{{"connect", connect_abstract(name)}}; });
  const std::string from_host = connect_abstract(name);
  owner.send("done");
  owner.finish();
  EXPECT_EQ(inside["own"], "ok") << "the owner's namespace reaches it";
  EXPECT_EQ(other["connect"], "ECONNREFUSED") << "another namespace must not";
  EXPECT_EQ(from_host, "ECONNREFUSED") << "nor the host";
}

NSM_CHECK(NetNamespace, LoopbackIsPerNamespace,
          {.id = "net.loopback.separate",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a listener on 127.0.0.1 in one namespace is not reachable from another's loopback",
           .needs = {.namespaces = {kNet}}}) {
  constexpr uint16_t kPort = 47002;
  Peer server = Peer::spawn(container(CLONE_NEWNET), [](Link& link) {
    NetNs here = NetNs::current();
    here.loopback_up();
    UniqueFd listener = tcp_listen(here, "127.0.0.1", kPort);
    const int own = tcp_connect(here, "127.0.0.1", kPort);
    link.send({{"own", own ? errno_name(own) : "ok"}});
    link.recv();
  });
  const json inside = server.recv();
  const json other = in_child(container(CLONE_NEWNET), [] {
    NetNs here = NetNs::current();
    here.loopback_up();
    const int err = tcp_connect(here, "127.0.0.1", kPort);
    return json{{"connect", err ? errno_name(err) : "ok"}};
  });
  server.send("done");
  server.finish();
  EXPECT_EQ(inside["own"], "ok");
  EXPECT_EQ(other["connect"], "ECONNREFUSED");
}

NSM_CHECK(NetNamespace, VethPairCarriesTcpBothWays,
          {.id = "net.veth.pair-connects",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a veth pair joining two namespaces carries TCP both ways",
           .needs = kVethNeeds}) {
  VethPairTopology t = veth_pair();
  expect_apart(t);
  EXPECT_EQ(tcp_round_trip(t.b.ns, t.b.address, 47010, t.a.ns), "") << "a -> b";
  EXPECT_EQ(tcp_round_trip(t.a.ns, t.a.address, 47011, t.b.ns), "") << "b -> a";
}

NSM_CHECK(NetNamespace, VethPairCarriesUdpBothWays,
          {.id = "net.veth.pair-udp",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a veth pair joining two namespaces carries UDP both ways",
           .needs = kVethNeeds}) {
  VethPairTopology t = veth_pair();
  expect_apart(t);
  EXPECT_EQ(udp_round_trip(t.b.ns, t.b.address, 47012, t.a.ns), "") << "a -> b";
  EXPECT_EQ(udp_round_trip(t.a.ns, t.a.address, 47013, t.b.ns), "") << "b -> a";
}

NSM_CHECK(NetNamespace, VethEndsAreInvisibleToHost,
          {.id = "net.veth.invisible-to-host",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "the ends of a veth pair between two namespaces are absent from the host's link list",
           .needs = kVethNeeds}) {
  VethPairTopology t = veth_pair();
  RouteSocket host = RouteSocket::open();
  const auto names = link_names(host);
  EXPECT_TRUE(has_link(t.a.ns, t.a.ifname)) << "the end must exist in its namespace";
  EXPECT_EQ(std::count(names.begin(), names.end(), t.a.ifname), 0) << "host links: " << json(names).dump();
  EXPECT_EQ(std::count(names.begin(), names.end(), t.b.ifname), 0);
}

NSM_CHECK(NetNamespace, AddressesArePerNamespace,
          {.id = "net.address.per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "an address assigned in one namespace can be bound there only (EADDRNOTAVAIL elsewhere)",
           .needs = kVethNeeds}) {
  VethPairTopology t = veth_pair();
  const NetNs host = NetNs::current();
  EXPECT_EQ(bind_in(t.a.ns, SOCK_DGRAM, t.a.address, 47020), 0);
  EXPECT_EQ(errno_name(bind_in(t.b.ns, SOCK_DGRAM, t.a.address, 47020)), "EADDRNOTAVAIL") << "the peer namespace";
  EXPECT_EQ(errno_name(bind_in(host, SOCK_DGRAM, t.a.address, 47020)), "EADDRNOTAVAIL") << "the host";
}

NSM_CHECK(NetNamespace, MovingADeviceMovesIt,
          {.id = "net.device.one-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a device lives in one namespace at a time: moving it removes it from the first",
           .needs = kVethNeeds}) {
  NetNs a = NetNs::create();
  NetNs b = NetNs::create();
  RouteSocket rt_a = a.route();
  rt_a.add_veth("nsm-m0", "nsm-m1");
  hold_point();
  const bool before = rt_a.link("nsm-m1").has_value();
  rt_a.move_to_netns("nsm-m1", b.fd());
  EXPECT_TRUE(before);
  EXPECT_FALSE(rt_a.link("nsm-m1").has_value()) << "the moved device must be gone from its first namespace";
  EXPECT_TRUE(has_link(b, "nsm-m1")) << "and present in the second";
  EXPECT_TRUE(rt_a.link("nsm-m0").has_value()) << "its peer stays where it was";
}

NSM_CHECK(NetNamespace, BridgeLetsEveryPairOfThreeTalk,
          {.id = "net.bridge.every-pair-talks",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a bridge joining three namespaces through veth pairs lets every pair talk (the docker0 topology)",
           .needs = {.namespaces = {kNet}, .root = true, .link_kinds = {"veth", "bridge"}}}) {
  BridgeTopology t = bridge(3);
  uint16_t port = 47100;
  for (size_t i = 0; i < t.members.size(); ++i)
    for (size_t j = 0; j < t.members.size(); ++j) {
      if (i == j) continue;
      EXPECT_EQ(tcp_round_trip(t.members[j].ns, t.members[j].address, port++, t.members[i].ns), "")
          << "member " << i << " -> member " << j;
    }
  for (const auto& m : t.members) EXPECT_FALSE(has_link(m.ns, t.bridge)) << "the bridge lives in the hub only";
}

NSM_CHECK(NetNamespace, BridgeMemberAddedLaterJoins,
          {.id = "net.bridge.member-added-later",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a namespace attached to a running bridge reaches the members already there",
           .needs = {.namespaces = {kNet}, .root = true, .link_kinds = {"veth", "bridge"}}}) {
  BridgeTopology t = bridge(2);
  t.add_member();
  EXPECT_EQ(udp_round_trip(t.members[0].ns, t.members[0].address, 47200, t.members[2].ns), "");
  EXPECT_EQ(udp_round_trip(t.members[2].ns, t.members[2].address, 47201, t.members[1].ns), "");
}

NSM_CHECK(NetNamespace, DeletingNamespaceDeletesVethAndPeer,
          {.id = "net.lifecycle.delete-removes-veth",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "when a namespace's last reference goes, its veth end is destroyed, and the peer with it",
           .needs = kVethNeeds}) {
  NetNs survivor = NetNs::create();
  {
    NetNs doomed = NetNs::create();
    doomed.route().add_veth("nsm-d0", "nsm-d1", survivor.fd());
    hold_point();
    ASSERT_TRUE(has_link(survivor, "nsm-d1")) << "the peer must exist before";
  }  // the last fd of `doomed` closes: the kernel destroys the namespace asynchronously
  const bool gone = eventually([&] { return !has_link(survivor, "nsm-d1"); });
  EXPECT_TRUE(gone) << "the peer of a veth in a destroyed namespace must disappear";
}

NSM_CHECK(NetNamespace, IpForwardIsPerNamespace,
          {.id = "net.sysctl.ip-forward-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "net.ipv4.ip_forward written in one namespace changes neither another namespace nor the host",
           .needs = {.namespaces = {kNet}}}) {
  const auto host = read_sysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(host.has_value());
  Peer writer = Peer::spawn(container(CLONE_NEWNET), [](Link& link) {
    const std::string initial = read_sysctl("net.ipv4.ip_forward").value_or("");
    const std::string flipped = initial == "1" ? "0" : "1";
    require_apart_from_suite(kNet, "write net.ipv4.ip_forward");
    write_file(sysctl_path("net.ipv4.ip_forward"), flipped);
    link.send(
        {{"initial", initial}, {"written", flipped}, {"read_back", read_sysctl("net.ipv4.ip_forward").value_or("")}});
    link.recv();
  });
  const json inside = writer.recv();
  const json other = in_child(container(CLONE_NEWNET), [] {
    return json{{"value", read_sysctl("net.ipv4.ip_forward").value_or("")}};
  });
  const auto host_meanwhile = read_sysctl("net.ipv4.ip_forward");
  writer.send("done");
  writer.finish();
  EXPECT_EQ(inside["read_back"], inside["written"]);
  EXPECT_EQ(other["value"], inside["initial"])
      << "another new namespace starts where the first started, not at its write";
  EXPECT_EQ(host_meanwhile, host) << "the host's ip_forward must not change";
}

NSM_CHECK(NetNamespace, SysfsRemountListsOwnDevices,
          {.id = "net.sysfs.remount-shows-own",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a sysfs mounted inside a network namespace lists its own devices in /sys/class/net",
           .needs = {.namespaces = {kNet, NsType::Mnt}, .link_kinds = {"veth"}}}) {
  const json inside = in_child(container(CLONE_NEWNET | CLONE_NEWNS), [] {
    RouteSocket rt = RouteSocket::open();
    const json fresh = describe_links(rt);
    require_apart_from_suite(kNet, "add a veth pair");
    rt.add_veth("nsm-s0", "nsm-s1");
    set_propagation("/", MS_PRIVATE, true);
    remount_sys();
    return json{{"fresh", fresh}, {"devices", list_directory("/sys/class/net")}};
  });
  const FreshNetns fresh = judge_fresh_netns(inside["fresh"]);
  ASSERT_TRUE(fresh.problems.empty()) << "the namespace must start fresh: " << join_problems(fresh.problems);
  std::vector<std::string> own = fresh.own;
  own.insert(own.end(), {"nsm-s0", "nsm-s1"});
  std::sort(own.begin(), own.end());
  EXPECT_EQ(inside["devices"], json(own));
  note(fresh.note);
}

NSM_CHECK(NetNamespace, ProcNetFollowsTheReader,
          {.id = "net.proc.net-dev-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "/proc/net/dev lists the reader's namespace's devices, even without remounting /proc",
           .needs = {.namespaces = {kNet}, .link_kinds = {"veth"}}}) {
  // The child keeps the host's procfs; a veth pair of its own makes its list tell.
  Peer child = Peer::spawn(container(CLONE_NEWNET), [](Link& link) {
    RouteSocket rt = RouteSocket::open();
    const json fresh = describe_links(rt);
    require_apart_from_suite(kNet, "add a veth pair");
    rt.add_veth("nsm-p0", "nsm-p1");
    link.send({{"fresh", fresh}, {"devices", proc_net_dev()}});
    link.recv();
  });
  const json inside = child.recv();
  const auto host = proc_net_dev();  // while the child's pair exists
  child.send("done");
  child.finish();
  const FreshNetns fresh = judge_fresh_netns(inside["fresh"]);
  ASSERT_TRUE(fresh.problems.empty()) << "the namespace must start fresh: " << join_problems(fresh.problems);
  std::vector<std::string> own = fresh.own;
  own.insert(own.end(), {"nsm-p0", "nsm-p1"});
  std::sort(own.begin(), own.end());
  EXPECT_EQ(inside["devices"], json(own)) << "the reader's own devices";
  EXPECT_EQ(std::count(host.begin(), host.end(), "nsm-p0") + std::count(host.begin(), host.end(), "nsm-p1"), 0)
      << "the host's /proc/net/dev lists " << json(host).dump();
  note(fresh.note);
}
