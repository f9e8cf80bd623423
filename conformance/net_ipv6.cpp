// IPv6 in network namespaces: addresses and routes stay in their namespace, the forwarding
// and DAD sysctls are per namespace, and TCP flows over a veth pair and over a bridge.
// Topologies live in namespaces held by fds (core/netns.h), as in net.cpp. Duplicate address
// detection is switched off in each new namespace before its links exist, so an address is
// usable at once (no waiting for DAD to finish); that the switch stays inside is checked too.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "conformance/harness/apart.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/traffic.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/netns.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kNet = NsType::Net;
const Requirements kIpv6Needs{.namespaces = {kNet}, .kconfig = {"CONFIG_IPV6"}, .root = true, .link_kinds = {"veth"}};

void skip_without_ipv6() {
  if (!read_sysctl("net.ipv6.conf.all.forwarding"))
    skip_check("/proc/sys/net/ipv6 does not exist: IPv6 is off on this machine (ipv6.disable=1, or not built)");
}

// A new namespace with DAD off for the links it will get.
NetNs ipv6_namespace() {
  NetNs ns = NetNs::create();
  ns.run([] {
    require_apart_from_suite(kNet, "write net.ipv6.conf.*.accept_dad");
    write_file(sysctl_path("net.ipv6.conf.all.accept_dad"), "0");
    write_file(sysctl_path("net.ipv6.conf.default.accept_dad"), "0");
  });
  ns.loopback_up();
  return ns;
}

sockaddr_in6 v6_address(const std::string& addr, uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  if (::inet_pton(AF_INET6, addr.c_str(), &sa.sin6_addr) != 1) throw ToolError("not an IPv6 address: " + addr);
  return sa;
}

// TCP over IPv6 from `client` to [addr]:port in `server`: "" when "ping" went and "pong"
// came back, else the step that failed. Every wait is bounded.
std::string tcp6_round_trip(const NetNs& server, const std::string& addr, uint16_t port, const NetNs& client) {
  UniqueFd listener = server.socket(AF_INET6, SOCK_STREAM);
  const sockaddr_in6 sa = v6_address(addr, port);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    return "bind: " + errno_name(errno);
  if (::listen(listener.get(), 1) != 0) return "listen: " + errno_name(errno);
  UniqueFd c = client.socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
  if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS)
    return "connect: " + errno_name(errno);
  struct pollfd p {
    c.get(), POLLOUT, 0
  };
  const int timeout = static_cast<int>(kTrafficTimeout.count());
  if (::poll(&p, 1, timeout) != 1) return "connect: no answer in time";
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(c.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return "connect: " + errno_name(err);
  UniqueFd s(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!s) return "accept: " + errno_name(errno);
  if (::send(c.get(), "ping", 4, MSG_NOSIGNAL) != 4) return "send ping: " + errno_name(errno);
  char buf[8] = {};
  struct pollfd ps {
    s.get(), POLLIN, 0
  };
  if (::poll(&ps, 1, timeout) != 1 || ::recv(s.get(), buf, 4, 0) != 4 || std::string(buf, 4) != "ping")
    return "the server got no ping";
  if (::send(s.get(), "pong", 4, MSG_NOSIGNAL) != 4) return "send pong: " + errno_name(errno);
  struct pollfd pc {
    c.get(), POLLIN, 0
  };
  if (::poll(&pc, 1, timeout) != 1 || ::recv(c.get(), buf, 4, 0) != 4 || std::string(buf, 4) != "pong")
    return "the client got no pong";
  return "";
}

// "fd006e73006d00000000000000000001" for fd00:6e73:6d::1, as /proc/net/if_inet6 writes it.
std::string if_inet6_form(const std::string& addr) {
  const sockaddr_in6 sa = v6_address(addr, 0);
  std::string out;
  for (unsigned char byte : sa.sin6_addr.s6_addr) out += fmt::format("{:02x}", byte);
  return out;
}

