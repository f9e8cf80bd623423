// unshare(CLONE_NEW*) of each type, once, in a fresh single-threaded child.
//
// A fresh child per call keeps the types comparable: repeated unshare() in one process means
// something different per type (user namespaces nest up to 32 deep, a second
// unshare(CLONE_NEWPID) fails, and each call also destroys the namespace the previous one
// made). Only the system call is timed; the child's spawn and exit are not.
#include <sched.h>

#include <fmt/format.h>

#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/error.h"
#include "core/ns_types.h"

namespace nsm::bench {

namespace {

Clock::duration unshare_once_in_child(const NsTypeInfo& ns) {
  const int flag = ns.clone_flag;
  return time_in_child(SpawnOptions{}, [flag, &ns] {
    const auto start = Clock::now();
    const int r = ::unshare(flag);
    const auto took = Clock::now() - start;
    if (r != 0) throw_sys(fmt::format("unshare({})", ns.clone_flag_name));
    return took;
  });
}

}  // namespace

void register_unshare_benchmarks(const SuiteOptions& options) {
  // Each iteration costs a child's spawn and exit besides the timed call: a fixed count.
  const benchmark::IterationCount iterations = options.quick ? 20 : 200;
  for (const auto& ns : ns_types()) {
    add(bench_check(fmt::format("bench.unshare.{}", ns.name), ns.type,
                    fmt::format("unshare({}) in a single-threaded process", ns.clone_flag_name), as_root({ns.type})),
        fmt::format("unshare/{}", ns.name), {time_metric("us"), median_metric()},
        [&ns](benchmark::State& state) {
          IterationTimes times(state);
          for (auto _ : state) times.add(unshare_once_in_child(ns));
          times.report_median();
        })
        ->UseManualTime()
        ->Iterations(iterations)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace nsm::bench
