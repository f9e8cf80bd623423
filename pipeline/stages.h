// The stages of a run — probe, conformance, bench — as one pipeline that both `nsmatrix run`
// on the host and nsmatrix-init in the guest call: the same commands (nsmatrix's own
// subcommands, each writing its results file), the same deadlines, the same stage records
// (status.json's "stages", docs/results-format.md).
//
// Each stage is a program run with core's runner (core/exec.h) in its own process group: a
// stage that hangs is killed at its deadline, recorded with the reason, and the next stage
// runs. A stage's results count only when its command exited 0 (done) or 1 (a check failed
// or broke) and wrote its file; nothing is made up in place of a stage that gave none.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace nsm::pipeline {

// Whether `name` is a stage: "probe", "conformance" or "bench".
bool known_stage(std::string_view name);

// What the stage commands are told beyond where to write.
struct StageArgs {
  bool bench_quick = true;                 // nsmatrix bench --quick
  std::optional<std::string> test_filter;  // nsmatrix test --filter
  // Put before the conformance stage's command (a guest's nsm-lie --type T --); empty: none.
  std::vector<std::string> conformance_wrapper;
};

struct Stage {
  std::string name;               // "probe"
  std::string results_file;       // "probe.json"
  std::vector<std::string> argv;  // nsmatrix probe --json -o <dir>/probe.json
};

// The command for a stage name, writing into `results_dir`. Throws nsm::InputError for a
// name that is not a stage.
Stage stage_command(const std::string& name, const std::string& nsmatrix, const std::string& results_dir,
                    const StageArgs& args);

// How one stage went.
struct StageRecord {
  std::string name;
  std::string command;           // as run, quoted where needed
  std::optional<int> exit_code;  // when its command exited
  std::string end;               // "exited with status 0", "timed out after ...", "not started"
  double seconds = 0;
  bool results = false;                                       // its results file was written
  std::optional<std::string> error;                           // why its results are missing or unusable
  bool failures() const { return !error && exit_code == 1; }  // a check failed or broke
  nlohmann::json to_json() const;  // {"name", "command", "exit_code", "end", "seconds", "results", "error"}
};

struct PipelineOptions {
  std::vector<std::string> stages;  // in order
  std::string nsmatrix;             // the nsmatrix executable the stages run
  std::string results_dir;
  StageArgs args;
  // Each stage is killed this long after its start ...
  std::chrono::seconds stage_timeout{600};
  // ... or at this moment, if sooner; a stage due to start after it is not started.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Each stage's stdout and stderr into <results_dir>/<stage>.log (the guest); else they
  // pass through on ours (the host, where a person watches).
  bool log_to_files = false;
  std::map<std::string, std::string> environment;  // set for the stage commands
  // Ctrl-C (SIGINT, SIGTERM) goes to the running stage, which ends as it does on a
  // terminal (the benchmarks remove their scratch files); no further stage starts.
  bool forward_interrupts = false;
  // Progress: before a stage starts (not for one that is not started), and after it.
  std::function<void(const Stage&, size_t number, size_t count)> on_start;
  std::function<void(const StageRecord&, size_t number, size_t count)> on_end;
};

struct PipelineResult {
  std::vector<StageRecord> stages;
  int interrupted = 0;    // forward_interrupts: the signal that stopped the pipeline (0: none)
  bool complete() const;  // every stage gave usable results
  bool failures() const;  // some stage found a check failed or broken
  // "stage bench: `...` timed out after 1.0 s; ..."; empty when complete.
  std::string reason() const;
  nlohmann::json stages_json() const;
};

// Runs the stages in order, each to its end or its deadline; never throws for a stage that
// fails (that is its record), only when a stage cannot even be attempted (SysError: the
// kernel refused the child).
PipelineResult run_pipeline(const PipelineOptions& options);

}  // namespace nsm::pipeline
