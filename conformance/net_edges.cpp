// The edges of network namespaces: abstract unix datagram sockets, pathname unix sockets
// (which follow the filesystem, not the network namespace: the docker.sock class), netlink
// multicast (LTP netns_netlink), per-namespace sysctls (net.core.somaxconn,
// ip_local_port_range, ping_group_range; the netns-sysctl selftest), interface names and
// indexes, SO_NETNS_COOKIE, and conntrack: a view per namespace (an entry of its own, made through
// ctnetlink), one global table limit.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "conformance/harness/apart.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "core/ns_id.h"
#include "core/proc.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kNet = NsType::Net;

sockaddr_un unix_address(const std::string& path, bool abstract, socklen_t& len) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const size_t at = abstract ? 1 : 0;
  std::memcpy(sa.sun_path + at, path.data(), path.size());
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + at + path.size() + (abstract ? 0 : 1));
  return sa;
}

// sendto(2) of one datagram to an abstract address: "ok" or the errno's name.
std::string send_abstract_dgram(const std::string& name) {
  UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) throw_sys("socket(AF_UNIX, SOCK_DGRAM)");
  socklen_t len;
  const sockaddr_un sa = unix_address(name, true, len);
  return outcome_of(::sendto(s.get(), "ping", 4, 0, reinterpret_cast<const sockaddr*>(&sa), len));
}

// A netlink socket subscribed to link events (RTMGRP_LINK), non-blocking.
UniqueFd link_event_listener() {
  UniqueFd s(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!s) throw_sys("socket(AF_NETLINK)");
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK;
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) throw_sys("bind(RTMGRP_LINK)");
  return s;
}

// Whether the queued link events name `ifname` (drains the queue; never waits).
bool heard_link(int fd, const std::string& ifname) {
  bool heard = false;
  alignas(nlmsghdr) char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;) {
    for (const nlmsghdr* h : netlink_messages(buf, static_cast<size_t>(n))) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
      int attr_len = static_cast<int>(IFLA_PAYLOAD(h));
      for (auto* a = IFLA_RTA(ifi); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len))
        if (a->rta_type == IFLA_IFNAME && ifname == static_cast<const char*>(RTA_DATA(a))) heard = true;
    }
  }
  return heard;
}

