// setns() into a held namespace of each type, from a single-threaded child: setns into a
// mount, user or time namespace refuses a multi-threaded caller, and the suite's own process
// never changes namespace.
//
// The holder is a child created in a new namespace of the type, blocked on its channel; the
// measuring child opens nothing itself, it inherits the fd of /proc/HOLDER/ns/TYPE.
// For every type but user, the measuring child switches in and back N times and the time
// per setns() is the mean of both directions. A user namespace cannot be left again (the
// caller has no capability in its parent any more), so each user iteration is one setns() in
// a fresh child, timed alone.
#include <fcntl.h>
#include <sched.h>

#include <fmt/format.h>

#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/error.h"
#include "core/ns_types.h"
#include "core/unique_fd.h"

namespace nsm::bench {

namespace {

// A child that sits in a new namespace of one type until destroyed; `fd` refers to it.
struct HeldNamespace {
  Child holder;
  UniqueFd fd;
};

HeldNamespace hold_namespace(const NsTypeInfo& ns) {
  SpawnOptions options;
  options.clone_flags = ns.clone_flag;
  options.timeout = std::chrono::minutes(10);  // lives as long as the benchmark; killed by ~Child
  Child holder = Child::spawn(options, [](Channel& channel) {
    channel.send("ready");
    channel.recv(std::chrono::minutes(10));
    return 0;
  });
  holder.channel().expect(holder.time_left(), "the namespace holder's first message");
  const std::string path = fmt::format("/proc/{}/ns/{}", holder.pid(), ns.proc_name);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", path));
  return {std::move(holder), std::move(fd)};
}

UniqueFd open_own_namespace(const NsTypeInfo& ns) {
  const std::string path = fmt::format("/proc/self/ns/{}", ns.proc_name);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", path));
  return fd;
}

void setns_or_throw(int fd, const NsTypeInfo& ns) {
  if (::setns(fd, ns.clone_flag) != 0) throw_sys(fmt::format("setns({})", ns.clone_flag_name));
}

void bench_setns_and_back(benchmark::State& state, const NsTypeInfo& ns) {
  HeldNamespace held = hold_namespace(ns);
  const auto iterations = state.max_iterations;
  const int target = held.fd.get();
  const auto total = time_in_child(SpawnOptions{}, [&ns, target, iterations] {
    UniqueFd home = open_own_namespace(ns);
    const auto start = Clock::now();
    for (benchmark::IterationCount i = 0; i < iterations; ++i) {
      setns_or_throw(target, ns);
      setns_or_throw(home.get(), ns);
    }
    return (Clock::now() - start) / 2;  // per iteration: one setns() (the mean of in and back)
  });
  report_total_time(state, total);
}

void bench_setns_once(benchmark::State& state, const NsTypeInfo& ns) {
  HeldNamespace held = hold_namespace(ns);
  const int target = held.fd.get();
  for (auto _ : state) {
    state.SetIterationTime(seconds(time_in_child(SpawnOptions{}, [&ns, target] {
      const auto start = Clock::now();
      setns_or_throw(target, ns);
      return Clock::now() - start;
    })));
  }
}

}  // namespace

void register_setns_benchmarks(const SuiteOptions& options) {
  for (const auto& ns : ns_types()) {
    const bool one_way = ns.type == NsType::User;
    auto* b = add(bench_check(fmt::format("bench.setns.{}", ns.name), ns.type,
                              one_way ? fmt::format("setns() into a held {} namespace, in a fresh process", ns.name)
                                      : fmt::format("setns() into a held {} namespace and back", ns.name),
                              as_root({ns.type})),
                  fmt::format("setns/{}", ns.name), {time_metric("us")}, [&ns, one_way](benchmark::State& state) {
                    if (one_way)
                      bench_setns_once(state, ns);
                    else
                      bench_setns_and_back(state, ns);
                  });
    b->UseManualTime()->Unit(benchmark::kMicrosecond);
    if (one_way) b->Iterations(options.quick ? 20 : 200);  // a child per iteration
  }
}

}  // namespace nsm::bench
