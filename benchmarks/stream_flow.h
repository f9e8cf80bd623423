// One TCP stream for throughput: the calling thread sends, a receiver thread reads.
//
// The sender writes `message_size` bytes per send() (the message size the benchmark names)
// and the receiver reads with a large buffer, so that our receiver is never what limits the
// stream. Data is counted in chunks: the receiver reports each whole chunk it has read to
// the sender through memory (both are threads of this process), not through the socket:
// data sent back on the connection would switch the receiving side's delayed ACKs into
// interactive ("pingpong") mode and slow a small-message stream by a third. The sender keeps
// one chunk in flight ahead of the reports (no pipeline bubble) and transfer() returns only
// when the last chunk has been read: the bytes counted are bytes received, not bytes queued
// in socket buffers.
#pragma once

#include <atomic>
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
  // Waits until the receiver has read `chunks` chunks in all; throws if it failed or ended.
  void await_received(int64_t chunks);

  ConnectedSockets sockets_;
  size_t message_size_;
  size_t chunk_bytes_;
  std::vector<std::byte> message_;
  int64_t chunks_sent_ = 0;                  // by the sender
  std::atomic<int64_t> chunks_received_{0};  // by the receiver
  std::atomic<bool> receiver_ended_{false};
  std::atomic<uint32_t> events_{0};  // bumped after each report and at the end; the sender waits on it
  std::mutex failure_mutex_;
  std::exception_ptr receiver_failure_;  // guarded by failure_mutex_
  std::thread receiver_;
};

}  // namespace nsm::bench
