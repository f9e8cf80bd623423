// One TCP stream for throughput: the calling thread sends, a receiver thread reads.
//
// The sender writes `message_size` bytes per send() (the message size the benchmark names)
// and the receiver reads with a large buffer, so that our receiver is never what limits the
// stream. Data is counted in chunks; the receiver acknowledges each chunk with one byte back.
// The sender keeps one chunk in flight ahead of the acknowledgements (no pipeline bubble)
// and transfer() returns only when the last chunk is acknowledged: the bytes counted are
// bytes received, not bytes queued in socket buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "benchmarks/data_sockets.h"

namespace nsm::bench {

class StreamFlow {
 public:
  StreamFlow(ConnectedSockets sockets, size_t message_size, size_t chunk_bytes);
  ~StreamFlow();
  StreamFlow(const StreamFlow&) = delete;
  StreamFlow& operator=(const StreamFlow&) = delete;

  // Sends `chunks` chunks and waits until the receiver has read them all.
  void transfer(int64_t chunks);
  size_t chunk_bytes() const { return chunk_bytes_; }

 private:
  void receive();
  void await_ack();

  ConnectedSockets sockets_;
  size_t message_size_;
  size_t chunk_bytes_;
  std::vector<std::byte> message_;
  std::mutex failure_mutex_;
  std::exception_ptr receiver_failure_;  // guarded by failure_mutex_
  std::thread receiver_;
};

}  // namespace nsm::bench
