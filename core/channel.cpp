#include "core/channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm {

namespace {
constexpr size_t kMaxFdsPerMessage = 16;
}

std::pair<Channel, Channel> Channel::make_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    throw_sys("socketpair(AF_UNIX, SOCK_SEQPACKET)");
  return {Channel(UniqueFd(sv[0])), Channel(UniqueFd(sv[1]))};
}

namespace {
// Each datagram starts with a frame byte: 'c' (more fragments follow) or 'm' (the last).
// Fragments let a message exceed the socket's datagram limit (EMSGSIZE past ~200 KiB), and
// the byte keeps a zero-length message distinct from EOF.
constexpr size_t kFragment = 64 * 1024;

void send_datagram(int fd, char frame, std::string_view data, std::span<const int> fds) {
  std::string framed;
  framed.reserve(data.size() + 1);
  framed.push_back(frame);
  framed.append(data);
  struct iovec iov {
    framed.data(), framed.size()
  };
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0) return;
    if (errno != EINTR) throw_sys("sendmsg(channel)");
  }
}
}  // namespace

void Channel::send(std::string_view data, std::span<const int> fds) {
  if (fds.size() > kMaxFdsPerMessage)
    throw ToolError(fmt::format("Channel::send: {} fds, at most {}", fds.size(), kMaxFdsPerMessage));
  while (data.size() > kFragment) {
    send_datagram(fd_.get(), 'c', data.substr(0, kFragment), fds);
    fds = {};
    data.remove_prefix(kFragment);
  }
  send_datagram(fd_.get(), 'm', data, fds);
}

std::optional<Channel::Message> Channel::recv(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Message out;
  for (;;) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      struct pollfd p {
        fd_.get(), POLLIN, 0
      };
      const int r = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw_sys("poll(channel)");
      if (r == 0) throw TimeoutError(fmt::format("no message from the peer within {} ms", timeout.count()));
      break;
    }
    // Learn the size first so that a datagram of any length arrives whole.
    char probe;
    ssize_t size;
    do size = ::recv(fd_.get(), &probe, 1, MSG_PEEK | MSG_TRUNC);
    while (size < 0 && errno == EINTR);
    if (size < 0) throw_sys("recv(channel, MSG_PEEK)");
    if (size == 0) {
      if (out.data.empty() && out.fds.empty()) return std::nullopt;
      throw ToolError("the peer closed the channel in the middle of a message");
    }

    std::string buffer(static_cast<size_t>(size), '\0');
    struct iovec iov {
      buffer.data(), buffer.size()
    };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw_sys("recvmsg(channel)");
    if (n == 0) return std::nullopt;

    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        out.fds.emplace_back(fd);
      }
    }
    if (msg.msg_flags & MSG_CTRUNC) throw ToolError("recvmsg(channel): file descriptors were truncated (MSG_CTRUNC)");
    out.data.append(buffer.data() + 1, static_cast<size_t>(n) - 1);
    if (buffer[0] == 'm') return out;
  }
}

Channel::Message Channel::expect(std::chrono::milliseconds timeout, std::string_view what) {
  auto m = recv(timeout);
  if (!m) throw ToolError(fmt::format("the peer closed the channel before sending {}", what));
  return std::move(*m);
}

}  // namespace nsm
