// Network setup through rtnetlink (libnl, core/netlink.h), inside a namespace held by an fd:
// create and delete a veth pair, move one end into another namespace, create a bridge and
// enslave N ports. Only the operation named is timed; whatever sets it up or undoes it in
// the same iteration is not (manual time).
#include <fmt/format.h>

#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/netns.h"

namespace nsm::bench {

namespace {

const Requirements kVethNeeds = as_root({NsType::Net}, {"veth"});
const Requirements kBridgeNeeds = as_root({NsType::Net}, {"veth", "bridge"});

template <class Fn>
Clock::duration timed(Fn&& fn) {
  const auto start = Clock::now();
  fn();
  return Clock::now() - start;
}

void bench_veth_create(benchmark::State& state) {
  NetNs lab = NetNs::create();
  RouteSocket rt = lab.route();
  for (auto _ : state) {
    state.SetIterationTime(seconds(timed([&] { rt.add_veth("nsm-a", "nsm-b"); })));
    rt.del_link("nsm-a");
  }
}

void bench_veth_delete(benchmark::State& state) {
  NetNs lab = NetNs::create();
  RouteSocket rt = lab.route();
  for (auto _ : state) {
    rt.add_veth("nsm-a", "nsm-b");
    state.SetIterationTime(seconds(timed([&] { rt.del_link("nsm-a"); })));
  }
}

void bench_veth_move(benchmark::State& state) {
  NetNs lab = NetNs::create();
  NetNs other = NetNs::create();
  RouteSocket rt = lab.route();
  for (auto _ : state) {
    rt.add_veth("nsm-a", "nsm-b");
    state.SetIterationTime(seconds(timed([&] { rt.move_to_netns("nsm-b", other.fd()); })));
    rt.del_link("nsm-a");  // takes its peer, now in `other`, with it
  }
}

void bench_bridge_ports(benchmark::State& state, int ports) {
  NetNs lab = NetNs::create();
  RouteSocket rt = lab.route();
  for (int i = 0; i < ports; ++i) rt.add_veth(fmt::format("nsm-p{}", i), fmt::format("nsm-q{}", i));
  double total = 0;
  for (auto _ : state) {
    const double took = seconds(timed([&] {
      rt.add_bridge("nsm-br0");
      for (int i = 0; i < ports; ++i) rt.set_master(fmt::format("nsm-p{}", i), "nsm-br0");
    }));
    state.SetIterationTime(took);
    total += took;
    rt.del_link("nsm-br0");  // releases its ports
  }
  state.counters["per_port_us"] = total * 1e6 / static_cast<double>(state.iterations() * ports);
}

}  // namespace

void register_link_benchmarks(const SuiteOptions& options) {
  // Deleting or moving a link waits for RCU grace periods (milliseconds): fewer of those.
  const benchmark::IterationCount iterations = options.quick ? 20 : 200;
  const benchmark::IterationCount slow_iterations = options.quick ? 10 : 50;
  add(bench_check("bench.link.veth-create", NsType::Net, "create a veth pair (RTM_NEWLINK through libnl)", kVethNeeds),
      "link/veth-create", {time_metric("us")}, bench_veth_create)
      ->UseManualTime()
      ->Iterations(iterations)
      ->Unit(benchmark::kMicrosecond);
  add(bench_check("bench.link.veth-delete", NsType::Net, "delete a veth pair (RTM_DELLINK through libnl)", kVethNeeds),
      "link/veth-delete", {time_metric("us")}, bench_veth_delete)
      ->UseManualTime()
      ->Iterations(slow_iterations)
      ->Unit(benchmark::kMicrosecond);
  add(bench_check("bench.link.veth-move", NsType::Net, "move one end of a veth pair into another network namespace",
                  kVethNeeds),
      "link/veth-move", {time_metric("us")}, bench_veth_move)
      ->UseManualTime()
      ->Iterations(slow_iterations)
      ->Unit(benchmark::kMicrosecond);

  const CheckInfo bridge = bench_check("bench.link.bridge-ports", NsType::Net,
                                       "create a bridge and enslave N ports (N = 1, 10, 50)", kBridgeNeeds);
  std::vector<std::pair<int, benchmark::IterationCount>> sizes{{1, 100}, {10, 30}, {50, 10}};
  if (options.quick) sizes = {{1, 10}, {10, 3}};
  for (auto [ports, count] : sizes) {
    add(bridge, fmt::format("link/bridge-ports/{}", ports),
        {{fmt::format("total_{}_ports", ports), "time", "ms", true},
         {fmt::format("per_port_{}_ports", ports), "per_port_us", "us", true}},
        [n = ports](benchmark::State& state) { bench_bridge_ports(state, n); })
        ->UseManualTime()
        ->Iterations(count)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace nsm::bench
