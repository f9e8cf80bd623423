// Request-response latency: the calling thread sends a message and waits for the echo of
// the same size; an echo thread answers. Each round trip is timed on its own, so that the
// benchmark reports the mean (its time) and the percentiles (counters) of the same samples.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "benchmarks/data_sockets.h"

namespace nsm::bench {

class EchoPeer {
 public:
  // `stream`: TCP (read exactly `size` bytes, then answer) or UDP (one datagram each way).
  EchoPeer(ConnectedSockets sockets, size_t size, bool stream);
  ~EchoPeer();
  EchoPeer(const EchoPeer&) = delete;
  EchoPeer& operator=(const EchoPeer&) = delete;

  // One request and its answer, timed.
  std::chrono::nanoseconds round_trip();

 private:
  void echo();

  ConnectedSockets sockets_;
  size_t size_;
  bool stream_;
  std::vector<std::byte> request_;
  std::vector<std::byte> answer_;
  std::mutex failure_mutex_;
  std::exception_ptr echo_failure_;  // guarded by failure_mutex_
  std::thread echo_thread_;
};

// The p-th percentile (0 < p <= 100) by nearest rank; sorts `samples`. 0 when empty.
double percentile(std::vector<double>& samples, double p);

}  // namespace nsm::bench
