// `nsmatrix probe --config FILE`: verdicts from Kconfig and the version alone.
#include <gtest/gtest.h>

#include "core/error.h"
#include "probes/probe_report.h"

namespace nsm {
namespace {

const std::string kFixtures = std::string(NSM_FIXTURES) + "/kconfig/";

const NamespaceProbe& find(const ProbeReport& r, NsType t) {
  for (const auto& p : r.namespaces)
    if (p.type == t) return p;
  throw ToolError("type missing from the report");
}

ProbeReport judge(const std::string& file) {
  ProbeOptions options;
  options.config_only = kFixtures + file;
  return run_probe(options);
}

TEST(ConfigOnly, ConfigWithoutTimeNsReportsTimeUnsupportedNamingTheSymbol) {
  const auto r = judge("debian-6.1-notime.config");
  EXPECT_EQ(r.mode, "config-only");
  const auto& time = find(r, NsType::Time);
  EXPECT_EQ(time.verdict, Verdict::Unsupported);
  EXPECT_NE(time.reason.find("CONFIG_TIME_NS is not set"), std::string::npos) << time.reason;
  EXPECT_EQ(time.kconfig.value, "n");
  EXPECT_EQ(time.believed, "kconfig");
  EXPECT_FALSE(time.attempt) << "config-only runs nothing";
  for (const auto& p : r.namespaces) {
    if (p.type != NsType::Time) {
      EXPECT_EQ(p.verdict, Verdict::Supported) << ns_name(p.type);
    }
  }
  const auto j = r.to_json();
  EXPECT_EQ(j["mode"], "config-only");
  EXPECT_FALSE(j.contains("process"));
  EXPECT_FALSE(j["namespaces"][5].contains("attempt"));
}

TEST(ConfigOnly, DebianConfigsSupportAllEight) {
  for (const char* file :
       {"debian-5.10-cloud.config", "debian-6.1-cloud.config", "debian-6.12-cloud.config", "debian-7.x-cloud.config"}) {
    const auto r = judge(file);
    for (const auto& p : r.namespaces)
      EXPECT_EQ(p.verdict, Verdict::Supported) << file << " " << ns_name(p.type) << ": " << p.reason;
  }
}

TEST(ConfigOnly, OldKernelVersionExplainsAbsentSymbol) {
  // A 5.4 header: CONFIG_TIME_NS did not exist yet, so "absent" is explained by the version.
  const auto r = judge("linux-5.4-header.config");
  const auto& time = find(r, NsType::Time);
  EXPECT_EQ(time.verdict, Verdict::Unsupported);
  EXPECT_EQ(time.kconfig.value, "absent");
  EXPECT_NE(time.reason.find("5.4.0 < 5.6"), std::string::npos) << time.reason;
  EXPECT_EQ(time.believed, "version");
  EXPECT_EQ(find(r, NsType::Cgroup).verdict, Verdict::Supported);
}

TEST(ConfigOnly, FeaturesFollowVersionAndKconfig) {
  const auto r = judge("debian-6.1-notime.config");
  for (const auto& f : r.features) {
    if (f.id == "probe.clone3-newtime") {
      EXPECT_EQ(f.verdict, Verdict::Unsupported);
      EXPECT_NE(f.reason.find("CONFIG_TIME_NS"), std::string::npos);
    }
    if (f.id == "probe.clone3") {
      EXPECT_EQ(f.verdict, Verdict::Supported);
    }
  }
}

TEST(ConfigOnly, GarbageConfigIsAnErrorNamingTheFile) {
  try {
    judge("garbage.config");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.config"), std::string::npos);
  }
}

}  // namespace
}  // namespace nsm
