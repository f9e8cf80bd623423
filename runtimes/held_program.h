// A program the runtimes driver keeps running while it looks at it: a container runtime's
// foreground command (its stdin is ours: the held inside view ends when we close it), or a
// daemon started for the run. Built on Child::spawn like run_program (core/exec.h): its own
// process group, killed with the driver (PDEATHSIG), killed as a group past its lifetime.
#pragma once

#include <csignal>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/spawn.h"
#include "core/unique_fd.h"

namespace nsm::runtimes {

struct HeldOptions {
  std::chrono::milliseconds lifetime{120'000};  // past it the group is killed
  std::string output_path;  // stderr (and stdout when stdout_to_file) go here
  bool stdout_to_file = false;  // a daemon: no line is read from it
  int clone_flags = 0;          // new namespaces for the program (verified before `prepare`)
  // Runs in the child before exec (after the namespaces are proven new); throws to fail.
  std::function<void()> prepare;
  std::vector<std::string> environment;  // "NAME=value" added to the driver's
};

// A flag a signal handler sets (SIGINT, SIGTERM): a wait interrupted by the signal then
// returns at once instead of going on, so the driver can clean up and end.
void set_stop_flag(const volatile sig_atomic_t* flag);
bool stop_requested();

class HeldProgram {
 public:
  // Throws nsm::SysError when the child cannot be created; an exec failure shows in wait().
  static HeldProgram start(const std::vector<std::string>& argv, HeldOptions options);

  // The next line of stdout without its newline; nullopt at EOF, when `timeout` passes, or
  // when a stop was requested.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // EOF on the program's stdin.
  void close_stdin() { stdin_.reset(); }
  void signal(int sig);
  // Waits up to `timeout` for the end, then kills the group and reaps.
  ChildStatus wait_for(std::chrono::milliseconds timeout);
  pid_t pid() const { return child_->pid(); }
  int pidfd() const { return child_->pidfd(); }  // readable when the program ended; -1 without pidfds
  bool ended() const { return status_.has_value(); }

 private:
  std::optional<Child> child_;
  UniqueFd stdin_;
  UniqueFd stdout_;
  std::string pending_;  // read past the last line returned
  std::optional<ChildStatus> status_;
};

}  // namespace nsm::runtimes
