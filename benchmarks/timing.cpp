#include "benchmarks/timing.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::bench {

IterationTimes::IterationTimes(benchmark::State& state) : state_(state) {
  seconds_.reserve(static_cast<size_t>(state.max_iterations));
}

void IterationTimes::add(Clock::duration took) {
  const double s = seconds(took);
  state_.SetIterationTime(s);
  seconds_.push_back(s);
}

void IterationTimes::report_median() {
  if (seconds_.empty()) return;
  auto middle = seconds_.begin() + static_cast<std::ptrdiff_t>(seconds_.size() / 2);
  std::nth_element(seconds_.begin(), middle, seconds_.end());
  state_.counters["p50_us"] = *middle * 1e6;
}

void report_total_time(benchmark::State& state, Clock::duration total) {
  const double each = seconds(total) / static_cast<double>(state.max_iterations);
  for (auto _ : state) state.SetIterationTime(each);
}

Clock::duration time_in_child(const SpawnOptions& options, const std::function<Clock::duration()>& loop) {
  ChildResult result = run_in_child(options, [&] { return std::to_string(loop().count()); });
  if (!result.ok()) throw ToolError(fmt::format("the measuring child {}", result.status.describe()));
  return Clock::duration(std::stoll(*result.payload));
}

}  // namespace nsm::bench
