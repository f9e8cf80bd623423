// How a subcommand plugs into the nsmatrix command: each cmd_<name>.cpp defines one
// add_<name>_command(), which declares its options on a CLI11 subcommand and, when that
// subcommand is the one parsed, stores what to run in `selected`. main() runs it.
//
// Exit codes (every subcommand): 0 done; 1 the run worked and found failures (a failed
// check, a kernel that did not boot); 2 bad input (usage, a missing or garbage file);
// 3 the tool itself could not work (a setup error, an unexpected system error). An
// exception's code follows its type: nsm::InputError is 2, anything else 3.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include "core/error.h"

namespace CLI {
class App;
}

namespace nsm::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailures = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitBroken = 3;

// 2 for nsm::InputError (and its kinds), 3 for every other exception.
inline int exit_code_of(const std::exception& e) {
  return dynamic_cast<const InputError*>(&e) != nullptr ? kExitBadInput : kExitBroken;
}

using Action = std::function<int()>;

// results/YYYYmmdd-HHMMSS: where `run` and `matrix` write unless --out says otherwise.
std::string default_out_dir();

void add_probe_command(CLI::App& app, Action& selected);
void add_run_command(CLI::App& app, Action& selected);
void add_test_command(CLI::App& app, Action& selected);
void add_clean_command(CLI::App& app, Action& selected);
void add_report_command(CLI::App& app, Action& selected);
void add_kernels_command(CLI::App& app, Action& selected);
void add_vm_command(CLI::App& app, Action& selected);
void add_matrix_command(CLI::App& app, Action& selected);
void add_bench_command(CLI::App& app, Action& selected);
void add_inside_command(CLI::App& app, Action& selected);
void add_runtimes_command(CLI::App& app, Action& selected);

}  // namespace nsm::cli