json cookie_of_new_socket() {
  UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (!s || ::getsockopt(s.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) return errno_name(errno);
  return cookie;
}

// One UDP conntrack entry, src:sport -> dst:dport and its reply, added to the caller's
// network namespace through ctnetlink (IPCTNL_MSG_CT_NEW), so a check has a tracked
// connection of its own without traffic (conntrack hooks a namespace only when a ruleset
// asks): "ok" or the kernel's errno.
std::string add_conntrack_entry(const char* src, const char* dst, uint16_t sport, uint16_t dport) {
  UniqueFd s(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!s) return errno_name(errno);
  alignas(nlmsghdr) char buf[512] = {};
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  h->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
  h->nlmsg_seq = 1;
  h->nlmsg_len = NLMSG_LENGTH(sizeof(nfgenmsg));
  auto* g = static_cast<nfgenmsg*>(NLMSG_DATA(h));
  g->nfgen_family = AF_INET;
  g->version = NFNETLINK_V0;
  auto put = [&](uint16_t type, const void* data, size_t len) {
    auto* a = reinterpret_cast<nlattr*>(buf + NLMSG_ALIGN(h->nlmsg_len));
    a->nla_type = type;
    a->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    if (len) std::memcpy(reinterpret_cast<char*>(a) + NLA_HDRLEN, data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + NLA_ALIGN(a->nla_len);
    return a;
  };
  auto close_nest = [&](nlattr* a) {
    a->nla_len = static_cast<uint16_t>(buf + h->nlmsg_len - reinterpret_cast<char*>(a));
  };
  auto tuple = [&](uint16_t type, const char* from, const char* to, uint16_t from_port, uint16_t to_port) {
    nlattr* t = put(type | NLA_F_NESTED, nullptr, 0);
    nlattr* ip = put(CTA_TUPLE_IP | NLA_F_NESTED, nullptr, 0);
    const in_addr_t a = ::inet_addr(from), b = ::inet_addr(to);
    put(CTA_IP_V4_SRC, &a, 4);
    put(CTA_IP_V4_DST, &b, 4);
    close_nest(ip);
    nlattr* proto = put(CTA_TUPLE_PROTO | NLA_F_NESTED, nullptr, 0);
    const uint8_t udp = IPPROTO_UDP;
    const uint16_t p = htons(from_port), q = htons(to_port);
    put(CTA_PROTO_NUM, &udp, 1);
    put(CTA_PROTO_SRC_PORT, &p, 2);
    put(CTA_PROTO_DST_PORT, &q, 2);
    close_nest(proto);
    close_nest(t);
  };
  tuple(CTA_TUPLE_ORIG, src, dst, sport, dport);
  tuple(CTA_TUPLE_REPLY, dst, src, dport, sport);
  const uint32_t timeout = htonl(120);
  put(CTA_TIMEOUT, &timeout, 4);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(s.get(), buf, h->nlmsg_len, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) < 0)
    return errno_name(errno);
  alignas(nlmsghdr) char reply[1024];
  const ssize_t n = ::recv(s.get(), reply, sizeof reply, 0);
  if (n < 0) return errno_name(errno);
  const auto* r = reinterpret_cast<const nlmsghdr*>(reply);
  if (!NLMSG_OK(r, static_cast<unsigned>(n)) || r->nlmsg_type != NLMSG_ERROR)
    throw ToolError("ctnetlink: no acknowledgement");
  const int err = static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
  return err == 0 ? "ok" : errno_name(-err);
}

// True when nf_conntrack is a loaded module and ctnetlink is not: a ctnetlink request would
// make the kernel load nf_conntrack_netlink on the host, which a check must not do.
bool ctnetlink_would_load_a_module() {
  const std::string modules = read_file("/proc/modules").value_or("");
  auto loaded = [&](const std::string& name) {
    return modules.starts_with(name + " ") || modules.find("\n" + name + " ") != std::string::npos;
  };
  return loaded("nf_conntrack") && !loaded("nf_conntrack_netlink");
}

json conntrack_view() {
  return json{{"count", read_sysctl("net.netfilter.nf_conntrack_count").value_or("absent")},
              {"table", trim(read_file("/proc/net/nf_conntrack").value_or("absent"))}};
}

// Writes a sysctl of the caller's (new) network namespace, proven apart first.
void write_net_sysctl(const std::string& name, const std::string& value) {
  require_apart_from_suite(kNet, "write " + name);
  write_file(sysctl_path(name), value);
}

}  // namespace

NSM_CHECK(NetNamespaceEdges, AbstractUnixDatagramsDoNotCross,
          {.id = "net.unix.abstract-dgram-separate",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "an abstract unix datagram socket is reachable only from its own network namespace",
           .needs = {.namespaces = {kNet}}}) {
  const std::string name = fmt::format("nsm-abstract-dgram-{}", ::getpid());
  Peer owner = Peer::spawn(container(CLONE_NEWNET), [name](Link& link) {
    UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) throw_sys("socket(AF_UNIX, SOCK_DGRAM)");
    socklen_t len;
    const sockaddr_un sa = unix_address(name, true, len);
    if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) throw_sys("bind(abstract)");
    link.send({{"own", send_abstract_dgram(name)}});
    link.recv();
  });
  const json inside = owner.recv();
  const json other = in_child(container(CLONE_NEWNET), [name] { return json{{"send", send_abstract_dgram(name)}}; });
  const std::string from_host = send_abstract_dgram(name);
  owner.send("done");
  owner.finish();
  EXPECT_EQ(inside["own"], "ok") << "the owner's namespace reaches it";
  EXPECT_EQ(other["send"], "ECONNREFUSED") << "another namespace must not";
  EXPECT_EQ(from_host, "ECONNREFUSED") << "nor the host";
}

