// Runs a command for a test with core's runner (core/exec.h) and collects its exit code,
// stdout and stderr.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nsm::testing_support {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// The nsmatrix command of this build.
std::string nsmatrix_binary();

// argv[0] is a path or looked up in PATH; `env` entries are added to (or replace) the
// inherited environment. Throws nsm::ToolError when the command cannot be started.
CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

}  // namespace nsm::testing_support
