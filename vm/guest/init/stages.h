// The suite's stages as the guest runs them: the stage commands of the contract between
// parts (HELPERS.md), each timed, its output kept in a log, its results file checked.
// A stage whose command is missing or fails to write its file is recorded as such; nothing
// is made up in its place.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm::vm::init {

struct StageSpec {
  std::string name;               // "probe", "conformance", "bench"
  std::string results_file;       // "probe.json"
  std::vector<std::string> argv;  // the command
};

// The command for a stage name, writing into `results_dir`.
StageSpec stage_spec(const std::string& name, const std::string& nsmatrix, const std::string& results_dir, bool bench_quick);

// Runs it with a deadline; its stdout and stderr go to <results_dir>/<name>.log, in order. Returns
// {"name", "command", "exit_code", "end", "seconds", "results", "error"}: "results" is
// whether the file was written, "error" why the stage gave no results (or null).
nlohmann::json run_stage(const StageSpec& stage, const std::string& results_dir, int timeout_seconds);

}  // namespace nsm::vm::init
