// Runs a command for a test and collects its exit code, stdout and stderr.
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

// argv[0] is a path; `env` entries are added to (or replace) the inherited environment.
// The nsmatrix command of this build.
std::string nsmatrix_binary();

CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

}  // namespace nsm::testing_support
