#include "benchmarks/stream_flow.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::bench {

namespace {
constexpr size_t kReceiveBuffer = 256 * 1024;
}

StreamFlow::StreamFlow(ConnectedSockets sockets, size_t message_size, size_t chunk_bytes)
    : sockets_(std::move(sockets)),
      message_size_(message_size),
      chunk_bytes_(chunk_bytes),
      message_(message_size, std::byte{0x5a}) {
  if (chunk_bytes_ % message_size_ != 0) throw Error("StreamFlow: a chunk must be whole messages");
  // The acknowledgements are single bytes: Nagle's algorithm would hold one back until the
  // previous is ACKed, and at the end of a transfer, when no data flows to piggyback that
  // ACK on, only the peer's delayed-ACK timer (40 ms) would release it. The data direction
  // keeps Nagle, as iperf3 does.
  const int one = 1;
  if (::setsockopt(sockets_.server.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    throw_sys("setsockopt(TCP_NODELAY)");
  receiver_ = std::thread([this] { receive(); });
}

StreamFlow::~StreamFlow() {
  ::shutdown(sockets_.client.get(), SHUT_WR);  // the receiver reads EOF and ends
  receiver_.join();
}

void StreamFlow::receive() {
  try {
    std::vector<std::byte> buffer(kReceiveBuffer);
    size_t pending = 0;
    const std::byte ack{1};
    for (;;) {
      const ssize_t n = ::recv(sockets_.server.get(), buffer.data(), buffer.size(), 0);
      if (n == 0) return;
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_sys("recv(stream receiver)");
      }
      pending += static_cast<size_t>(n);
      while (pending >= chunk_bytes_) {
        pending -= chunk_bytes_;
        send_all(sockets_.server.get(), {&ack, 1});
      }
    }
  } catch (...) {
    {
      std::lock_guard lock(failure_mutex_);
      receiver_failure_ = std::current_exception();
    }
    ::shutdown(sockets_.server.get(), SHUT_RDWR);  // the sender's next wait fails at once
  }
}

void StreamFlow::await_ack() {
  std::byte ack;
  if (!recv_all(sockets_.client.get(), {&ack, 1})) {
    std::lock_guard lock(failure_mutex_);
    if (receiver_failure_) std::rethrow_exception(receiver_failure_);
    throw Error("the stream receiver closed the connection");
  }
}

void StreamFlow::transfer(int64_t chunks) {
  const size_t messages = chunk_bytes_ / message_size_;
  for (int64_t i = 0; i < chunks; ++i) {
    for (size_t m = 0; m < messages; ++m) send_all(sockets_.client.get(), message_);
    if (i > 0) await_ack();  // the chunk before this one
  }
  if (chunks > 0) await_ack();
}

}  // namespace nsm::bench
