#include "conformance/harness/traffic.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::conformance {

namespace {

sockaddr_in address(const std::string& addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1)
    throw ToolError(fmt::format("not an IPv4 address: {}", addr));
  return sa;
}

// Waits for `events` on fd within the traffic timeout: true when ready.
bool wait_for(int fd, short events) {
  struct pollfd p {
    fd, events, 0
  };
  for (;;) {
    const int r = ::poll(&p, 1, static_cast<int>(kTrafficTimeout.count()));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

std::string failed(std::string_view step) { return fmt::format("{}: {}", step, errno_name(errno)); }

// Receives one message (at most 64 bytes) within the timeout; "" on success.
std::string receive(int fd, std::string& into, std::string_view step) {
  if (!wait_for(fd, POLLIN)) return fmt::format("{}: nothing arrived within {} ms", step, kTrafficTimeout.count());
  char buf[64];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0) return failed(step);
  into.assign(buf, static_cast<size_t>(n));
  return {};
}

}  // namespace

int bind_in(const NetNs& ns, int type, const std::string& addr, uint16_t port, UniqueFd* out) {
  UniqueFd s = ns.socket(AF_INET, type);
  const int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in sa = address(addr, port);
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return errno;
  if (out) *out = std::move(s);
  return 0;
}

UniqueFd tcp_listen(const NetNs& ns, const std::string& addr, uint16_t port) {
  UniqueFd s;
  if (int err = bind_in(ns, SOCK_STREAM, addr, port, &s)) throw SysError(fmt::format("bind({}:{})", addr, port), err);
  if (::listen(s.get(), 8) != 0) throw_sys(fmt::format("listen({}:{})", addr, port));
  return s;
}

int tcp_connect(const NetNs& ns, const std::string& addr, uint16_t port, UniqueFd* out) {
  UniqueFd s = ns.socket(AF_INET, SOCK_STREAM);
  ::fcntl(s.get(), F_SETFL, O_NONBLOCK);
  const sockaddr_in sa = address(addr, port);
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) return errno;
    if (!wait_for(s.get(), POLLOUT)) return ETIMEDOUT;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return err;
  }
  if (out) *out = std::move(s);
  return 0;
}

std::string tcp_round_trip(const NetNs& server, const std::string& addr, uint16_t port, const NetNs& client) {
  UniqueFd listener = tcp_listen(server, addr, port);
  UniqueFd out;
  if (int err = tcp_connect(client, addr, port, &out))
    return fmt::format("connect({}:{}): {}", addr, port, errno_name(err));
  if (!wait_for(listener.get(), POLLIN)) return "accept: no connection arrived";
  UniqueFd in(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!in) return failed("accept");
  if (::send(out.get(), "ping", 4, MSG_NOSIGNAL) != 4) return failed("send(ping)");
  std::string got;
  if (auto e = receive(in.get(), got, "recv(ping)"); !e.empty()) return e;
  if (got != "ping") return fmt::format("the server received '{}', not 'ping'", got);
  if (::send(in.get(), "pong", 4, MSG_NOSIGNAL) != 4) return failed("send(pong)");
  if (auto e = receive(out.get(), got, "recv(pong)"); !e.empty()) return e;
  if (got != "pong") return fmt::format("the client received '{}', not 'pong'", got);
  return {};
}

std::string udp_round_trip(const NetNs& server, const std::string& addr, uint16_t port, const NetNs& client) {
  UniqueFd srv;
  if (int err = bind_in(server, SOCK_DGRAM, addr, port, &srv))
    throw SysError(fmt::format("bind(udp {}:{})", addr, port), err);
  UniqueFd cli = client.socket(AF_INET, SOCK_DGRAM);
  const sockaddr_in to = address(addr, port);
  if (::sendto(cli.get(), "ping", 4, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 4)
    return failed("sendto(ping)");
  if (!wait_for(srv.get(), POLLIN)) return "recvfrom(ping): nothing arrived";
  char buf[64];
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  const ssize_t n = ::recvfrom(srv.get(), buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n < 0) return failed("recvfrom(ping)");
  if (std::string(buf, static_cast<size_t>(n)) != "ping") return "the server received something else than 'ping'";
  if (::sendto(srv.get(), "pong", 4, 0, reinterpret_cast<const sockaddr*>(&from), from_len) != 4)
    return failed("sendto(pong)");
  std::string got;
  if (auto e = receive(cli.get(), got, "recv(pong)"); !e.empty()) return e;
  if (got != "pong") return fmt::format("the client received '{}', not 'pong'", got);
  return {};
}

}  // namespace nsm::conformance