NSM_CHECK(NetGap, PathnameUnixSocketCrossesNetworkNamespaces,
          {.id = "net.gap.pathname-unix-socket-crosses",
           .kind = CheckKind::Gap,
           .type = kNet,
           .title = "a pathname unix socket of the host, visible in a container's filesystem, is reachable from the "
                    "container's own network namespace (the docker.sock class)",
           .needs = {.namespaces = {kNet, NsType::Mnt}}}) {
  // A child with a private mount namespace and a tmpfs plays the host: its socket file is on
  // that tmpfs, which the container (a mount namespace copied from it) still sees.
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string path = enter_sandbox() + "/nsm-host.sock";
    UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!server) throw_sys("socket(AF_UNIX)");
    socklen_t len;
    const sockaddr_un sa = unix_address(path, false, len);
    if (::bind(server.get(), reinterpret_cast<const sockaddr*>(&sa), len) != 0) throw_sys("bind(" + path + ")");
    if (::listen(server.get(), 1) != 0) throw_sys("listen");
    const ino_t host_net = must_ns_inode(0, "net");
    Peer container_peer = Peer::spawn(ChildSpec(CLONE_NEWNET | CLONE_NEWNS), [path](Link& link) {
      UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      socklen_t l;
      const sockaddr_un to = unix_address(path, false, l);
      const std::string connected = outcome_of(::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), l));
      link.send({{"net", must_ns_inode(0, "net")}, {"connect", connected}});
      link.recv();  // the host has written its answer
      char reply[16] = {};
      if (connected == "ok") [[maybe_unused]]
        auto n = ::recv(s.get(), reply, sizeof reply - 1, MSG_DONTWAIT);
      link.send({{"reply", reply}});
    });
    json out = container_peer.recv();
    if (out["connect"] == "ok") {
      // The connection is queued when connect() returned: accept needs no wait.
      UniqueFd accepted(::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!accepted) throw_sys("accept4");
      if (::write(accepted.get(), "host-secret", 11) != 11) throw_sys("write(accepted)");
    }
    container_peer.send("written");
    out["reply"] = container_peer.recv()["reply"];
    container_peer.finish();
    out["host_net"] = host_net;
    return out;
  });
  ASSERT_NE(r["net"], r["host_net"]) << "the container must be in a network namespace of its own";
  const std::string evidence = fmt::format(
      "from its own network namespace, the container's connect() to the host's socket file: {}, read \"{}\"",
      r["connect"].get<std::string>(), r["reply"].get<std::string>());
  if (r["connect"] == "ok" && r["reply"] == "host-secret") {
    gap_confirmed(evidence);
  } else if (r["connect"] == "ECONNREFUSED" || r["connect"] == "EACCES" || r["connect"] == "EPERM") {
    gap_closed(evidence);
  } else {
    broken("neither reached nor refused: " + evidence);
  }
}

NSM_CHECK(NetNamespaceEdges, LinkEventsStayInTheirNamespace,
          {.id = "net.netlink.multicast-separate",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "rtnetlink link events of a child network namespace reach its own listeners, never the host's",
           .needs = {.namespaces = {kNet}, .root = true, .link_kinds = {"veth"}},
           .refs = {"LTP netns_netlink"}}) {
  const std::string name = fmt::format("nsm-mc{}", ::getpid() % 100000);
  UniqueFd host_listener = link_event_listener();
  heard_link(host_listener.get(), name);  // drain what was queued before
  const json inside = in_child(container(CLONE_NEWNET), [name] {
    UniqueFd listener = link_event_listener();
    require_apart_from_suite(kNet, "add a veth pair");
    RouteSocket::open().add_veth(name, name + "p");
    // Multicast is delivered while the kernel handles the request: queued before the ack.
    return json{{"heard", heard_link(listener.get(), name)}};
  });
  const bool host_heard = heard_link(host_listener.get(), name);
  EXPECT_EQ(inside["heard"], true) << "the namespace's own listener hears its link being made";
  EXPECT_FALSE(host_heard) << "the host's listener must not hear " << name;
}

NSM_CHECK(NetNamespaceEdges, NetCoreSomaxconnIsPerNamespace,
          {.id = "net.sysctl.core-somaxconn-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "net.core.somaxconn is the network namespace's own: a value written inside is read back there and "
                    "not on the host",
           .needs = {.namespaces = {kNet}, .root = true}}) {
  const auto host = read_sysctl("net.core.somaxconn");
  ASSERT_TRUE(host.has_value());
  const std::string wanted = std::to_string(std::stol(*host) - 1);
  Peer child = Peer::spawn(container(CLONE_NEWNET), [wanted](Link& link) {
    const std::string initial = read_sysctl("net.core.somaxconn").value_or("");
    write_net_sysctl("net.core.somaxconn", wanted);
    link.send({{"initial", initial}, {"after", read_sysctl("net.core.somaxconn").value_or("")}});
    link.recv();
  });
  const json inside = child.recv();
  const auto host_meanwhile = read_sysctl("net.core.somaxconn");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["after"], wanted) << "the write inside is read back inside";
  EXPECT_EQ(host_meanwhile, host) << "the host's value must not change";
}

