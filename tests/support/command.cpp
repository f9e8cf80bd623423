#include "tests/support/command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/proc.h"

extern char** environ;

namespace nsm::testing_support {

std::string nsmatrix_binary() { return NSMATRIX_BIN; }

CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  // Files, not pipes: no deadlock however much the command writes to either stream.
  char out_path[] = "/tmp/nsm-test-out-XXXXXX";
  char err_path[] = "/tmp/nsm-test-err-XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  const int err_fd = ::mkstemp(err_path);
  if (out_fd < 0 || err_fd < 0) throw_sys("mkstemp");

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) merged[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  pid_t pid;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  ::close(err_fd);
  if (rc != 0) throw SysError(std::string("posix_spawn(") + argv[0] + ")", rc);
  int status = 0;
  ::waitpid(pid, &status, 0);

  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path).value_or("");
  result.err = read_file(err_path).value_or("");
  ::unlink(out_path);
  ::unlink(err_path);
  return result;
}

}  // namespace nsm::testing_support
