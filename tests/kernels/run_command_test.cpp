#include "vm/kernels/run_command.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/spawn.h"
#include "tests/support/kernel_fixtures.h"
#include "tests/support/temp_dir.h"

namespace nsm::vm {
namespace {

TEST(RunCommand, StreamsLinesAndReportsTheExitCode) {
  std::vector<std::string> lines;
  CommandOptions options;
  options.env = {{"NSM_TEST_WORD", "hello"}};
  const auto result = run_command({"sh", "-c", "echo \"$NSM_TEST_WORD\"; echo oops >&2; printf 'no newline'; exit 3"},
                                  options, [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines, (std::vector<std::string>{"hello", "oops", "no newline"}));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.describe(), "exited with status 3: no newline");
}

TEST(RunCommand, RunsInTheGivenDirectoryWithStdinClosed) {
  test::TempDir dir;
  CommandOptions options;
  options.cwd = dir.path();
  std::vector<std::string> lines;
  const auto result =
      run_command({"sh", "-c", "pwd; cat"}, options, [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(lines, std::vector<std::string>{dir.path()});
}

TEST(RunCommand, KeepsTheLastLinesAndTheLastRedrawOfALine) {
  CommandOptions options;
  options.keep_lines = 2;
  const auto result = run_command({"sh", "-c", "echo 1; echo 2; printf '10%%\\r50%%\\r100%%\\n'"}, options, nullptr);
  EXPECT_EQ(result.last_lines, (std::vector<std::string>{"2", "100%"}));
}

TEST(RunCommand, MissingProgramIsAClearError) {
  try {
    run_command({"nsm-no-such-program"}, {}, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nsm-no-such-program: program not found in PATH"), std::string::npos);
  }
}

TEST(RunCommand, ProgramIsKilledWhenTheCallerGivesUp) {
  pid_t pid = 0;
  EXPECT_THROW(run_command({"sh", "-c", "echo $$; exec sleep 600"}, {},
                           [&](std::string_view l) {
                             pid = std::stoi(std::string(l));
                             throw ToolError("stop");
                           }),
               Error);
  ASSERT_GT(pid, 0);
  // Reaped by the time run_command returned: the pid no longer exists.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

// SIGTERM to us (as to `nsmatrix kernels build`) ends the program's whole group, not only
// the program: a sub-make or compiler is not our child, so PDEATHSIG never reaches it.
TEST(RunCommand, SigtermEndsTheProgramsWholeGroupThenUs) {
  nsm::test::TempDir dir;
  const std::string pid_file = dir / "grandchild.pid";
  // A child of the spawner, not a death test: the sleep would hold a death test's pipe open.
  SpawnOptions options;
  options.timeout = std::chrono::seconds(60);
  const ChildStatus status = Child::spawn(options, [&](Channel&) {
                               run_command({"sh", "-c", "sleep 600 & echo $! > " + pid_file + "; echo started; wait"},
                                           {}, [](std::string_view l) {
                                             if (l == "started") ::kill(::getpid(), SIGTERM);
                                           });
                               return 0;  // not reached: run_command raises the signal once the program has ended
                             }).wait();
  EXPECT_TRUE(status.end == ChildStatus::End::Signaled && status.signal == SIGTERM) << status.describe();
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  ASSERT_GT(grandchild, 0);
  // The grandchild got SIGTERM with its group; it may take a moment to be scheduled and die.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0));
  if (pidfd < 0) {
    EXPECT_EQ(errno, ESRCH);
    return;
  }
  struct pollfd p {
    pidfd, POLLIN, 0
  };
  const int ready = ::poll(&p, 1, 30'000);
  if (ready != 1) ::kill(grandchild, SIGKILL);
  ::close(pidfd);
  EXPECT_EQ(ready, 1) << "the program's own child (sleep) outlived the interrupted command";
}

}  // namespace
}  // namespace nsm::vm
