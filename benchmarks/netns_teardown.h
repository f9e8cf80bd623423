// Observing the kernel's asynchronous teardown of network namespaces, without polling.
//
// Dropping the last reference to a network namespace only queues it for cleanup_net(),
// which runs on one ordered workqueue and tears down all queued namespaces as a batch, one
// batch after another. A namespace that has an id (nsid) in an observer namespace is
// announced there with RTM_DELNSID when its batch starts (kernel 4.1). Since batches never
// overlap, the announcement of a namespace released after a batch started also marks the
// end of that batch. So:
//   - releasing namespaces one at a time, each right after the previous one's announcement,
//     makes the time between announcements the teardown time of one namespace;
//   - releasing a sentinel and, once it is announced, a second one, and waiting for the
//     second announcement, proves that everything released before is completely gone.
// The observer is itself a namespace held by an fd, so nothing is named in the host.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "core/netns.h"

namespace nsm::bench {

class NetnsTeardownWatch {
 public:
  NetnsTeardownWatch();
  ~NetnsTeardownWatch();
  NetnsTeardownWatch(const NetnsTeardownWatch&) = delete;
  NetnsTeardownWatch& operator=(const NetnsTeardownWatch&) = delete;

  // Gives `ns` an id in the observer so that the start of its teardown is announced.
  int track(const NetNs& ns);
  // Waits for the announcement that the teardown of the namespace tracked as `id` began.
  // Throws nsm::TimeoutError when it does not come within `timeout`.
  void wait_started(int id, std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Two tracked sentinels, made ahead so that making them is not timed.
  struct Sentinels {
    std::optional<NetNs> first, second;
    int first_id = 0, second_id = 0;
  };
  Sentinels make_sentinels();
  // Returns once every network namespace released before the call has been torn down
  // completely (and the first sentinel with them).
  void drain(Sentinels sentinels);
  void drain() { drain(make_sentinels()); }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nsm::bench
