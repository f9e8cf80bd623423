#include "benchmarks/netns_teardown.h"

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>

#include <cerrno>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/netlink.h"

namespace nsm::bench {

struct NetnsTeardownWatch::State {
  NetNs observer = NetNs::create();
  RouteSocket control = observer.route();
  nl_sock* events = nullptr;
  std::set<int> started;  // ids announced and not yet waited for
  int next_id = 1;
  ~State() {
    if (events) nl_socket_free(events);
  }
};

namespace {

int on_event(nl_msg* msg, void* arg) {
  auto* started = static_cast<std::set<int>*>(arg);
  nlmsghdr* header = nlmsg_hdr(msg);
  if (header->nlmsg_type != RTM_DELNSID) return NL_OK;
  nlattr* attrs[NETNSA_MAX + 1];
  if (nlmsg_parse(header, sizeof(rtgenmsg), attrs, NETNSA_MAX, nullptr) < 0 || !attrs[NETNSA_NSID]) return NL_OK;
  started->insert(nla_get_s32(attrs[NETNSA_NSID]));
  return NL_OK;
}

// A socket in the observer that hears RTM_NEWNSID/RTM_DELNSID.
nl_sock* open_event_socket(const NetNs& observer, std::set<int>* started) {
  return observer.run([started] {
    nl_sock* sock = nl_socket_alloc();
    if (!sock) throw NetlinkError("nl_socket_alloc", ENOMEM, NLE_NOMEM);
    nl_socket_disable_seq_check(sock);
    nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, on_event, started);
    int r = nl_connect(sock, NETLINK_ROUTE);
    if (r >= 0) r = nl_socket_add_membership(sock, RTNLGRP_NSID);
    if (r >= 0) r = nl_socket_set_nonblocking(sock);
    // Room for many announcements: a lost one would look like a teardown that never ends.
    if (r >= 0) r = nl_socket_set_buffer_size(sock, 4 << 20, 0);
    if (r < 0) {
      nl_socket_free(sock);
      throw NetlinkError("RTNLGRP_NSID listener", EIO, -r, nl_geterror(r));
    }
    return sock;
  });
}

}  // namespace

NetnsTeardownWatch::NetnsTeardownWatch() : state_(std::make_unique<State>()) {
  state_->events = open_event_socket(state_->observer, &state_->started);
}

NetnsTeardownWatch::~NetnsTeardownWatch() = default;

int NetnsTeardownWatch::track(const NetNs& ns) {
  const int id = state_->next_id++;
  state_->control.assign_nsid(ns.fd(), id);
  return id;
}

void NetnsTeardownWatch::wait_started(int id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (state_->started.erase(id)) return;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw TimeoutError(fmt::format(
          "the kernel did not announce the teardown of network namespace nsid {} within {} ms", id, timeout.count()));
    pollfd p{nl_socket_get_fd(state_->events), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) throw_sys("poll(RTNLGRP_NSID listener)");
    if (r <= 0) continue;
    const int got = nl_recvmsgs_default(state_->events);
    if (got < 0 && got != -NLE_AGAIN)
      throw NetlinkError("recvmsg(RTNLGRP_NSID listener)", got == -NLE_NOMEM ? ENOBUFS : EIO, -got, nl_geterror(got));
  }
}

NetnsTeardownWatch::Sentinels NetnsTeardownWatch::make_sentinels() {
  Sentinels s;
  s.first.emplace(NetNs::create());
  s.second.emplace(NetNs::create());
  s.first_id = track(*s.first);
  s.second_id = track(*s.second);
  return s;
}

void NetnsTeardownWatch::drain(Sentinels s) {
  s.first.reset();
  wait_started(s.first_id);
  s.second.reset();
  wait_started(s.second_id);
}

}  // namespace nsm::bench
