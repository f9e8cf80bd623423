#include "benchmarks/timing.h"

#include <string>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::bench {

void report_total_time(benchmark::State& state, Clock::duration total) {
  const double each = seconds(total) / static_cast<double>(state.max_iterations);
  for (auto _ : state) state.SetIterationTime(each);
}

Clock::duration time_in_child(const SpawnOptions& options, const std::function<Clock::duration()>& loop) {
  ChildResult result = run_in_child(options, [&] { return std::to_string(loop().count()); });
  if (!result.ok()) throw Error(fmt::format("the measuring child {}", result.status.describe()));
  return Clock::duration(std::stoll(*result.payload));
}

}  // namespace nsm::bench
