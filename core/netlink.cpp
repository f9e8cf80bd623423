#include "core/netlink.h"

#include <sys/stat.h>

#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/socket.h>

#include <cerrno>

#include <fmt/format.h>

namespace nsm {

std::vector<const nlmsghdr*> netlink_messages(const void* buf, size_t len) {
  std::vector<const nlmsghdr*> out;
  const char* bytes = static_cast<const char*>(buf);
  for (size_t at = 0; len - at >= sizeof(nlmsghdr);) {
    const auto* h = reinterpret_cast<const nlmsghdr*>(bytes + at);
    if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > len - at) break;
    out.push_back(h);
    at += NLMSG_ALIGN(h->nlmsg_len);
    if (at >= len) break;
  }
  return out;
}

namespace {

// libnl's NLE_* codes back to the nearest errno, for errors the kernel did not send.
int errno_for_nl_code(int code) {
  switch (code) {
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_PERM:
      return EPERM;
    case NLE_NODEV:
      return ENODEV;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_BUSY:
      return EBUSY;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_NOACCESS:
      return EACCES;
    default:
      return EIO;
  }
}

struct LinkPtr {
  rtnl_link* p = nullptr;
  ~LinkPtr() {
    if (p) rtnl_link_put(p);
  }
};

}  // namespace

NetlinkError::NetlinkError(std::string operation, int err, int nl_code, std::string context)
    : SysError(std::move(operation), err, std::move(context)), nl_code_(nl_code) {}

bool LinkInfo::up() const { return flags & IFF_UP; }

struct RouteSocket::State {
  nl_sock* sock = nullptr;
  int kernel_errno = 0;  // from the last NLMSG_ERROR, 0 when none
  ino_t netns = 0;       // the namespace the socket was opened in (the calling thread's)
  ~State() {
    if (sock) nl_socket_free(sock);
  }
};

namespace {
int capture_kernel_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
  static_cast<int*>(arg)[0] = -e->error;
  return NL_STOP;  // libnl then returns its own code for the same error
}
}  // namespace

RouteSocket::RouteSocket(std::unique_ptr<State> state) : state_(std::move(state)) {}
RouteSocket::RouteSocket(RouteSocket&&) noexcept = default;
RouteSocket& RouteSocket::operator=(RouteSocket&&) noexcept = default;
RouteSocket::~RouteSocket() = default;

nl_sock* RouteSocket::get() const { return state_->sock; }

RouteSocket RouteSocket::open() {
  auto state = std::make_unique<State>();
  state->sock = nl_socket_alloc();
  if (!state->sock) throw NetlinkError("nl_socket_alloc", ENOMEM, NLE_NOMEM);
  if (int r = nl_connect(state->sock, NETLINK_ROUTE); r < 0)
    throw NetlinkError("socket(AF_NETLINK, NETLINK_ROUTE)", errno ? errno : errno_for_nl_code(-r), -r, nl_geterror(r));
  nl_socket_modify_err_cb(state->sock, NL_CB_CUSTOM, capture_kernel_error, &state->kernel_errno);
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) == 0) state->netns = st.st_ino;
  return RouteSocket(std::move(state));
}

std::string nsm_link_marker() {
  struct stat st {};
  const unsigned long pidns = ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
  return fmt::format("nsmatrix pid={} pidns={}", ::getpid(), pidns);
}

void RouteSocket::check(int nl_result, std::string operation, std::string_view name) {
  const int kernel_errno = std::exchange(state_->kernel_errno, 0);
  if (nl_result >= 0) return;
  const int code = -nl_result;
  const int err = kernel_errno ? kernel_errno : errno_for_nl_code(code);
  throw NetlinkError(fmt::format("{} {}", operation, name), err, code,
                     kernel_errno ? std::string() : fmt::format("libnl: {}", nl_geterror(nl_result)));
}

namespace {
LinkInfo link_info(rtnl_link* l) {
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(l);
  info.name = rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "";
  info.kind = rtnl_link_get_type(l) ? rtnl_link_get_type(l) : "";
  info.flags = rtnl_link_get_flags(l);
  info.master = rtnl_link_get_master(l);
  info.alias = rtnl_link_get_ifalias(l) ? rtnl_link_get_ifalias(l) : "";
  info.link = rtnl_link_get_link(l);
  int32_t nsid = 0;
  if (rtnl_link_get_link_netnsid(l, &nsid) == 0) info.link_netnsid = nsid;
  return info;
}
}  // namespace

