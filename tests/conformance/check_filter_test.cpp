// --filter: check ids and globs of them as the report shows them, and GoogleTest names,
// turned into the exact list of tests the suite runs.
#include "conformance/driver/check_filter.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm::conformance {
namespace {

const nlohmann::json kListing = nlohmann::json::parse(R"([
  {"id": "uts.hostname.stays-inside", "test": "UtsNamespace.HostnameStaysInside"},
  {"id": "uts.limits.hostname-64-bytes", "test": "UtsLimits.Hostname64Bytes"},
  {"id": "uts.gap.uname-release-shared", "test": "ProcGap.UnameReleaseIsShared"},
  {"id": "proc.gap.boot-id-shared", "test": "ProcGap.BootIdIsShared"},
  {"id": "user.maps.setgroups-deny-first", "test": "UserNamespace.SetgroupsDenyFirst"},
  {"id": "net.fresh.loopback-only", "test": "NetNamespace.FreshHasOnlyLoopbackDown"}
])");

TEST(CheckFilter, GlobsOfIdsAsTheReportShowsThem) {
  EXPECT_EQ(gtest_filter_for("uts.*", kListing),
            "UtsNamespace.HostnameStaysInside:UtsLimits.Hostname64Bytes:ProcGap.UnameReleaseIsShared");
  EXPECT_EQ(gtest_filter_for("*.gap.*", kListing), "ProcGap.UnameReleaseIsShared:ProcGap.BootIdIsShared");
  EXPECT_EQ(gtest_filter_for("net.fresh.loopback-only", kListing), "NetNamespace.FreshHasOnlyLoopbackDown");
}

TEST(CheckFilter, DashesInsideAnIdAreNotExclusions) {
  EXPECT_EQ(gtest_filter_for("user.maps.setgroups-deny-first", kListing), "UserNamespace.SetgroupsDenyFirst");
  EXPECT_EQ(gtest_filter_for("*-deny-*", kListing), "UserNamespace.SetgroupsDenyFirst");
}

TEST(CheckFilter, GoogleTestNamesStillWork) {
  EXPECT_EQ(gtest_filter_for("UtsNamespace.*:ProcGap.BootIdIsShared", kListing),
            "UtsNamespace.HostnameStaysInside:ProcGap.BootIdIsShared");
  EXPECT_EQ(gtest_filter_for("ProcGap.*-*BootId*", kListing), "ProcGap.UnameReleaseIsShared");
  EXPECT_EQ(gtest_filter_for("-*Namespace.*:*Limits*", kListing),
            "ProcGap.UnameReleaseIsShared:ProcGap.BootIdIsShared");
}

TEST(CheckFilter, IdsAndNamesMixAndExclude) {
  EXPECT_EQ(gtest_filter_for("uts.*:NetNamespace.*:-*.gap.*:uts.limits.*", kListing),
            "UtsNamespace.HostnameStaysInside:NetNamespace.FreshHasOnlyLoopbackDown");
}

TEST(CheckFilter, AFilterThatSelectsNothingIsBadInput) {
  EXPECT_THROW(gtest_filter_for("no.such.*", kListing), InputError);
  EXPECT_THROW(gtest_filter_for("-*", kListing), InputError);  // everything excluded
  try {
    gtest_filter_for("Uts.*", kListing);
    FAIL() << "no check is named Uts.*";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'Uts.*' selects no check"), std::string::npos) << e.what();
  }
}

TEST(CheckFilter, GlobMatching) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*.gap.*", "proc.gap.boot-id-shared"));
  EXPECT_FALSE(glob_match("*.gap.*", "proc.gapless"));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
}

}  // namespace
}  // namespace nsm::conformance
