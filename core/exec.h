// The one way nsmatrix starts another program (qemu, apt-get, make, its own suites, the
// stages of a run; the tests' commands and browser). Built on Child::spawn: the program dies
// with its parent (PDEATHSIG), gets /dev/null as stdin and default signal dispositions, and
// has a deadline past which it is killed — its whole process group when it has one — and
// reported as timed out, so a hung program never hangs the caller and is always reaped.
//
// Its output is captured, handed over line by line, sent to one file, or left on ours; or,
// for a program we talk to while it runs (a container holding its view open), its stdout is
// read line by line as it comes, and its stdin is a pipe whose end we close. Its
// environment is ours with entries set (an entry of the same name is replaced, never
// shadowed) or one given whole. Ctrl-C (SIGINT, SIGTERM) either ends us as usual — the
// program then dies with us — or is forwarded to the program while we wait for its end.
//
// No other code starts a program. Processes are created elsewhere only by the spawner of
// namespaced children (core/spawn.h), the janitor (conformance/harness/janitor.h), forks in
// checks and probes that are their subject (a pid, a privilege drop, exec across a time
// namespace) and nsm-lie's tracer: tests/process_launches.allowed lists each file and why,
// and the ctest process_launches fails on a launch anywhere else.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/spawn.h"

namespace nsm {

// Where the program's stdout and stderr go.
enum class Output {
  Capture,  // into ProgramResult::out and ::err (each kept up to 16 MiB)
  Lines,    // both on one pipe, in order, to on_line one line at a time; the last kept
  File,     // both into output_path, created or truncated once, in order
  Inherit,  // ours
  Read,     // stdout on a pipe we read while it runs (Program::read_line), the rest into
            // ProgramResult::out by finish(); stderr into output_path
};

struct ProgramOptions {
  // From the start to the end. Past it the program (its group) is killed: End::TimedOut.
  std::chrono::milliseconds timeout{60'000};
  Output output = Output::Capture;
  std::string output_path;  // Output::File
  // Output::Lines: called with each line (a trailing \r and progress redrawn with \r
  // removed). If it throws, the program is killed and reaped before the exception leaves.
  std::function<void(std::string_view)> on_line;
  size_t keep_lines = 20;  // Output::Lines: how many last lines ProgramResult::last_lines keeps
  // NAME -> value set on top of our environment (replacing ours of that name), or, with
  // replace_environment, the program's whole environment.
  std::map<std::string, std::string> environment;
  bool replace_environment = false;
  std::string cwd;  // empty: ours
  // The program starts its own process group (see SpawnOptions::own_group).
  bool own_group = true;
  // While we wait for it, SIGINT and SIGTERM sent to us go to the program (its group)
  // instead of ending us: it decides how to end, and we report that end.
  bool forward_interrupts = false;
  // More descriptors for the program: {its number, our descriptor}.
  std::vector<std::pair<int, int>> fds;
  // Its stdin is a pipe we hold instead of /dev/null: it reads EOF once we call
  // Program::close_stdin() (finish() closes it first).
  bool stdin_pipe = false;
  // New namespaces for the program (CLONE_NEW*), proven new before it runs (core/spawn.h),
  // and what runs in it just before exec, once its descriptors are in place (a mount only
  // the program sees, a change of user). Throwing fails the start: the program ends with
  // ChildStatus::error set.
  int clone_flags = 0;
  std::function<void()> before_exec;
};

struct ProgramResult {
  // error holds "execvp(NAME): ENOENT (...)" when the program could not be started.
  ChildStatus status;
  std::string out;                      // Output::Capture: stdout
  std::string err;                      // Output::Capture: stderr
  std::vector<std::string> last_lines;  // Output::Lines: the last keep_lines lines
  int interrupted = 0;                  // forward_interrupts: the last signal forwarded (0: none)
  bool ok() const { return status.ok(); }
  bool started() const { return !(status.end == ChildStatus::End::Exited && status.error); }
};

// A started program. Destroying it before finish() kills it (its group) and reaps it.
class Program {
 public:
  // argv[0] is looked up in PATH. Throws SysError only when the child cannot be created;
  // a program that cannot be started ends with status.error set.
  static Program start(const std::vector<std::string>& argv, ProgramOptions options);

  pid_t pid() const { return child_.pid(); }
  // Readable once the program has ended (poll it with other descriptors); -1 without pidfds.
  int pidfd() const { return child_.pidfd(); }
  // Sends `sig` to the program (its group).
  void signal(int sig) { child_.signal(sig); }
  // Brings the deadline forward to at most `from_now` from now.
  void deadline_in(std::chrono::milliseconds from_now) { child_.shorten_deadline(from_now); }
  // Output::Read: the next line of its stdout, without the newline. nullopt at the end of
  // stdout, when `timeout` (or the deadline) passes first, or when a signal handler of ours
  // interrupted the wait (EINTR): the caller then looks at what its handler recorded.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // stdin_pipe: EOF on the program's stdin.
  void close_stdin() { stdin_.reset(); }
  // Closes its stdin (stdin_pipe), takes its output as the options say and waits for its
  // end, at most until the deadline; past it the program is killed.
  ProgramResult finish();

 private:
  Program(Child child, ProgramOptions options, std::vector<UniqueFd> pipes, UniqueFd stdin_write);
  Child child_;
  ProgramOptions options_;
  std::vector<UniqueFd> pipes_;  // our read ends: Capture {stdout, stderr}, Lines {both}, Read {stdout}
  UniqueFd stdin_;               // stdin_pipe: our write end
  std::string unread_;           // Output::Read: read from stdout past the last line returned
};

// Program::start(argv, options).finish().
ProgramResult run_program(const std::vector<std::string>& argv, const ProgramOptions& options = {});

// "qemu-system-x86_64 -M microvm ..." for messages, each argument quoted when needed.
std::string describe_command(const std::vector<std::string>& argv);

// Whether `program` is an executable in one of $PATH's directories (the default path when
// PATH is unset), as execvp would find it.
bool on_path(const std::string& program);

}  // namespace nsm
