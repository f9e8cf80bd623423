// Runs nsmatrix-bench as `nsmatrix bench` and `nsmatrix run` do: the suite writes Google
// Benchmark's JSON and its catalogue into a scratch directory next to the output, and
// bench.json (docs/results-format.md) is made from the two.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nsm::bench {

struct SuiteRunOptions {
  std::string binary;  // nsmatrix-bench (bench_binary_next_to_self())
  std::string output;  // where bench.json goes; the scratch directory sits beside it
  bool quick = false;  // one repetition, fewer sizes: CI and emulated guests
  std::string filter;  // --benchmark_filter, empty for all
  int pin = -1;        // --pin=CPU, -1 for none
  // For the whole suite; then its process group is killed and nothing is written.
  std::chrono::seconds timeout{3600};
};

struct SuiteRunResult {
  nlohmann::json document;  // bench.json, already written to options.output
  int pass = 0, skip = 0, broken = 0;
};

// dirname(/proc/self/exe)/nsmatrix-bench. Throws nsm::ToolError (a broken installation)
// when it is missing or not executable.
std::string bench_binary_next_to_self();

// The suite exited with status 2: its arguments were wrong and it said why.
struct BadBenchArguments : InputError {
  using InputError::InputError;
};

// Runs the suite with this process's stdout and stderr, in its own process group. Ctrl-C
// (and SIGTERM) is forwarded to the suite while this process waits, so the scratch
// directory is still removed. Throws BadBenchArguments when the suite exits with 2 (it said
// why on stderr), nsm::TimeoutError past the timeout, nsm::ToolError when it dies or leaves
// no usable results (nothing is written then), nsm::SysError when the output cannot be
// written.
SuiteRunResult run_bench_suite(const SuiteRunOptions& options);

}  // namespace nsm::bench
