// Clocks and the ways the suite hands its measurements to Google Benchmark.
//
// Where the parent blocks on a child, or setup must stay outside the timed region, the
// benchmarks use manual time: they time exactly the operation and report it with
// SetIterationTime. Where the operation must run elsewhere (a single-threaded or
// unprivileged child, worker threads), it runs state.max_iterations times there, timed
// there, and the total is spread over the iterations (report_total_time).
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/spawn.h"

namespace nsm::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The iterations of a manual-time loop, kept to report their median beside the mean: on a
// shared machine a few iterations that waited for a CPU move the mean, not the median.
class IterationTimes {
 public:
  explicit IterationTimes(benchmark::State& state);
  // SetIterationTime and keep the sample.
  void add(Clock::duration took);
  // Sets the counter "p50_us".
  void report_median();

 private:
  benchmark::State& state_;
  std::vector<double> seconds_;
};

// Reports `total`, measured for state.max_iterations operations, as the time of each.
void report_total_time(benchmark::State& state, Clock::duration total);

// Runs `loop` in a child created with `options` and returns the time the loop measured
// (it returns it). Throws nsm::ToolError with the child's end when it fails.
Clock::duration time_in_child(const SpawnOptions& options, const std::function<Clock::duration()>& loop);

}  // namespace nsm::bench
