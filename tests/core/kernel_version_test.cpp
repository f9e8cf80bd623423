#include "core/kernel_version.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm {
namespace {

TEST(KernelVersion, ParsesDebianCloudRelease) {
  auto v = KernelVersion::parse("6.1.0-54-cloud-amd64");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 6);
  EXPECT_EQ(v->minor, 1);
  EXPECT_EQ(v->patch, 0);
  EXPECT_EQ(v->suffix, "-54-cloud-amd64");
  EXPECT_EQ(v->release(), "6.1.0-54-cloud-amd64");
}

TEST(KernelVersion, ParsesPlainStableRelease) {
  auto v = KernelVersion::parse("5.10.223");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->numbers(), "5.10.223");
  EXPECT_EQ(v->suffix, "");
}

TEST(KernelVersion, ParsesNewDebianScheme) {
  auto v = KernelVersion::parse("7.2.13+deb14-cloud-amd64");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->numbers(), "7.2.13");
  EXPECT_EQ(v->suffix, "+deb14-cloud-amd64");
}

TEST(KernelVersion, ParsesFirecrackerStyleRelease) {
  auto v = KernelVersion::parse("6.18.44-fc-v782");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->numbers(), "6.18.44");
  EXPECT_EQ(v->suffix, "-fc-v782");
}

TEST(KernelVersion, ParsesTwoAndFourNumberForms) {
  EXPECT_EQ(KernelVersion::must_parse("5.6").numbers(), "5.6.0");
  EXPECT_EQ(KernelVersion::must_parse("2.6.24").numbers(), "2.6.24");
  EXPECT_EQ(KernelVersion::must_parse("2.6.32.71").numbers(), "2.6.32.71");
  EXPECT_EQ(KernelVersion::must_parse("6.12-rc1").suffix, "-rc1");
}

TEST(KernelVersion, RejectsWhatIsNoVersion) {
  EXPECT_FALSE(KernelVersion::parse(""));
  EXPECT_FALSE(KernelVersion::parse("linux"));
  EXPECT_FALSE(KernelVersion::parse("6"));
  EXPECT_FALSE(KernelVersion::parse("6."));
  EXPECT_FALSE(KernelVersion::parse(".6.1"));
  EXPECT_THROW(KernelVersion::must_parse("abc"), Error);
}

TEST(KernelVersion, OrdersByNumbersNotText) {
  using V = KernelVersion;
  EXPECT_LT(V::must_parse("5.4.0"), V::must_parse("5.6"));
  EXPECT_LT(V::must_parse("5.9"), V::must_parse("5.10.223"));  // text order would say otherwise
  EXPECT_LT(V::must_parse("6.1.0-54-cloud-amd64"), V::must_parse("6.12.0"));
  EXPECT_LT(V::must_parse("6.18.44-fc-v782"), V::must_parse("7.2.13+deb14-cloud-amd64"));
  EXPECT_LT(V::must_parse("2.6.24"), V::must_parse("2.6.24.1"));
  EXPECT_EQ(V::must_parse("6.1.0-54-cloud-amd64"), V::must_parse("6.1"));  // the suffix is a label
  EXPECT_GE(V::must_parse("5.6.0"), V::must_parse("5.6"));
}

TEST(KernelVersion, RunningKernelParses) {
  const auto v = KernelVersion::running();
  EXPECT_GE(v.major, 2);
}

TEST(KernelVersion, FindsDebianUpstreamVersionInUnameV) {
  auto v = debian_upstream_version("#1 SMP PREEMPT_DYNAMIC Debian 6.1.153-1 (2025-09-20)");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->numbers(), "6.1.153");
  EXPECT_FALSE(debian_upstream_version("#1 SMP PREEMPT_DYNAMIC @0"));
}

}  // namespace
}  // namespace nsm
