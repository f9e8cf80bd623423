// Every benchmark of the suite is registered here together with the check it measures and
// the metrics it reports, so that `nsmatrix bench` can turn Google Benchmark's numbers into
// bench.json checks (docs/results-format.md) without guessing from names.
//
// add() also decides, before the body runs, whether the kernel has what the check needs
// (probes/requirements.h): if not, the benchmark is skipped with the probe's reason. A body
// that throws is marked broken with the error's text. See outcome_marker.h.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json_fwd.hpp>

#include "core/checks.h"

namespace nsm::bench {

// One number a benchmark contributes to its check.
struct MetricSpec {
  std::string name;    // "time", "rtt_p99_64B": what the report charts across kernels
  std::string source;  // "time" (the benchmark's real or manual time per iteration) or the
                       // name of a counter it sets ("bytes_per_second", "teardown_ms")
  std::string unit;    // "ns", "us", "ms", "s", "B/s", "items/s", "per_s"
  bool lower_is_better = true;
};

// What the command line asked of the whole suite.
struct SuiteOptions {
  bool quick = false;  // CI and emulated guests: fewer sizes, fewer iterations
};

using Body = std::function<void(benchmark::State&)>;

// Registers benchmark `name` ("create/net") as part of `check`. Benchmarks that share a
// check id share one bench.json entry, each adding its metrics. Returns Google Benchmark's
// handle for the timing options (UseManualTime, Iterations, Unit, ...).
benchmark::internal::Benchmark* add(const CheckInfo& check, const std::string& name, std::vector<MetricSpec> metrics,
                                    Body body);

// The catalogue of everything registered, for `nsmatrix bench`:
//   {"kind": "bench-catalogue", "checks": [{"id", "kind", "type", "title", "requirements",
//     "benchmarks": [{"name", "metrics": [{"name", "source", "unit", "lower_is_better"}]}]}]}
nlohmann::json catalogue_json();

// The metric every "how long does one X take" benchmark reports.
MetricSpec time_metric(std::string unit);
// "time_median", us: the median iteration (timing.h's IterationTimes), beside the mean.
MetricSpec median_metric();

// What most benchmarks need: these namespace types, as root, and optionally link kinds and
// a minimum kernel.
Requirements as_root(std::vector<NsType> namespaces, std::vector<std::string> link_kinds = {},
                     std::optional<std::string> min_kernel = std::nullopt);

// A bench check's identity: kind Bench, the rest as given.
CheckInfo bench_check(std::string id, std::optional<NsType> type, std::string title, Requirements needs);

}  // namespace nsm::bench
