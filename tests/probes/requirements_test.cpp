#include "probes/requirements.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/proc.h"

namespace nsm {
namespace {

TEST(Requirements, NothingNeededIsMet) { EXPECT_FALSE(unmet_requirement({})); }

TEST(Requirements, GuestOnlySkipsOnAHostWithTheReason) {
  Requirements needs;
  needs.guest_only = true;
  const auto why = unmet_requirement(needs);
  if (is_guest()) {
    EXPECT_FALSE(why);
  } else {
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("guest-only"), std::string::npos);
    EXPECT_NE(why->find("nsmatrix.guest=1"), std::string::npos);
  }
}

TEST(Requirements, RootMatchesTheProcess) {
  Requirements needs;
  needs.root = true;
  const auto why = unmet_requirement(needs);
  EXPECT_EQ(why.has_value(), ::geteuid() != 0);
  if (why) {
    EXPECT_NE(why->find("needs root"), std::string::npos);
  }
}

TEST(Requirements, FutureKernelIsNamed) {
  Requirements needs;
  needs.min_kernel = "99.0";
  const auto why = unmet_requirement(needs);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("< 99.0"), std::string::npos) << *why;
}

TEST(Requirements, AbsentKconfigSymbolIsNamed) {
  Requirements needs;
  needs.kconfig = {"CONFIG_NSMATRIX_NO_SUCH_SYMBOL"};
  const auto why = unmet_requirement(needs);
  if (!read_file("/proc/config.gz")) GTEST_SKIP() << "no /proc/config.gz on this kernel";
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CONFIG_NSMATRIX_NO_SUCH_SYMBOL is absent"), std::string::npos) << *why;
}

TEST(Requirements, UnknownLinkKindIsAnError) {
  Requirements needs;
  needs.link_kinds = {"nsm-no-such-kind"};
  EXPECT_TRUE(unmet_requirement(needs));
}

TEST(Requirements, UnknownFeatureIsAnError) {
  Requirements needs;
  needs.features = {"probe.nsm-no-such-feature"};
  const auto why = unmet_requirement(needs);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("unknown feature 'probe.nsm-no-such-feature'"), std::string::npos) << *why;
}

TEST(Requirements, FeatureNeedFollowsTheFeatureProbe) {
  // clone3 exists on every kernel this suite supports natively (5.3+); when the probe says
  // otherwise, the reason names the probe's title.
  Requirements needs;
  needs.features = {"probe.clone3"};
  const auto why = unmet_requirement(needs);
  if (why) {
    EXPECT_NE(why->find("clone3"), std::string::npos) << *why;
  }
}

// On this machine every type exists: a namespace requirement that the kernel meets is met
// for root; for an unprivileged caller it is met when rootless namespaces work.
TEST(Requirements, SupportedNamespaceIsMet) {
  Requirements needs;
  needs.namespaces = {NsType::Uts};
  const auto why = unmet_requirement(needs);
  if (why) {
    EXPECT_NE(why->find("uts namespaces"), std::string::npos) << *why;
  }
  if (::geteuid() == 0) {
    EXPECT_FALSE(why) << why.value_or("");
  }
}

}  // namespace
}  // namespace nsm
