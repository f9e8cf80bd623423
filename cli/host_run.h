// `nsmatrix run`: probe, conformance and benchmarks on the running kernel, into one kernel
// directory of the results layout (docs/results-format.md), then the report.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace nsm::cli {

struct HostRunOptions {
  std::string out_dir;                  // results/<run-id>
  std::string id = "host";              // the kernel directory's name
  std::string bench = "quick";          // quick | full | none
  bool report = true;
  std::optional<std::string> test_filter;  // a GoogleTest filter for the conformance stage
};

struct HostRunResult {
  int exit_code = 0;                       // cli/command.h's codes
  std::vector<std::string> report_paths;   // report.html last
};

// Progress goes to `out`, one line per stage; the suites' own output passes through.
HostRunResult run_on_host(const HostRunOptions& options, std::FILE* out);

}  // namespace nsm::cli
