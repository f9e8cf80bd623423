#include "core/error.h"

#include <cerrno>

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
  EXPECT_EQ(std::string(e.what()), "unshare(CLONE_NEWUSER): EPERM (Operation not permitted) \u2014 kernel.unprivileged_userns_clone=0");
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

}  // namespace
}  // namespace nsm