NSM_CHECK(NetNamespaceEdges, PortRangeAndPingGroupsArePerNamespace,
          {.id = "net.sysctl.port-range-ping-groups-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "net.ipv4.ip_local_port_range and ping_group_range are the network namespace's own, and the port "
                    "range is obeyed there",
           .needs = {.namespaces = {kNet}, .root = true}}) {
  const auto host_ports = read_sysctl("net.ipv4.ip_local_port_range");
  const auto host_ping = read_sysctl("net.ipv4.ping_group_range");
  ASSERT_TRUE(host_ports && host_ping);
  Peer child = Peer::spawn(container(CLONE_NEWNET), [](Link& link) {
    NetNs::current().loopback_up();
    write_net_sysctl("net.ipv4.ip_local_port_range", "47100 47101");
    write_net_sysctl("net.ipv4.ping_group_range", "0 0");
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    if (!s || ::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) throw_sys("bind(port 0)");
    socklen_t len = sizeof sa;
    ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    link.send({{"ports", read_sysctl("net.ipv4.ip_local_port_range").value_or("")},
               {"ping", read_sysctl("net.ipv4.ping_group_range").value_or("")},
               {"ephemeral", ntohs(sa.sin_port)}});
    link.recv();
  });
  const json inside = child.recv();
  const auto ports_meanwhile = read_sysctl("net.ipv4.ip_local_port_range");
  const auto ping_meanwhile = read_sysctl("net.ipv4.ping_group_range");
  child.send("done");
  child.finish();
  const int port = inside["ephemeral"].get<int>();
  EXPECT_TRUE(port == 47100 || port == 47101) << "an ephemeral port inside comes from the namespace's range: " << port;
  EXPECT_EQ(ports_meanwhile, host_ports) << "the host's port range must not change";
  EXPECT_EQ(ping_meanwhile, host_ping) << "the host's ping_group_range must not change";
  EXPECT_EQ(inside["ping"], "0\t0") << "the value written inside is read back there";
}

NSM_CHECK(NetNamespaceEdges, InterfaceNamesAndIndexesArePerNamespace,
          {.id = "net.link.names-and-indexes-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "two network namespaces each make a link of the same name, and each gets the same ifindex: names "
                    "and indexes are per namespace",
           .needs = {.namespaces = {kNet}, .root = true, .link_kinds = {"veth"}}}) {
  auto make_link = [](Link& link) {
    require_apart_from_suite(kNet, "add a veth pair");
    RouteSocket rt = RouteSocket::open();
    rt.add_veth("nsm-same0", "nsm-same1");
    link.send({{"ifindex", rt.must_link("nsm-same0").ifindex}, {"net", must_ns_inode(0, "net")}});
    link.recv();
  };
  Peer first = Peer::spawn(container(CLONE_NEWNET), make_link);
  const json a = first.recv();
  Peer second = Peer::spawn(container(CLONE_NEWNET), make_link);  // while the first one's link exists
  const json b = second.recv();
  const bool host_has_it = RouteSocket::open().link("nsm-same0").has_value();
  first.send("done");
  second.send("done");
  first.finish();
  second.finish();
  EXPECT_NE(a["net"], b["net"]) << "two namespaces";
  EXPECT_EQ(a["ifindex"], b["ifindex"])
      << "each namespace numbers its links itself: the same sequence gives the same ifindex";
  EXPECT_FALSE(host_has_it) << "the host has no such link";
}

NSM_CHECK(NetNamespaceEdges, NetnsCookieNamesTheNamespace,
          {.id = "net.cookie.so-netns-cookie",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "SO_NETNS_COOKIE is the same for every socket of a network namespace and differs in another",
           .needs = {.namespaces = {kNet}, .features = {"probe.so-netns-cookie"}}}) {
  const json host = {cookie_of_new_socket(), cookie_of_new_socket()};
  const json inside = in_child(container(CLONE_NEWNET), [] {
    return json{cookie_of_new_socket(), cookie_of_new_socket()};
  });
  ASSERT_TRUE(host[0].is_number()) << host;
  EXPECT_EQ(host[0], host[1]) << "two sockets of one namespace";
  EXPECT_EQ(inside[0], inside[1]) << "two sockets of the child's namespace";
  EXPECT_NE(inside[0], host[0]) << "another namespace has another cookie";
}

