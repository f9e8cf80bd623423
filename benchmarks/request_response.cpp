#include "benchmarks/request_response.h"

#include <sys/socket.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nsm::bench {

EchoPeer::EchoPeer(ConnectedSockets sockets, size_t size, bool stream)
    : sockets_(std::move(sockets)), size_(size), stream_(stream), request_(size, std::byte{0x42}), answer_(size) {
  echo_thread_ = std::thread([this] { echo(); });
}

EchoPeer::~EchoPeer() {
  // Wakes the echo thread's recv() with EOF, for UDP as for TCP.
  ::shutdown(sockets_.server.get(), SHUT_RDWR);
  echo_thread_.join();
}

void EchoPeer::echo() {
  try {
    std::vector<std::byte> buffer(size_);
    for (;;) {
      if (stream_) {
        if (!recv_all(sockets_.server.get(), buffer)) return;
      } else {
        const ssize_t n = ::recv(sockets_.server.get(), buffer.data(), buffer.size(), 0);
        if (n == 0) return;
        if (n < 0) {
          if (errno == EINTR) continue;
          throw_sys("recv(echo)");
        }
      }
      send_all(sockets_.server.get(), buffer);
    }
  } catch (...) {
    std::lock_guard lock(failure_mutex_);
    echo_failure_ = std::current_exception();
  }
}

std::chrono::nanoseconds EchoPeer::round_trip() {
  const auto start = std::chrono::steady_clock::now();
  send_all(sockets_.client.get(), request_);
  const bool answered = recv_all(sockets_.client.get(), answer_);
  const auto took = std::chrono::steady_clock::now() - start;
  if (!answered) {
    std::lock_guard lock(failure_mutex_);
    if (echo_failure_) std::rethrow_exception(echo_failure_);
    throw ToolError("the echo peer closed the connection");
  }
  return took;
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace nsm::bench
