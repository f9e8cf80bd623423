// Runs nsmatrix-conformance as `nsmatrix test` does: finds it next to the running
// executable, lists its checks, runs it with a deadline, and turns what it reported into
// conformance.json (conformance_json.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/spawn.h"

namespace nsm::conformance {

// dirname(/proc/self/exe)/nsmatrix-conformance. Throws nsm::ToolError naming the path
// when it is missing or not executable (a broken installation).
std::string suite_binary_next_to_self();

struct SuiteOptions {
  std::string binary;
  std::optional<std::string> filter;  // check ids or GoogleTest names (check_filter.h)
  bool verbose = false;               // every test's progress, not only failures and gaps
  std::chrono::seconds timeout{900};  // for the whole suite; then its process group is killed
  std::string scratch_path;           // where GoogleTest writes its JSON (removed afterwards)
};

struct SuiteResult {
  nlohmann::json document;  // conformance.json
  ChildStatus status;       // how the suite process ended
};

// The suite's --nsm_list_checks, parsed. Throws nsm::ToolError when it cannot be had.
nlohmann::json list_checks(const std::string& binary);

// Runs the suite. Its output goes to this process's stdout and stderr. Throws
// nsm::InputError when the filter selects no check, nsm::ToolError only when the suite
// cannot be started or listed; a suite that dies or hangs still gives a document, with
// every check broken.
SuiteResult run_conformance(const SuiteOptions& options);

}  // namespace nsm::conformance
