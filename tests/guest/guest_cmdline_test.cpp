#include "vm/protocol/guest_cmdline.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm::vm {
namespace {

TEST(GuestCmdline, RoundTripsThroughAKernelCommandLine) {
  GuestOptions options;
  options.stages = {"probe", "bench"};
  options.bench_quick = false;
  options.stage_timeout_seconds = 42;
  options.deadline_seconds = 50;
  options.lie = "cgroup";
  const std::string cmdline = "console=ttyS0 panic=-1 " + guest_kernel_words(options) + " quiet\n";
  EXPECT_NE(cmdline.find("nsmatrix.guest=1"), std::string::npos);
  const GuestOptions back = parse_guest_options(cmdline);
  EXPECT_EQ(back.stages, options.stages);
  EXPECT_FALSE(back.bench_quick);
  EXPECT_EQ(back.stage_timeout_seconds, 42);
  EXPECT_EQ(back.deadline_seconds, 50);
  EXPECT_EQ(back.lie, "cgroup");
}

TEST(GuestCmdline, NoStagesIsNone) {
  GuestOptions options;
  options.stages.clear();
  EXPECT_NE(guest_kernel_words(options).find("nsmatrix.stages=none"), std::string::npos);
  EXPECT_TRUE(parse_guest_options(guest_kernel_words(options)).stages.empty());
}

TEST(GuestCmdline, DefaultsWithoutWords) {
  const GuestOptions o = parse_guest_options("console=ttyS0");
  EXPECT_EQ(o.stages, (std::vector<std::string>{"probe", "conformance", "bench"}));
  EXPECT_TRUE(o.bench_quick);
  EXPECT_TRUE(o.lie.empty()) << "no lie unless asked for";
  EXPECT_EQ(guest_kernel_words(GuestOptions{}).find("nsmatrix.lie"), std::string::npos);
}

TEST(GuestCmdline, BadValuesAreErrors) {
  EXPECT_THROW(parse_guest_options("nsmatrix.stages=probe,reboot"), Error);
  EXPECT_THROW(parse_guest_options("nsmatrix.bench=fast"), Error);
  EXPECT_THROW(parse_guest_options("nsmatrix.stage_timeout=-3"), Error);
  EXPECT_THROW(parse_guest_options("nsmatrix.deadline=soon"), Error);
  EXPECT_THROW(parse_guest_options("nsmatrix.lie=everything"), Error);
  GuestOptions bad;
  bad.stages = {"rm"};
  EXPECT_THROW(guest_kernel_words(bad), Error);
  GuestOptions bad_lie;
  bad_lie.lie = "net;reboot";
  EXPECT_THROW(guest_kernel_words(bad_lie), Error);
}

}  // namespace
}  // namespace nsm::vm
