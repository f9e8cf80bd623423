#include "core/channel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm {
namespace {

using namespace std::chrono_literals;

TEST(Channel, KeepsMessageBoundariesIncludingEmptyOnes) {
  auto [a, b] = Channel::make_pair();
  a.send("one");
  a.send("");
  a.send("three");
  EXPECT_EQ(b.expect(1s, "1").data, "one");
  EXPECT_EQ(b.expect(1s, "2").data, "");
  EXPECT_EQ(b.expect(1s, "3").data, "three");
}

TEST(Channel, PassesFileDescriptors) {
  auto [a, b] = Channel::make_pair();
  UniqueFd fd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  const int fds[] = {fd.get()};
  a.send("netns", fds);
  auto m = b.expect(1s, "an fd");
  ASSERT_EQ(m.fds.size(), 1u);
  struct stat x {
  }, y{};
  ::fstat(fd.get(), &x);
  ::fstat(m.fds[0].get(), &y);
  EXPECT_EQ(x.st_ino, y.st_ino);
  EXPECT_NE(fd.get(), m.fds[0].get());
}

TEST(Channel, EofWhenThePeerCloses) {
  auto [a, b] = Channel::make_pair();
  a.close();
  EXPECT_FALSE(b.recv(1s));
  EXPECT_THROW(b.expect(1s, "anything"), Error);
}

TEST(Channel, TimesOutWithTimeoutError) {
  auto [a, b] = Channel::make_pair();
  EXPECT_THROW(b.recv(20ms), TimeoutError);
}

TEST(UniqueFd, ClosesOnceAndMoves) {
  auto [r, w] = make_pipe();
  const int raw = r.get();
  UniqueFd moved = std::move(r);
  EXPECT_FALSE(r.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(moved.get(), raw);
  moved.reset();
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace nsm
