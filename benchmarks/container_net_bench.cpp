// A whole container network, the way Docker's bridge driver builds one, for N containers:
// per container a new network namespace, a veth pair made in the hub, one end moved into the
// container, its address and lo and eth0 up inside, and the other end attached to the bridge
// and up. The hub (a namespace of its own, never the host's) and its bridge exist before the
// timer starts. After each iteration everything is released and the suite waits until the
// kernel has torn it all down (untimed), so that teardown does not slow the next iteration.
#include <fmt/format.h>

#include "benchmarks/netns_teardown.h"
#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/netns.h"
#include "core/topology.h"

namespace nsm::bench {

namespace {

constexpr const char* kBridge = "nsm-br0";

// One container attached to the hub's bridge; returns the container's namespace.
NetNs attach_container(RouteSocket& hub_rt, int index) {
  NetNs container = NetNs::create();
  const std::string port = fmt::format("nsm-p{}", index);
  hub_rt.add_veth(port, "eth0");
  hub_rt.move_to_netns("eth0", container.fd());
  RouteSocket inside = container.route();
  inside.set_up("lo");
  inside.add_address("eth0", bridge_member_address(index) + "/16");
  inside.set_up("eth0");
  hub_rt.set_master(port, kBridge);
  hub_rt.set_up(port);
  return container;
}

void bench_container_network(benchmark::State& state, int containers) {
  NetnsTeardownWatch watch;
  watch.drain();
  double total = 0;
  for (auto _ : state) {
    auto hub = std::make_optional(NetNs::create());
    std::vector<NetNs> members;
    members.reserve(static_cast<size_t>(containers));
    {
      RouteSocket hub_rt = hub->route();
      hub_rt.add_bridge(kBridge);
      hub_rt.set_up(kBridge);
      const auto start = Clock::now();
      for (int i = 0; i < containers; ++i) members.push_back(attach_container(hub_rt, i));
      const double took = seconds(Clock::now() - start);
      state.SetIterationTime(took);
      total += took;
    }
    auto sentinels = watch.make_sentinels();
    members.clear();
    hub.reset();
    watch.drain(std::move(sentinels));
  }
  state.counters["per_container_us"] = total * 1e6 / static_cast<double>(state.iterations() * containers);
}

}  // namespace

void register_container_network_benchmarks(const SuiteOptions& options) {
  const CheckInfo check = bench_check(
      "bench.netns.container-network", NsType::Net,
      "a container network for N containers: namespace, veth, move, address, up, attach to a bridge (N = 1, 10, 50)",
      as_root({NsType::Net}, {"veth", "bridge"}, "4.1"));
  std::vector<std::pair<int, benchmark::IterationCount>> sizes{{1, 20}, {10, 5}, {50, 2}};
  if (options.quick) sizes = {{1, 3}, {10, 1}};
  for (auto [containers, count] : sizes) {
    add(check, fmt::format("container-net/{}", containers),
        {{fmt::format("total_{}_containers", containers), "time", "ms", true},
         {fmt::format("per_container_{}_containers", containers), "per_container_us", "us", true}},
        [n = containers](benchmark::State& state) { bench_container_network(state, n); })
        ->UseManualTime()
        ->Iterations(count)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace nsm::bench
