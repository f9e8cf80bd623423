// The sustained rate of network namespace creation and destruction, with 1, 2 and 4
// concurrent creators (the shape of the SOCK paper's measurement, USENIX ATC '18).
//
// Each creator is a thread that unshares a new network namespace and switches back at once,
// which drops it: the kernel queues its teardown. The run ends when the last namespace is
// torn down (netns_teardown.h), so the rate includes the teardown backlog and cannot be
// inflated by work the kernel has not done yet.
#include <fcntl.h>
#include <sched.h>

#include <exception>
#include <latch>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "benchmarks/netns_teardown.h"
#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm::bench {

namespace {

void create_and_drop(int home_fd, int count) {
  for (int i = 0; i < count; ++i) {
    if (::unshare(CLONE_NEWNET) != 0) throw_sys("unshare(CLONE_NEWNET)");
    if (::setns(home_fd, CLONE_NEWNET) != 0) throw_sys("setns(CLONE_NEWNET) back");
  }
}

void bench_rate(benchmark::State& state, int creators, int per_creator) {
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) throw_sys("open(/proc/thread-self/ns/net)");
  NetnsTeardownWatch watch;
  watch.drain();
  double drain_ms = 0;
  for (auto _ : state) {
    auto sentinels = watch.make_sentinels();
    std::latch ready(creators + 1);
    std::vector<std::exception_ptr> failures(creators);
    std::vector<std::thread> threads;
    try {
      for (int c = 0; c < creators; ++c) {
        threads.emplace_back([&, c] {
          ready.arrive_and_wait();
          try {
            create_and_drop(home.get(), per_creator);
          } catch (...) {
            failures[c] = std::current_exception();
          }
        });
      }
    } catch (...) {
      // Release the creators that did start, so they can be joined, then report.
      ready.count_down(creators - static_cast<int>(threads.size()) + 1);
      for (auto& t : threads) t.join();
      throw;
    }
    ready.arrive_and_wait();
    const auto start = Clock::now();
    for (auto& t : threads) t.join();
    const auto created = Clock::now();
    for (auto& f : failures)
      if (f) std::rethrow_exception(f);
    watch.drain(std::move(sentinels));
    const auto end = Clock::now();
    state.SetIterationTime(seconds(end - start));
    drain_ms += seconds(end - created) * 1e3;
  }
  state.SetItemsProcessed(state.iterations() * creators * per_creator);
  state.counters["drain_ms"] = drain_ms / static_cast<double>(state.iterations());
}

}  // namespace

void register_netns_rate_benchmarks(const SuiteOptions& options) {
  // Namespaces per run, split among the creators: long enough for a steady state.
  const int total = options.quick ? 48 : 480;
  const CheckInfo check =
      bench_check("bench.netns.rate", NsType::Net,
                  "sustained network namespace create+destroy rate, teardown backlog included, 1, 2 and 4 creators",
                  as_root({NsType::Net}, {}, "4.1"));
  for (int creators : {1, 2, 4}) {
    const std::string suffix = creators == 1 ? "1_creator" : fmt::format("{}_creators", creators);
    add(check, fmt::format("netns-rate/{}", suffix),
        {{fmt::format("rate_{}", suffix), "items_per_second", "per_s", false},
         {fmt::format("drain_{}", suffix), "drain_ms", "ms", true}},
        [creators, total](benchmark::State& state) { bench_rate(state, creators, total / creators); })
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace nsm::bench
