#include "core/exec.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"
#include "tests/support/privilege.h"
#include "tests/support/temp_dir.h"

namespace nsm {
namespace {

using namespace std::chrono_literals;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(RunProgram, CapturesStdoutAndStderrApart) {
  const ProgramResult r = run_program({"sh", "-c", "echo out; echo err >&2; exit 4"});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.status.end, ChildStatus::End::Exited);
  EXPECT_EQ(r.status.exit_code, 4);
  EXPECT_TRUE(r.started());
  EXPECT_FALSE(r.ok());
}

TEST(RunProgram, AnEntrySetReplacesOursOfTheSameName) {
  ::setenv("NSM_EXEC_TEST", "ours", 1);
  ProgramOptions options;
  options.environment = {{"NSM_EXEC_TEST", "theirs"}};
  const ProgramResult r = run_program({"env"}, options);
  ::unsetenv("NSM_EXEC_TEST");
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(count_of(r.out, "NSM_EXEC_TEST="), 1u) << r.out;
  EXPECT_EQ(count_of(r.out, "NSM_EXEC_TEST=theirs\n"), 1u) << r.out;
  EXPECT_NE(r.out.find("PATH="), std::string::npos) << "the rest of ours is inherited";
}

TEST(RunProgram, AReplacedEnvironmentIsExactlyTheOneGiven) {
  ProgramOptions options;
  options.environment = {{"A", "1"}, {"B", "two"}};
  options.replace_environment = true;
  const ProgramResult r = run_program({"/usr/bin/env"}, options);
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.out, "A=1\nB=two\n");
}

TEST(RunProgram, FileOutputKeepsBothStreamsInOrder) {
  test::TempDir dir;
  const std::string log = dir.write("log", "an earlier run's log, longer than this one's\n");
  ProgramOptions options;
  options.output = Output::File;
  options.output_path = log;
  ASSERT_TRUE(run_program({"sh", "-c", "echo one; echo two >&2; echo three"}, options).ok());
  EXPECT_EQ(read_file(log).value_or(""), "one\ntwo\nthree\n");
}

TEST(RunProgram, RunsInTheGivenDirectory) {
  test::TempDir dir;
  ProgramOptions options;
  options.cwd = dir.path();
  EXPECT_EQ(run_program({"pwd"}, options).out, dir.path() + "\n");
}

TEST(RunProgram, AProgramThatCannotStartSaysWhy) {
  const ProgramResult r = run_program({"nsm-no-such-program"});
  EXPECT_FALSE(r.started());
  ASSERT_TRUE(r.status.error.has_value());
  EXPECT_EQ(r.status.error->rfind("execvp(nsm-no-such-program): ENOENT", 0), 0u) << *r.status.error;
}

