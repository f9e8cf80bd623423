// Runs an external program (qemu, apt, the ELF interpreter) in a child with a deadline, and
// takes back its exit status and output. Built on Child::spawn: the program runs in its own
// process group, dies with its parent (PDEATHSIG), and its whole group is killed when the
// deadline passes, so a hung program never hangs the caller and is always reaped.
//
// Only for the VM runner and side-by-side scripts: the suite itself never shells out.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/spawn.h"

namespace nsm {

struct ProgramOptions {
  std::chrono::milliseconds timeout{60'000};
  // Where the program's stdout/stderr go: a file (created or truncated), or, when empty,
  // captured into ProgramResult. stdin is /dev/null.
  std::string stdout_path;
  std::string stderr_path;
  // Extra "NAME=value" entries on top of the caller's environment.
  std::vector<std::string> environment;
};

struct ProgramResult {
  ChildStatus status;  // error holds "execvp(NAME): ENOENT ..." when it could not start
  std::string out;     // captured stdout (when not sent to a file)
  std::string err;     // captured stderr (when not sent to a file)
  bool ok() const { return status.ok(); }
};

// argv[0] is looked up in PATH. Throws SysError only when the child cannot be created.
ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options = {});

// "qemu-system-x86_64 -M microvm ..." for messages, each argument quoted when needed.
std::string describe_command(const std::vector<std::string>& argv);

}  // namespace nsm