// An IPv6 address is tentative after it is added, even with DAD off, until the kernel's
// address work runs (and, for a link without carrier, until the link has one): bind() then
// fails with EADDRNOTAVAIL and neighbour solicitations go unanswered. A watcher subscribed
// before the address is added hears the kernel announce it usable (RTM_NEWADDR without
// IFA_F_TENTATIVE): an event, not a poll.
class AddressWatch {
 public:
  explicit AddressWatch(const NetNs& ns) : socket_(ns.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)) {
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_IPV6_IFADDR;
    if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
      throw_sys("bind(RTMGRP_IPV6_IFADDR)");
  }
  // "" once `addr` is announced usable; else why not (DAD failed, or no word in time).
  std::string wait_usable(const std::string& addr) {
    const in6_addr want = v6_address(addr, 0).sin6_addr;
    const auto deadline = std::chrono::steady_clock::now() + kTrafficTimeout;
    alignas(nlmsghdr) char buf[8192];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      struct pollfd p {
        socket_.get(), POLLIN, 0
      };
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) != 1) return addr + " was not announced usable in time";
      const ssize_t n = ::recv(socket_.get(), buf, sizeof buf, 0);
      if (n < 0) throw_sys("recv(RTMGRP_IPV6_IFADDR)");
      for (const nlmsghdr* h : netlink_messages(buf, static_cast<size_t>(n))) {
        if (h->nlmsg_type != RTM_NEWADDR) continue;
        auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
        uint32_t flags = ifa->ifa_flags;
        bool match = false;
        int attr_len = static_cast<int>(IFA_PAYLOAD(h));
        for (auto* a = IFA_RTA(ifa); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
          if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD(a) == sizeof want &&
              std::memcmp(RTA_DATA(a), &want, sizeof want) == 0)
            match = true;
          if (a->rta_type == IFA_FLAGS) std::memcpy(&flags, RTA_DATA(a), sizeof flags);
        }
        if (!match) continue;
        if (flags & IFA_F_DADFAILED) return addr + ": duplicate address detection failed";
        if (!(flags & IFA_F_TENTATIVE)) return "";
      }
    }
  }

 private:
  UniqueFd socket_;
};

bool file_mentions(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

NSM_CHECK(NetNamespaceIpv6, AddressesAndRoutesStayInside,
          {.id = "net.ipv6.addresses-routes-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "an IPv6 address and its prefix route in a network namespace are listed there and nowhere else",
           .needs = kIpv6Needs}) {
  skip_without_ipv6();
  NetNs a = ipv6_namespace();
  NetNs b = ipv6_namespace();
  a.route().add_veth("nsm-6a", "nsm-6b", b.fd());
  a.route().add_address("nsm-6a", "fd00:6e73:6d::1/64");
  a.route().set_up("nsm-6a");
  hold_point();
  const auto read_in = [](const NetNs& ns, const char* file) {
    return ns.run([file] { return must_read_file(fmt::format("/proc/thread-self/net/{}", file)); });
  };
  const std::string address = if_inet6_form("fd00:6e73:6d::1");
  const std::string prefix = "fd006e73006d00000000000000000000 40";  // the /64 route's destination and length
  EXPECT_NE(a.inode(), b.inode());
  EXPECT_TRUE(file_mentions(read_in(a, "if_inet6"), address)) << "the address is listed in its namespace";
  EXPECT_TRUE(file_mentions(read_in(a, "ipv6_route"), prefix)) << "with its prefix route";
  EXPECT_FALSE(file_mentions(read_in(b, "if_inet6"), address)) << "the peer's namespace does not list it";
  EXPECT_FALSE(file_mentions(must_read_file("/proc/thread-self/net/if_inet6"), address)) << "nor does the host";
  EXPECT_FALSE(file_mentions(must_read_file("/proc/thread-self/net/ipv6_route"), prefix)) << "nor its route";
}

NSM_CHECK(NetNamespaceIpv6, ForwardingAndDadSysctlsArePerNamespace,
          {.id = "net.ipv6.sysctls-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "net.ipv6.conf.all.forwarding and accept_dad written in a network namespace are read back there "
                    "and unchanged on the host",
           .needs = {.namespaces = {kNet}, .kconfig = {"CONFIG_IPV6"}, .root = true}}) {
  skip_without_ipv6();
  const auto host_forwarding = read_sysctl("net.ipv6.conf.all.forwarding");
  const auto host_dad = read_sysctl("net.ipv6.conf.default.accept_dad");
  const std::string forwarding = host_forwarding == "1" ? "0" : "1";
  const std::string dad = host_dad == "0" ? "1" : "0";
  Peer child = Peer::spawn(container(CLONE_NEWNET), [forwarding, dad](Link& link) {
    require_apart_from_suite(kNet, "write net.ipv6 sysctls");
    write_file(sysctl_path("net.ipv6.conf.all.forwarding"), forwarding);
    write_file(sysctl_path("net.ipv6.conf.default.accept_dad"), dad);
    link.send({{"forwarding", read_sysctl("net.ipv6.conf.all.forwarding").value_or("")},
               {"dad", read_sysctl("net.ipv6.conf.default.accept_dad").value_or("")}});
    link.recv();
  });
  const json inside = child.recv();
  const auto forwarding_meanwhile = read_sysctl("net.ipv6.conf.all.forwarding");
  const auto dad_meanwhile = read_sysctl("net.ipv6.conf.default.accept_dad");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["forwarding"], forwarding);
  EXPECT_EQ(inside["dad"], dad);
  EXPECT_EQ(forwarding_meanwhile, host_forwarding) << "the host's IPv6 forwarding must not change";
  EXPECT_EQ(dad_meanwhile, host_dad) << "the host's accept_dad must not change";
}