TEST(RunProgram, TheDeadlineKillsTheWholeGroup) {
  ProgramOptions options;
  options.output = Output::Lines;
  options.timeout = 60s;
  pid_t straggler = 0;
  std::optional<Program> program;
  options.on_line = [&](std::string_view line) {
    straggler = std::stoi(std::string(line));
    program->deadline_in(100ms);  // from the moment the straggler exists
  };
  // The shell leaves a child behind in its group and waits for it.
  program = Program::start({"sh", "-c", "sleep 600 & echo $!; wait"}, options);
  const ProgramResult r = program->finish();
  EXPECT_EQ(r.status.end, ChildStatus::End::TimedOut);
  ASSERT_GT(straggler, 0);
  // Killed, not merely orphaned: it ends within moments (a pidfd is readable once it has).
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, straggler, 0)));
  if (!pidfd) {
    EXPECT_EQ(errno, ESRCH) << "pidfd_open";
    return;
  }
  struct pollfd p {
    pidfd.get(), POLLIN, 0
  };
  EXPECT_EQ(::poll(&p, 1, 10'000), 1) << "sleep " << straggler << " outlived its killed group";
}

std::string pgrp_of_program(bool own_group) {
  ProgramOptions options;
  options.own_group = own_group;
  const ProgramResult r = run_program({"sh", "-c", "echo $$; cut -d' ' -f5 /proc/$$/stat"}, options);
  return r.out;
}

TEST(RunProgram, OwnGroupOrOurs) {
  const std::string own = pgrp_of_program(true);
  const auto nl = own.find('\n');
  ASSERT_NE(nl, std::string::npos) << own;
  EXPECT_EQ(own.substr(0, nl + 1), own.substr(nl + 1)) << "its group is its own pid";
  const std::string ours = pgrp_of_program(false);
  EXPECT_EQ(ours.substr(ours.find('\n') + 1), std::to_string(::getpgrp()) + "\n");
}

TEST(RunProgram, ForwardsAnInterruptAndKeepsUsAlive) {
  ProgramOptions options;
  options.output = Output::Lines;
  options.forward_interrupts = true;
  options.timeout = 30s;
  options.on_line = [](std::string_view line) {
    if (line == "ready") ::raise(SIGINT);  // as a Ctrl-C would reach us
  };
  const ProgramResult r =
      run_program({"sh", "-c", "trap 'echo interrupted; exit 5' INT; echo ready; while :; do sleep 1; done"}, options);
  EXPECT_EQ(r.status.end, ChildStatus::End::Exited) << r.status.describe();
  EXPECT_EQ(r.status.exit_code, 5);
  EXPECT_EQ(r.interrupted, SIGINT);
  EXPECT_EQ(r.last_lines, (std::vector<std::string>{"ready", "interrupted"}));
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_TRUE(now.sa_handler == SIG_DFL) << "our own action is back";
}

TEST(RunProgram, GivesTheProgramMoreDescriptors) {
  auto [read_end, write_end] = make_pipe();
  ProgramOptions options;
  options.fds = {{3, write_end.get()}};
  ASSERT_TRUE(run_program({"sh", "-c", "echo hello >&3"}, options).ok());
  write_end.reset();
  char buf[16] = {};
  EXPECT_EQ(::read(read_end.get(), buf, sizeof buf), 6);
  EXPECT_STREQ(buf, "hello\n");
}

TEST(Program, ReadsLinesWhileItRunsAndItsStdinIsOurs) {
  test::TempDir dir;
  ProgramOptions options;
  options.output = Output::Read;
  options.output_path = dir / "err";
  options.stdin_pipe = true;
  options.timeout = 60s;
  Program program = Program::start(
      {"sh", "-c", "readlink /proc/$$/fd/0; echo to-err >&2; read x; echo eof; printf unended"}, options);
  const auto first = program.read_line(30s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->rfind("pipe:", 0), 0u) << *first << ": its stdin is not our pipe";
  EXPECT_EQ(program.read_line(1ms), std::nullopt) << "it waits on its stdin, and a short wait returns nothing";
  program.close_stdin();
  EXPECT_EQ(program.read_line(30s), "eof");
  const ProgramResult r = program.finish();
  EXPECT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.out, "unended") << "what was not read as a line";
  EXPECT_EQ(read_file(dir / "err").value_or(""), "to-err\n");
}

volatile sig_atomic_t g_alarms = 0;
void count_alarm(int) { g_alarms = g_alarms + 1; }

TEST(Program, ASignalHandlerOfOursEndsTheWaitForALine) {
  test::TempDir dir;
  ProgramOptions options;
  options.output = Output::Read;
  options.output_path = dir / "err";
  options.stdin_pipe = true;
  Program program = Program::start({"sh", "-c", "read x; true"}, options);
  struct sigaction action {
  }, old{};
  action.sa_handler = count_alarm;  // no SA_RESTART, as a handler that asks us to stop
  ::sigaction(SIGALRM, &action, &old);
  g_alarms = 0;
  // Every 20 ms, so that one arrives during the wait however late the wait begins.
  const struct itimerval every {
    {0, 20'000}, { 0, 20'000 }
  }, off{};
  ::setitimer(ITIMER_REAL, &every, nullptr);
  const auto started = std::chrono::steady_clock::now();
  const auto line = program.read_line(60s);
  const auto waited = std::chrono::steady_clock::now() - started;
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old, nullptr);
  EXPECT_EQ(line, std::nullopt);
  EXPECT_GT(g_alarms, 0);
  EXPECT_LT(waited, 30s) << "the wait went on past the signal";
  EXPECT_TRUE(program.finish().ok()) << "finish() closes its stdin";
}

TEST(Program, RunsInNamespacesOfItsOwnPreparedBeforeExec) {
  if (!test::is_root()) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN for a UTS namespace)";
  ProgramOptions options;
  options.clone_flags = CLONE_NEWUTS;
  options.before_exec = [] {
    if (::sethostname("nsm-exec-test", 13) != 0) throw_sys("sethostname");
  };
  const ProgramResult r = run_program({"uname", "-n"}, options);
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(r.out, "nsm-exec-test\n");
  char ours[256] = {};
  ASSERT_EQ(::gethostname(ours, sizeof ours - 1), 0);
  EXPECT_STRNE(ours, "nsm-exec-test") << "the name was set in our UTS namespace";
}

TEST(Program, ABeforeExecThatThrowsIsTheStartsFailure) {
  ProgramOptions options;
  options.before_exec = [] { throw ToolError("not this time"); };
  const ProgramResult r = run_program({"true"}, options);
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(r.status.error.has_value());
  EXPECT_NE(r.status.error->find("not this time"), std::string::npos) << *r.status.error;
}

}  // namespace
}  // namespace nsm
