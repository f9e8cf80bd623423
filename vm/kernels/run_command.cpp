#include "vm/kernels/run_command.h"

#include <chrono>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "core/error.h"
#include "core/exec.h"

namespace nsm::vm {

std::string CommandResult::describe() const {
  std::string text =
      signal != 0 ? fmt::format("killed by signal {}", signal) : fmt::format("exited with status {}", exit_code);
  for (auto it = last_lines.rbegin(); it != last_lines.rend(); ++it) {
    // The most telling line is usually apt's "E: ..." or make's "*** ..." near the end.
    if (it->starts_with("E: ") || it->find("***") != std::string::npos || it->find("error") != std::string::npos) {
      return text + ": " + *it;
    }
  }
  if (!last_lines.empty()) text += ": " + last_lines.back();
  return text;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::function<void(std::string_view)>& on_line) {
  ProgramOptions program;
  program.output = Output::Lines;
  program.on_line = on_line;
  program.keep_lines = options.keep_lines;
  program.environment = options.env;
  program.cwd = options.cwd;
  // Only bounds a hung program: kernel builds take long.
  program.timeout = std::chrono::hours(12);
  // Ctrl-C or SIGTERM reaches the whole group (make, its sub-makes and compilers): ending
  // only us would leave them running, since PDEATHSIG reaches the direct child alone.
  program.forward_interrupts = true;
  const ProgramResult r = run_program(argv, program);
  if (r.interrupted != 0) {
    // The program has ended; now the command ends as the signal asked. Not an exception:
    // the callers go on to the next kernel after an error. A staging directory left in
    // the cache is removed by the next run of the same id.
    std::fflush(nullptr);
    std::signal(r.interrupted, SIG_DFL);
    std::raise(r.interrupted);
  }
  if (!r.started()) {
    const bool missing = r.status.error->starts_with(fmt::format("execvp({}): ENOENT", argv.empty() ? "" : argv[0]));
    throw ToolError(missing
                        ? fmt::format("{}: program not found in PATH (scripts/install-deps.sh installs it)", argv[0])
                        : fmt::format("could not start {}: {}", argv[0], *r.status.error));
  }
  CommandResult result;
  result.last_lines = r.last_lines;
  switch (r.status.end) {
    case ChildStatus::End::Exited:
      result.exit_code = r.status.exit_code;
      break;
    case ChildStatus::End::Signaled:
      result.signal = r.status.signal;
      break;
    case ChildStatus::End::TimedOut:
      throw TimeoutError(fmt::format("{} {}", argv[0], r.status.describe()));
  }
  return result;
}

}  // namespace nsm::vm
