// Tearing namespaces down, which the kernel does asynchronously for net and ipc: closing the
// last reference returns at once, and the work (RCU grace periods, device unregistration)
// happens later in a workqueue. These benchmarks time that later work, one namespace at a
// time, so that creation (create_bench.cpp) and destruction are reported separately.
#include <sched.h>

#include <thread>
#include <vector>

#include <fmt/format.h>

#include "benchmarks/netns_teardown.h"
#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/error.h"
#include "core/id_map.h"
#include "core/proc.h"

namespace nsm::bench {

namespace {

// The time between consecutive RTM_DELNSID announcements while namespaces are released one
// at a time (netns_teardown.h): each is one namespace's complete cleanup_net().
void bench_netns_teardown(benchmark::State& state) {
  NetnsTeardownWatch watch;
  watch.drain();  // the backlog of earlier benchmarks must not be counted
  const auto count = static_cast<size_t>(state.max_iterations) + 1;
  std::vector<std::optional<NetNs>> pool;
  std::vector<int> ids;
  for (size_t i = 0; i < count; ++i) {
    pool.emplace_back(NetNs::create());
    ids.push_back(watch.track(*pool.back()));
  }
  pool[0].reset();
  watch.wait_started(ids[0]);
  auto previous = Clock::now();
  size_t next = 1;
  for (auto _ : state) {
    pool[next].reset();
    watch.wait_started(ids[next]);  // the batch holding pool[next - 1] has ended
    const auto now = Clock::now();
    state.SetIterationTime(seconds(now - previous));
    previous = now;
    ++next;
  }
  watch.drain();
}

// IPC namespaces are freed by a work item after an RCU grace period, and nothing announces
// it. But the kernel counts namespaces per user namespace (user.max_ipc_namespaces), and a
// creation over the limit waits for pending frees (kernels with the 2023 fix "ipc,namespace:
// fix free vs allocation race"; older ones fail with ENOSPC, and the loop retries with a
// bounded backoff). So in a user namespace of its
// own with a limit of 2, a process that keeps unsharing holds one namespace and has one
// being freed: each unshare() returns when the namespace released by the one before is
// gone. The time between returns is one teardown plus one creation (see unshare/ipc).
void unshare_ipc_at_limit() {
  const auto start = Clock::now();
  auto pause = std::chrono::microseconds(1);
  for (;;) {
    if (::unshare(CLONE_NEWIPC) == 0) return;
    if (errno != ENOSPC) throw_sys("unshare(CLONE_NEWIPC)");
    const auto waited = Clock::now() - start;
    if (waited > std::chrono::seconds(30))
      throw TimeoutError("unshare(CLONE_NEWIPC) stayed at user.max_ipc_namespaces for 30 s: the kernel freed nothing");
    // Backoff bounded by a twentieth of the wait so far: the error stays within 5 %.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::max(std::chrono::microseconds(1),
                                         std::chrono::duration_cast<std::chrono::microseconds>(waited / 20)));
  }
}

void bench_ipc_teardown(benchmark::State& state) {
  const auto iterations = state.max_iterations;
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUSER;
  options.id_map = IdMap::root_is(::geteuid(), ::getegid());
  options.timeout = std::chrono::minutes(5);
  const auto total = time_in_child(options, [iterations] {
    write_file("/proc/sys/user/max_ipc_namespaces", "2");
    unshare_ipc_at_limit();  // holds one
    unshare_ipc_at_limit();  // holds the next, the first is being freed
    auto previous = Clock::now();
    Clock::duration sum{};
    for (benchmark::IterationCount i = 0; i < iterations; ++i) {
      unshare_ipc_at_limit();
      const auto now = Clock::now();
      sum += now - previous;
      previous = now;
    }
    return sum;
  });
  report_total_time(state, total);
}

}  // namespace

void register_teardown_benchmarks(const SuiteOptions& options) {
  add(bench_check("bench.destroy.net", NsType::Net,
                  "tear down a network namespace: the kernel's asynchronous cleanup_net(), one namespace per batch",
                  as_root({NsType::Net}, {}, "4.1")),
      "destroy/net", {time_metric("ms")}, bench_netns_teardown)
      ->UseManualTime()
      ->Iterations(options.quick ? 4 : 20)
      ->Unit(benchmark::kMillisecond);
  add(bench_check("bench.destroy.ipc", NsType::Ipc,
                  "tear down an IPC namespace: the kernel's asynchronous free, plus the next creation",
                  as_root({NsType::Ipc, NsType::User})),
      "destroy/ipc", {time_metric("ms")}, bench_ipc_teardown)
      ->UseManualTime()
      ->Iterations(options.quick ? 4 : 30)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace nsm::bench
