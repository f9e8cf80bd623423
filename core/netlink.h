// Network links through rtnetlink, with libnl-route-3: create veth pairs, bridges and other
// link kinds, move them between network namespaces, address them, bring them up.
//
// Errors keep the kernel's own errno (captured from the NLMSG_ERROR reply, before libnl
// folds it into its NLE_* codes): "RTM_NEWLINK veth nsm0a: EEXIST (File exists)".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/unique_fd.h"

struct nl_sock;
struct nlmsghdr;

namespace nsm {

// The whole netlink messages in buf[0, len) as a raw recv() returned them: each header and
// its length checked against what is left (NLMSG_OK/NLMSG_NEXT mix signed and unsigned).
std::vector<const nlmsghdr*> netlink_messages(const void* buf, size_t len);

// A failed rtnetlink request. err() is the kernel's errno when the kernel answered, else the
// errno closest to libnl's code; nl_code() is libnl's (positive) NLE_* code.
class NetlinkError : public SysError {
 public:
  NetlinkError(std::string operation, int err, int nl_code, std::string context = {});
  int nl_code() const { return nl_code_; }

 private:
  int nl_code_;
};

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::string kind;    // "veth", "bridge", ... ; empty for lo and other kind-less devices
  unsigned flags = 0;  // IFF_*
  int master = 0;      // the bridge's ifindex when enslaved
  std::string alias;   // IFLA_IFALIAS ("" when none)
  // IFLA_LINK: a veth's peer (a macvlan's lower device), as an ifindex in the namespace
  // link_netnsid names (this one when nullopt). 0 when none.
  int link = 0;
  std::optional<int> link_netnsid;  // IFLA_LINK_NETNSID: the peer's namespace, as this one numbers it
  bool up() const;
};

// The ifalias that marks a link the suite made where a link can outlive it (the network
// namespace the program started in): "nsmatrix pid=<pid> pidns=<inode>". `nsmatrix clean` removes only
// links that carry it, never one merely named nsm*.
std::string nsm_link_marker();

// An rtnetlink socket. It stays in the network namespace it was created in, whatever the
// creating thread does afterwards: see NetNs::route().
class RouteSocket {
 public:
  // In the calling thread's network namespace. Throws NetlinkError.
  static RouteSocket open();
  RouteSocket(RouteSocket&&) noexcept;
  RouteSocket& operator=(RouteSocket&&) noexcept;
  ~RouteSocket();

  std::vector<LinkInfo> links();
  std::optional<LinkInfo> link(std::string_view name);
  LinkInfo must_link(std::string_view name);  // throws NetlinkError(ENODEV) when missing

  // A veth pair; the peer is created directly in `peer_netns_fd`'s namespace when >= 0.
  void add_veth(std::string_view name, std::string_view peer, int peer_netns_fd = -1);
  void add_bridge(std::string_view name);
  // A link of any kind with no required attributes ("dummy", "netkit", ...).
  void add_link_of_kind(std::string_view kind, std::string_view name);
  void add_macvlan(std::string_view name, std::string_view lower);
  void add_vxlan(std::string_view name, uint32_t vni);
  void del_link(std::string_view name);
  void set_up(std::string_view name, bool up = true);
  void set_master(std::string_view name, std::string_view bridge);
  void move_to_netns(std::string_view name, int netns_fd);
  // "10.0.0.1/24" (IPv4 or IPv6).
  void add_address(std::string_view name, std::string_view cidr);
  // Gives the namespace `netns_fd` the id `nsid` in this socket's namespace (RTM_NEWNSID,
  // 4.0). Listeners of RTNLGRP_NSID here then hear RTM_DELNSID when the kernel begins tearing
  // that namespace down (4.1): how benchmarks observe the asynchronous netns cleanup.
  void assign_nsid(int netns_fd, int nsid);

  nl_sock* get() const;

 private:
  struct State;
  explicit RouteSocket(std::unique_ptr<State> state);
  // Marks `name` with nsm_link_marker() when this socket's namespace is the one the program
  // started in; links in a namespace of our own die with it and are not marked (no cost).
  void mark_if_shared(std::string_view name);
  // Runs a libnl call's result through the kernel errno captured during it.
  void check(int nl_result, std::string operation, std::string_view name);
  std::unique_ptr<State> state_;
};

// Deletes a link when it goes out of scope (ignoring "already gone").
class ScopedLink {
 public:
  ScopedLink(RouteSocket& socket, std::string name) : socket_(&socket), name_(std::move(name)) {}
  ScopedLink(const ScopedLink&) = delete;
  ScopedLink& operator=(const ScopedLink&) = delete;
  ~ScopedLink();
  const std::string& name() const { return name_; }
  void release() { socket_ = nullptr; }

 private:
  RouteSocket* socket_;
  std::string name_;
};

}  // namespace nsm