std::vector<LinkInfo> RouteSocket::links() {
  nl_cache* cache = nullptr;
  check(rtnl_link_alloc_cache(get(), AF_UNSPEC, &cache), "RTM_GETLINK", "(dump)");
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
    out.push_back(link_info(reinterpret_cast<rtnl_link*>(o)));
  nl_cache_free(cache);
  return out;
}

std::optional<LinkInfo> RouteSocket::link(std::string_view name) {
  // One RTM_GETLINK by name, not a dump: setup code calls this for every change it makes,
  // and a dump costs as much as there are links (50 bridge ports make it visible).
  LinkPtr l;
  const int r = rtnl_link_get_kernel(get(), 0, std::string(name).c_str(), &l.p);
  if (r < 0 && (state_->kernel_errno == ENODEV || -r == NLE_OBJ_NOTFOUND || -r == NLE_NODEV)) {
    state_->kernel_errno = 0;
    return std::nullopt;
  }
  check(r, "RTM_GETLINK", name);
  return link_info(l.p);
}

LinkInfo RouteSocket::must_link(std::string_view name) {
  if (auto l = link(name)) return *l;
  throw NetlinkError(fmt::format("RTM_GETLINK {}", name), ENODEV, NLE_OBJ_NOTFOUND, "no such link in this namespace");
}

