#include "benchmarks/data_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::bench {

namespace {

constexpr int kTimeoutSeconds = 20;

sockaddr_in ipv4(const std::string& address, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1)
    throw ToolError(fmt::format("not an IPv4 address: {}", address));
  return a;
}

void set_option(int fd, int level, int name, const void* value, socklen_t size, const char* what) {
  if (::setsockopt(fd, level, name, value, size) != 0) throw_sys(fmt::format("setsockopt({})", what));
}

void set_timeouts(int fd) {
  timeval tv{kTimeoutSeconds, 0};
  set_option(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv, "SO_RCVTIMEO");
  set_option(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv, "SO_SNDTIMEO");
}

void set_nodelay(int fd) {
  const int one = 1;
  set_option(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one, "TCP_NODELAY");
}

void bind_to(int fd, const std::string& address) {
  const sockaddr_in a = ipv4(address, 0);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) throw_sys(fmt::format("bind({}:0)", address));
}

sockaddr_in local_address(int fd) {
  sockaddr_in a{};
  socklen_t size = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) != 0) throw_sys("getsockname");
  return a;
}

void connect_to(int fd, const sockaddr_in& a) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    char text[INET_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    throw_sys(fmt::format("connect({}:{})", text, ntohs(a.sin_port)));
  }
}

}  // namespace

ConnectedSockets connect_tcp(const NetEndpoint& client, const NetEndpoint& server, bool nodelay) {
  UniqueFd listener = server.ns.socket(AF_INET, SOCK_STREAM);
  bind_to(listener.get(), server.address);
  if (::listen(listener.get(), 1) != 0) throw_sys("listen");
  ConnectedSockets s;
  s.client = client.ns.socket(AF_INET, SOCK_STREAM);
  set_timeouts(s.client.get());
  // The kernel completes the handshake from the listener's backlog: connect() returns before
  // accept() and no second thread is needed.
  connect_to(s.client.get(), local_address(listener.get()));
  s.server = UniqueFd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!s.server) throw_sys("accept4");
  set_timeouts(s.server.get());
  if (nodelay) {
    set_nodelay(s.client.get());
    set_nodelay(s.server.get());
  }
  return s;
}

ConnectedSockets connect_udp(const NetEndpoint& client, const NetEndpoint& server) {
  ConnectedSockets s;
  s.server = server.ns.socket(AF_INET, SOCK_DGRAM);
  s.client = client.ns.socket(AF_INET, SOCK_DGRAM);
  bind_to(s.server.get(), server.address);
  bind_to(s.client.get(), client.address);
  connect_to(s.client.get(), local_address(s.server.get()));
  connect_to(s.server.get(), local_address(s.client.get()));
  set_timeouts(s.client.get());
  set_timeouts(s.server.get());
  return s;
}

void send_all(int fd, std::span<const std::byte> data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw SysError("send", err, err == EAGAIN ? fmt::format("the peer took nothing for {} s", kTimeoutSeconds) : "");
    }
    data = data.subspan(static_cast<size_t>(n));
  }
}

bool recv_all(int fd, std::span<std::byte> data) {
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::recv(fd, data.data() + got, data.size() - got, 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw SysError("recv", err, err == EAGAIN ? fmt::format("nothing arrived for {} s", kTimeoutSeconds) : "");
    }
    if (n == 0) {
      if (got == 0) return false;
      throw ToolError(fmt::format("recv: the peer closed after {} of {} bytes", got, data.size()));
    }
    got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace nsm::bench
