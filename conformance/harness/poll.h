// Bounded, backed-off polling: only for what the kernel tears down asynchronously (a
// network namespace is destroyed by a workqueue after its last reference goes). Never a
// way to synchronise with our own children: they answer over their channel.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace nsm::conformance {

// Asks `done` until it answers true or `limit` passed; the pauses double from 1 ms to 100 ms.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

}  // namespace nsm::conformance