void RouteSocket::add_veth(std::string_view name, std::string_view peer_name, int peer_netns_fd) {
  rtnl_link* veth = rtnl_link_veth_alloc();
  if (!veth) throw NetlinkError("rtnl_link_veth_alloc", ENOMEM, NLE_NOMEM);
  rtnl_link_set_name(veth, std::string(name).c_str());
  rtnl_link* peer = rtnl_link_veth_get_peer(veth);
  rtnl_link_set_name(peer, std::string(peer_name).c_str());
  if (peer_netns_fd >= 0) rtnl_link_set_ns_fd(peer, peer_netns_fd);
  rtnl_link_put(peer);
  const int r = rtnl_link_add(get(), veth, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_link_veth_release(veth);
  check(r, "RTM_NEWLINK veth", name);
  mark_if_shared(name);
  if (peer_netns_fd < 0) mark_if_shared(peer_name);
}

void RouteSocket::add_bridge(std::string_view name) {
  // Not rtnl_link_bridge_add: it omits NLM_F_EXCL, so an existing bridge would "succeed".
  add_link_of_kind("bridge", name);
}

void RouteSocket::add_link_of_kind(std::string_view kind, std::string_view name) {
  LinkPtr l{rtnl_link_alloc()};
  rtnl_link_set_name(l.p, std::string(name).c_str());
  check(rtnl_link_set_type(l.p, std::string(kind).c_str()), fmt::format("rtnl_link_set_type({})", kind), name);
  check(rtnl_link_add(get(), l.p, NLM_F_CREATE | NLM_F_EXCL), fmt::format("RTM_NEWLINK {}", kind), name);
  mark_if_shared(name);
}

void RouteSocket::add_macvlan(std::string_view name, std::string_view lower) {
  const LinkInfo lower_link = must_link(lower);
  LinkPtr l{rtnl_link_macvlan_alloc()};
  rtnl_link_set_name(l.p, std::string(name).c_str());
  rtnl_link_set_link(l.p, lower_link.ifindex);
  check(rtnl_link_add(get(), l.p, NLM_F_CREATE | NLM_F_EXCL), "RTM_NEWLINK macvlan", name);
  mark_if_shared(name);
}

void RouteSocket::add_vxlan(std::string_view name, uint32_t vni) {
  LinkPtr l{rtnl_link_vxlan_alloc()};
  rtnl_link_set_name(l.p, std::string(name).c_str());
  rtnl_link_vxlan_set_id(l.p, vni);
  // No destination port: libnl 3.7 sends IFLA_VXLAN_PORT as 4 bytes where the kernel wants
  // 2, and the kernel logs "attribute type 15 has an invalid length" on every creation. The
  // kernel's default port serves: nothing is sent through these links.
  check(rtnl_link_add(get(), l.p, NLM_F_CREATE | NLM_F_EXCL), "RTM_NEWLINK vxlan", name);
  mark_if_shared(name);
}

void RouteSocket::del_link(std::string_view name) {
  LinkPtr l{rtnl_link_alloc()};
  rtnl_link_set_name(l.p, std::string(name).c_str());
  check(rtnl_link_delete(get(), l.p), "RTM_DELLINK", name);
}

namespace {
// RTM_NEWLINK on an existing link, changing what `change` sets.
template <class Fill>
int change_link(nl_sock* sock, int ifindex, Fill fill) {
  LinkPtr orig{rtnl_link_alloc()};
  rtnl_link_set_ifindex(orig.p, ifindex);
  LinkPtr change{rtnl_link_alloc()};
  fill(change.p);
  return rtnl_link_change(sock, orig.p, change.p, 0);
}
}  // namespace

namespace {
// The network namespace the program started in, taken before main (so before any child
// unshares): where a link can outlive the run. /proc/1/ns/net cannot serve, it is often
// unreadable even for root in a container.
const ino_t kStartNetns = [] {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : ino_t{0};
}();
}  // namespace

void RouteSocket::mark_if_shared(std::string_view name) {
  // A namespace of our own dies with its links: no marker, no extra message.
  if (state_->netns != 0 && state_->netns != kStartNetns) return;
  const int ifindex = must_link(name).ifindex;
  const std::string marker = nsm_link_marker();
  check(change_link(get(), ifindex, [&](rtnl_link* c) { rtnl_link_set_ifalias(c, marker.c_str()); }),
        "RTM_NEWLINK ifalias", name);
}

void RouteSocket::set_up(std::string_view name, bool up) {
  const int ifindex = must_link(name).ifindex;
  check(change_link(get(), ifindex,
                    [up](rtnl_link* c) {
                      if (up)
                        rtnl_link_set_flags(c, IFF_UP);
                      else
                        rtnl_link_unset_flags(c, IFF_UP);
                    }),
        up ? "RTM_NEWLINK up" : "RTM_NEWLINK down", name);
}

void RouteSocket::set_master(std::string_view name, std::string_view bridge) {
  const int slave = must_link(name).ifindex;
  const int master = must_link(bridge).ifindex;
  check(rtnl_link_enslave_ifindex(get(), master, slave), fmt::format("RTM_NEWLINK master {}", bridge), name);
}

void RouteSocket::move_to_netns(std::string_view name, int netns_fd) {
  const int ifindex = must_link(name).ifindex;
  check(change_link(get(), ifindex, [netns_fd](rtnl_link* c) { rtnl_link_set_ns_fd(c, netns_fd); }),
        "RTM_NEWLINK netns", name);
}

void RouteSocket::add_address(std::string_view name, std::string_view cidr) {
  const int ifindex = must_link(name).ifindex;
  nl_addr* local = nullptr;
  const std::string text(cidr);
  check(nl_addr_parse(text.c_str(), AF_UNSPEC, &local), fmt::format("nl_addr_parse({})", cidr), name);
  rtnl_addr* addr = rtnl_addr_alloc();
  rtnl_addr_set_ifindex(addr, ifindex);
  rtnl_addr_set_family(addr, nl_addr_get_family(local));
  int r = rtnl_addr_set_local(addr, local);
  nl_addr_put(local);
  if (r >= 0) r = rtnl_addr_add(get(), addr, 0);
  rtnl_addr_put(addr);
  check(r, fmt::format("RTM_NEWADDR {}", cidr), name);
}

void RouteSocket::assign_nsid(int netns_fd, int nsid) {
  nl_msg* msg = nlmsg_alloc_simple(RTM_NEWNSID, NLM_F_REQUEST | NLM_F_ACK);
  if (!msg) throw NetlinkError("nlmsg_alloc_simple(RTM_NEWNSID)", ENOMEM, NLE_NOMEM);
  struct rtgenmsg header {};
  header.rtgen_family = AF_UNSPEC;
  int r = nlmsg_append(msg, &header, sizeof header, NLMSG_ALIGNTO);
  if (r >= 0) r = nla_put_u32(msg, NETNSA_FD, static_cast<uint32_t>(netns_fd));
  if (r >= 0) r = nla_put_s32(msg, NETNSA_NSID, nsid);
  if (r >= 0) r = nl_send_auto(get(), msg);
  nlmsg_free(msg);
  if (r >= 0) r = nl_wait_for_ack(get());
  check(r, "RTM_NEWNSID", fmt::format("nsid {}", nsid));
}

ScopedLink::~ScopedLink() {
  if (!socket_) return;
  try {
    socket_->del_link(name_);
  } catch (const NetlinkError&) {
    // Already gone (moved away, or its namespace died): nothing left to own.
  }
}

}  // namespace nsm
