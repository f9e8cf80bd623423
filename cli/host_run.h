// `nsmatrix run`: the stage pipeline (pipeline/stages.h: probe, conformance, benchmarks) on
// the running kernel, into one kernel directory of the results layout
// (docs/results-format.md) with kernel.json and status.json, then the report.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace nsm::cli {

struct HostRunOptions {
  std::string out_dir;                                               // results/<run-id>
  std::string id = "host";                                           // the kernel directory's name
  std::vector<std::string> stages{"probe", "conformance", "bench"};  // in order
  bool bench_quick = true;
  std::chrono::seconds stage_timeout{1800};  // then the stage is killed, and the run goes on
  bool report = true;
  std::optional<std::string> test_filter;  // the conformance stage's --filter
  bool runtimes = false;                   // then `nsmatrix runtimes` into DIR/runtimes.json: the report's runtime axis
};

struct HostRunResult {
  int exit_code = 0;                      // cli/command.h's codes
  std::vector<std::string> report_paths;  // report.html last
  int interrupted = 0;                    // the signal (Ctrl-C) that stopped the run, 0: none
};

// Progress goes to `out`, one line per stage; the stages' own output passes through.
HostRunResult run_on_host(const HostRunOptions& options, std::FILE* out);

}  // namespace nsm::cli
