// bench.json (docs/results-format.md) from what nsmatrix-bench wrote: its catalogue
// (registry.h: which benchmark belongs to which check, with which metrics) and Google
// Benchmark's own JSON, kept verbatim under "gbench".
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace nsm::bench {

// "create/net" from Google Benchmark's run name "create/net/iterations:200/repeats:5/manual_time":
// drops the parts Google Benchmark appends (min_time:, iterations:, repeats:, threads:,
// real_time, manual_time).
std::string base_benchmark_name(std::string_view run_name);

// The bench.json document. `mode` is "quick" or "full". Checks none of whose benchmarks ran
// (left out by --filter) are not listed. A check is
//   pass    when its benchmarks measured (metrics: mean over repetitions, stddev, cv),
//   skip    when every benchmark that ran was skipped (the reason of the first),
//   broken  when any benchmark's setup failed (the benchmark's name and its error).
// Throws nsm::ToolError naming what is malformed in either input.
nlohmann::json make_bench_json(const nlohmann::json& catalogue, const nlohmann::json& gbench, std::string_view mode);

}  // namespace nsm::bench
