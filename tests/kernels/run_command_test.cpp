#include "vm/kernels/run_command.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <cerrno>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"

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
  const auto result = run_command({"sh", "-c", "pwd; cat"}, options, [&](std::string_view l) { lines.emplace_back(l); });
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

}  // namespace
}  // namespace nsm::vm
