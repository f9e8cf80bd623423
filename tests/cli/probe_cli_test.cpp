// `nsmatrix probe` as a user runs it: the binary, its output and its exit codes.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/results.h"
#include "tests/support/command.h"

namespace nsm {
namespace {

using testing_support::run_command;

using nsm::testing_support::nsmatrix_binary;
const std::string kFixtures = std::string(NSM_FIXTURES) + "/kconfig/";

TEST(ProbeCli, JsonMatchesProcSelfNs) {
  auto r = run_command({nsmatrix_binary(), "probe", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["namespaces"].size(), 8u);
  for (const auto& ns : j["namespaces"]) {
    const std::string path = ns["proc_ns"]["path"];
    struct stat st {};
    EXPECT_EQ(ns["proc_ns"]["present"].get<bool>(), ::stat(path.c_str(), &st) == 0) << path;
    if (ns["kconfig"]["symbol"].is_string() && std::filesystem::exists("/proc/config.gz")) {
      EXPECT_EQ(ns["kconfig"]["source"], "/proc/config.gz");
    }
  }
}

TEST(ProbeCli, TableNamesEveryType) {
  auto r = run_command({nsmatrix_binary(), "probe"}, {{"NO_COLOR", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* type : {"cgroup", "ipc", "net", "mnt", "pid", "time", "user", "uts"})
    EXPECT_NE(r.out.find(std::string("\n ") + type + " "), std::string::npos) << type;
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when not a terminal";
}

TEST(ProbeCli, WritesProbeJsonInTheResultsFormat) {
  const std::string out = testing::TempDir() + "nsm-cli-probe-" + std::to_string(::getpid()) + "/probe.json";
  auto r = run_command({nsmatrix_binary(), "probe", "--json", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << "with -o, --json writes only the file";
  const auto j = read_json_file(out, "probe");
  EXPECT_EQ(j["mode"], "running");
  std::filesystem::remove_all(std::filesystem::path(out).parent_path());
}

TEST(ProbeCli, ConfigWithoutTimeNsSaysSoAndNamesTheSymbol) {
  auto r = run_command({nsmatrix_binary(), "probe", "--config", kFixtures + "debian-6.1-notime.config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CONFIG_TIME_NS is not set"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("config-only"), std::string::npos);
}

// Bad input: one line naming the file and the problem, exit 2, no crash.
class ProbeCliBadConfig : public testing::TestWithParam<const char*> {};

TEST_P(ProbeCliBadConfig, OneLineNamingTheFile) {
  const std::string path = GetParam()[0] == '/' ? std::string(GetParam()) : kFixtures + GetParam();
  auto r = run_command({nsmatrix_binary(), "probe", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Files, ProbeCliBadConfig,
                         testing::Values("garbage.config", "truncated.config.gz", "/nonexistent/nsm.config", "/"));

TEST(ProbeCli, MissingKconfigPathIsAnError) {
  auto r = run_command({nsmatrix_binary(), "probe"}, {{"KCONFIG_PATH", "/nonexistent/nsm.config"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/nsm.config"), std::string::npos);
}

TEST(ProbeCli, HelpTeaches) {
  auto r = run_command({nsmatrix_binary(), "probe", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--config"), std::string::npos);
}

TEST(ProbeCli, UnknownOptionIsBadInput) {
  EXPECT_EQ(run_command({nsmatrix_binary(), "probe", "--no-such-option"}).exit_code, 2);
}

}  // namespace
}  // namespace nsm