NSM_CHECK(NetNamespaceEdges, ConntrackViewIsPerNamespace,
          {.id = "net.conntrack.view-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "a conntrack entry made in a network namespace is counted and listed there, and neither in the "
                    "host's table nor in another new namespace",
           .needs = {.namespaces = {kNet},
                     .kconfig = {"CONFIG_NF_CONNTRACK", "CONFIG_NF_CONNTRACK_PROCFS", "CONFIG_NF_CT_NETLINK"},
                     .root = true}}) {
  if (!read_sysctl("net.netfilter.nf_conntrack_count"))
    skip_check("net.netfilter.nf_conntrack_count does not exist: nf_conntrack is not loaded");
  if (ctnetlink_would_load_a_module())
    skip_check("nf_conntrack_netlink is not loaded: the entry's request would load it on the host");
  const uint16_t sport = static_cast<uint16_t>(40000 + ::getpid() % 20000);
  // TEST-NET-1 addresses (RFC 5737): nothing real is ever tracked under them.
  const std::string entry = fmt::format("src=192.0.2.1 dst=192.0.2.2 sport={} dport=7", sport);
  Peer tracker = Peer::spawn(container(CLONE_NEWNET), [sport](Link& link) {
    const json before = conntrack_view();
    require_apart_from_suite(kNet, "add a conntrack entry");
    const std::string added = add_conntrack_entry("192.0.2.1", "192.0.2.2", sport, 7);
    link.send({{"before", before}, {"added", added}, {"after", conntrack_view()}});
    link.recv();
  });
  const json inside = tracker.recv();
  const json other = in_child(container(CLONE_NEWNET), [] { return conntrack_view(); });
  const std::string host_table = read_file("/proc/net/nf_conntrack").value_or("absent");
  tracker.send("done");
  tracker.finish();
  if (inside["added"] != "ok") broken("ctnetlink did not add the entry: " + inside["added"].get<std::string>());
  EXPECT_EQ(inside["before"]["count"], "0") << "a new network namespace tracks nothing yet";
  EXPECT_EQ(inside["after"]["count"], "1") << "the entry is counted in its own namespace";
  EXPECT_NE(inside["after"]["table"].get<std::string>().find(entry), std::string::npos)
      << "the namespace's /proc/net/nf_conntrack lists " << entry << ": " << inside["after"]["table"];
  EXPECT_EQ(other["count"], "0") << "another new network namespace counts none of it";
  EXPECT_EQ(other["table"], "") << "another new network namespace lists none of it";
  EXPECT_EQ(host_table.find(entry), std::string::npos)
      << "the host's /proc/net/nf_conntrack lists the namespace's entry " << entry;
}

NSM_CHECK(
    NetGap, ConntrackTableLimitIsGlobal,
    {.id = "net.gap.conntrack-max-global",
     .kind = CheckKind::Gap,
     .type = kNet,
     .title =
         "net.netfilter.nf_conntrack_max inside a network namespace is the host's one table limit, and read-only there",
     .needs = {.namespaces = {kNet}, .kconfig = {"CONFIG_NF_CONNTRACK"}}}) {
  const auto host = read_sysctl("net.netfilter.nf_conntrack_max");
  if (!host) skip_check("net.netfilter.nf_conntrack_max does not exist: nf_conntrack is not loaded");
  const json inside = in_child(container(CLONE_NEWNET), [] {
    UniqueFd w(::open(sysctl_path("net.netfilter.nf_conntrack_max").c_str(), O_WRONLY | O_CLOEXEC));
    return json{{"value", read_sysctl("net.netfilter.nf_conntrack_max").value_or("absent")},
                {"open_for_write", w ? "ok" : errno_name(errno)}};
  });
  const std::string evidence =
      fmt::format("inside a new network namespace nf_conntrack_max reads {}, open for writing: {}; the host's {}",
                  inside["value"].get<std::string>(), inside["open_for_write"].get<std::string>(), *host);
  if (inside["value"] == *host && inside["open_for_write"] != "ok") {
    gap_confirmed(evidence + ": the host's global limit, which the namespace cannot set for itself");
  } else if (inside["open_for_write"] == "ok") {
    gap_closed(evidence + ": writable inside, a limit of the namespace's own");
  } else {
    broken("neither the host's value nor a knob of its own: " + evidence);
  }
}
