#include "tests/support/command.h"

#include <chrono>

#include "core/error.h"
#include "core/exec.h"

namespace nsm::testing_support {

std::string nsmatrix_binary() { return NSMATRIX_BIN; }

CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  ProgramOptions options;
  options.environment = env;
  options.timeout = std::chrono::minutes(10);  // ctest's own timeout is the real bound
  const ProgramResult r = run_program(argv, options);
  if (!r.started()) throw ToolError(*r.status.error);
  CommandResult result;
  result.exit_code = r.status.end == ChildStatus::End::Exited ? r.status.exit_code : -1;
  result.out = r.out;
  result.err = r.err;
  return result;
}

}  // namespace nsm::testing_support