NSM_CHECK(NetNamespaceIpv6, TcpOverVethPair,
          {.id = "net.ipv6.veth-traffic",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "TCP over IPv6 flows between two network namespaces joined by a veth pair",
           .needs = kIpv6Needs}) {
  skip_without_ipv6();
  NetNs a = ipv6_namespace();
  NetNs b = ipv6_namespace();
  a.route().add_veth("nsm-6a", "nsm-6b", b.fd());
  AddressWatch watch_a(a), watch_b(b);
  a.route().add_address("nsm-6a", "fd00:6e73:6d::1/64");
  b.route().add_address("nsm-6b", "fd00:6e73:6d::2/64");
  a.route().set_up("nsm-6a");
  b.route().set_up("nsm-6b");
  ASSERT_EQ(watch_a.wait_usable("fd00:6e73:6d::1"), "");
  ASSERT_EQ(watch_b.wait_usable("fd00:6e73:6d::2"), "");
  hold_point();
  const ino_t ours = NetNs::current().inode();
  ASSERT_NE(a.inode(), ours);
  ASSERT_NE(b.inode(), ours);
  ASSERT_NE(a.inode(), b.inode());
  EXPECT_EQ(tcp6_round_trip(a, "fd00:6e73:6d::1", 47601, b), "");
}

NSM_CHECK(NetNamespaceIpv6, TcpOverBridge,
          {.id = "net.ipv6.bridge-traffic",
           .kind = CheckKind::Guarantee,
           .type = kNet,
           .title = "TCP over IPv6 flows between two network namespaces attached to a bridge in a third",
           .needs = {
               .namespaces = {kNet}, .kconfig = {"CONFIG_IPV6"}, .root = true, .link_kinds = {"veth", "bridge"}}}) {
  skip_without_ipv6();
  NetNs hub = ipv6_namespace();
  NetNs m0 = ipv6_namespace();
  NetNs m1 = ipv6_namespace();
  RouteSocket h = hub.route();
  h.add_bridge("nsm-6br");
  h.set_up("nsm-6br");
  int i = 0;
  for (const NetNs* m : {&m0, &m1}) {
    const std::string port = fmt::format("nsm-6p{}", i);
    const std::string addr = fmt::format("fd00:6e73:6e::{}", i + 2);
    h.add_veth(port, "eth0", m->fd());
    h.set_master(port, "nsm-6br");
    h.set_up(port);
    AddressWatch watch(*m);
    m->route().add_address("eth0", addr + "/64");
    m->route().set_up("eth0");
    ASSERT_EQ(watch.wait_usable(addr), "");
    ++i;
  }
  hold_point();
  ASSERT_NE(m0.inode(), m1.inode());
  ASSERT_NE(m0.inode(), hub.inode());
  EXPECT_EQ(tcp6_round_trip(m0, "fd00:6e73:6e::2", 47602, m1), "");
}
