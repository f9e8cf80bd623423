// Runs an external program (apt-get, make) with core's runner (core/exec.h), streaming its
// output line by line, so a long step shows progress and a failure can quote the program's
// last words.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct CommandOptions {
  std::string cwd;                         // empty: the caller's
  std::map<std::string, std::string> env;  // added to (or replacing in) the caller's
  size_t keep_lines = 20;                  // how many last lines CommandResult keeps
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::vector<std::string> last_lines;  // stdout and stderr, interleaved
  bool ok() const { return exit_code == 0; }
  // "exited with status 100: E: Unable to locate package x"
  std::string describe() const;
};

// Starts argv[0] (looked up in PATH) in its own process group with stdin on /dev/null and
// stdout+stderr on one pipe; calls on_line for each line. If on_line throws, the process
// group is killed and reaped before the exception leaves. A SIGINT or SIGTERM sent to us
// meanwhile goes to the group; once the program has ended, we die of the same signal. Throws nsm::ToolError when the
// program cannot be started (not in PATH, no such cwd), TimeoutError past 12 hours,
// SysError when the kernel refuses the child.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options,
                          const std::function<void(std::string_view)>& on_line);

}  // namespace nsm::vm
