#include "core/error.h"

#include <cerrno>
#include <string>
#include <type_traits>

#include "core/results.h"

#include <gtest/gtest.h>

namespace nsm {
namespace {

TEST(Error, NamesErrnos) {
  EXPECT_EQ(errno_name(EPERM), "EPERM");
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(ENOSPC), "ENOSPC");
  EXPECT_EQ(errno_name(99999), "E99999");
}

TEST(Error, SysErrorSaysCallErrnoAndContext) {
  SysError e("unshare(CLONE_NEWUSER)", EPERM, "kernel.unprivileged_userns_clone=0");
  EXPECT_EQ(std::string(e.what()),
            "unshare(CLONE_NEWUSER): EPERM (Operation not permitted) \u2014 kernel.unprivileged_userns_clone=0");
  EXPECT_EQ(e.err(), EPERM);
  EXPECT_EQ(e.call(), "unshare(CLONE_NEWUSER)");
}

TEST(Error, ThrowSysUsesErrno) {
  errno = ENOENT;
  try {
    throw_sys("open(/x)");
    FAIL() << "throw_sys returned";
  } catch (const SysError& e) {
    EXPECT_EQ(e.err(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("open(/x): ENOENT"), std::string::npos);
  }
}

// The exit code follows the type, so every throw must name one: the base is not
// constructible, a timeout is the tool's failure, a results file that cannot be used is
// bad input, and a lying kernel is neither (only the judges catch it).
TEST(Error, EveryThrowSaysWhoseFaultItIs) {
  static_assert(!std::is_constructible_v<Error, std::string>);
  static_assert(!std::is_constructible_v<Error, const char*>);
  static_assert(std::is_base_of_v<Error, InputError> && std::is_base_of_v<Error, ToolError>);
  static_assert(!std::is_base_of_v<InputError, ToolError> && !std::is_base_of_v<ToolError, InputError>);
  static_assert(std::is_base_of_v<ToolError, TimeoutError>);
  static_assert(std::is_base_of_v<InputError, ResultsError>);
  static_assert(!std::is_base_of_v<Error, KernelFault> && !std::is_base_of_v<Error, SysError>);
  try {
    throw TimeoutError("no answer within 5 ms");
  } catch (const Error& e) {
    EXPECT_NE(dynamic_cast<const ToolError*>(&e), nullptr);
    EXPECT_EQ(dynamic_cast<const InputError*>(&e), nullptr);
    EXPECT_STREQ(e.what(), "no answer within 5 ms");
  }
}

}  // namespace
}  // namespace nsm
