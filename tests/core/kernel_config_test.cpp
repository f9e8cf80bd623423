#include "core/kernel_config.h"

#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm {
namespace {

const std::string kFixtures = std::string(NSM_FIXTURES) + "/kconfig/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "nsm-kconfig-" + std::to_string(::getpid()) + "-" + name;
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

void write_gzip(const std::string& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
}

// Expects load() to fail with one message that names the file.
std::string load_error(const std::string& path) {
  try {
    KernelConfig::load(path);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "loading " << path << " did not fail";
  return "";
}

TEST(KernelConfig, TristateDistinguishesYesModuleNoAndAbsent) {
  auto cfg = KernelConfig::parse(
      "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.1.192 Kernel Configuration\n#\n"
      "CONFIG_NET_NS=y\nCONFIG_VETH=m\n# CONFIG_TIME_NS is not "
      "set\nCONFIG_LOCALVERSION=\"-cloud\"\nCONFIG_NR_CPUS=64\n",
      "inline");
  EXPECT_EQ(cfg.tristate("CONFIG_NET_NS"), Tristate::Yes);
  EXPECT_EQ(cfg.tristate("CONFIG_VETH"), Tristate::Module);
  EXPECT_EQ(cfg.tristate("CONFIG_TIME_NS"), Tristate::No);
  EXPECT_EQ(cfg.tristate("CONFIG_NETKIT"), Tristate::Absent);
  EXPECT_EQ(cfg.value("CONFIG_LOCALVERSION"), "\"-cloud\"");
  EXPECT_EQ(cfg.value("CONFIG_NR_CPUS"), "64");
  EXPECT_FALSE(cfg.value("CONFIG_TIME_NS"));
  EXPECT_EQ(cfg.line("CONFIG_TIME_NS"), "# CONFIG_TIME_NS is not set");
  EXPECT_EQ(cfg.line("CONFIG_NETKIT"), "");
  EXPECT_EQ(cfg.header_version(), "6.1.192");
}

TEST(KernelConfig, LaterLineWins) {
  auto cfg = KernelConfig::parse("CONFIG_TIME_NS=y\n# CONFIG_TIME_NS is not set\n", "inline");
  EXPECT_EQ(cfg.tristate("CONFIG_TIME_NS"), Tristate::No);
}

TEST(KernelConfig, NoHeaderMeansNoVersion) {
  auto cfg = KernelConfig::parse("CONFIG_NET_NS=y\n", "inline");
  EXPECT_FALSE(cfg.header_version());
}

struct DebianFixture {
  const char* file;
  const char* header_version;
  Tristate time_ns;
};

class DebianConfigs : public testing::TestWithParam<DebianFixture> {};

// Small cuts of real Debian configs (see tests/fixtures/kconfig/README.md).
TEST_P(DebianConfigs, ReadsNamespaceSymbolsAndVersion) {
  const auto& f = GetParam();
  auto cfg = KernelConfig::load(kFixtures + f.file);
  EXPECT_EQ(cfg.header_version(), f.header_version);
  EXPECT_EQ(cfg.tristate("CONFIG_TIME_NS"), f.time_ns);
  for (const char* symbol : {"CONFIG_NAMESPACES", "CONFIG_UTS_NS", "CONFIG_IPC_NS", "CONFIG_USER_NS", "CONFIG_PID_NS",
                             "CONFIG_NET_NS", "CONFIG_CGROUPS"})
    EXPECT_EQ(cfg.tristate(symbol), Tristate::Yes) << symbol;
  EXPECT_EQ(cfg.tristate("CONFIG_VETH"), Tristate::Module);
  EXPECT_EQ(cfg.tristate("CONFIG_NSMATRIX_NO_SUCH_SYMBOL"), Tristate::Absent);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DebianConfigs,
                         testing::Values(DebianFixture{"debian-5.10-cloud.config", "5.10.223", Tristate::Yes},
                                         DebianFixture{"debian-6.1-cloud.config", "6.1.192", Tristate::Yes},
                                         DebianFixture{"debian-6.12-cloud.config", "6.12.118", Tristate::Yes},
                                         DebianFixture{"debian-7.x-cloud.config", "7.2.13", Tristate::Yes},
                                         DebianFixture{"debian-6.1-notime.config", "6.1.192", Tristate::No}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(KernelConfig, GzipAndPlainReadTheSame) {
  const std::string text = slurp(kFixtures + "debian-6.1-cloud.config");
  const std::string gz = temp_path("config.gz");
  write_gzip(gz, text);
  auto a = KernelConfig::load(kFixtures + "debian-6.1-cloud.config");
  auto b = KernelConfig::load(gz);
  EXPECT_EQ(a.symbol_count(), b.symbol_count());
  EXPECT_EQ(b.tristate("CONFIG_TIME_NS"), Tristate::Yes);
  EXPECT_EQ(b.source(), gz);
  std::remove(gz.c_str());
}

TEST(KernelConfig, CommittedGzipFixtureReads) {
  auto cfg = KernelConfig::load(kFixtures + "debian-6.12-cloud.config.gz");
  EXPECT_EQ(cfg.header_version(), "6.12.118");
}

TEST(KernelConfig, TruncatedGzipIsAClearError) {
  const std::string gz = temp_path("truncated.gz");
  write_gzip(gz, slurp(kFixtures + "debian-6.1-cloud.config"));
  const std::string whole = slurp(gz);
  write(gz, whole.substr(0, whole.size() / 2));
  EXPECT_NE(load_error(gz).find("truncated"), std::string::npos);
  std::remove(gz.c_str());
}

TEST(KernelConfig, CommittedTruncatedFixtureIsAClearError) {
  EXPECT_NE(load_error(kFixtures + "truncated.config.gz").find("truncated"), std::string::npos);
}

TEST(KernelConfig, GarbageIsAClearError) {
  EXPECT_NE(load_error(kFixtures + "garbage.config").find("not a kernel config"), std::string::npos);
  const std::string binary = temp_path("binary");
  write(binary, std::string("\x7f"
                            "ELF\0\0\x01\x02",
                            8));
  EXPECT_NE(load_error(binary).find("binary"), std::string::npos);
  std::remove(binary.c_str());
}

TEST(KernelConfig, EmptyOrCommentOnlyIsNotAConfig) {
  const std::string empty = temp_path("empty");
  write(empty, "");
  EXPECT_NE(load_error(empty).find("no CONFIG_ symbols"), std::string::npos);
  write(empty, "# just a comment\n\n");
  EXPECT_NE(load_error(empty).find("no CONFIG_ symbols"), std::string::npos);
  std::remove(empty.c_str());
}

TEST(KernelConfig, MissingAndDirectoryAreClearErrors) {
  EXPECT_NE(load_error("/nonexistent/nsm-config").find("ENOENT"), std::string::npos);
  EXPECT_NE(load_error("/").find("directory"), std::string::npos);
}

TEST(KernelConfig, BadLineIsNamedByNumber) {
  try {
    KernelConfig::parse("CONFIG_A=y\nCONFIG_B\n", "x.config");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.config: line 2"), std::string::npos) << e.what();
  }
}

TEST(KernelConfigLookup, ExplicitPathIsTheOnlyCandidate) {
  auto lookup = find_kernel_config(std::string("/nonexistent/cfg"), "6.1.0");
  EXPECT_EQ(lookup.tried, std::vector<std::string>{"/nonexistent/cfg"});
  EXPECT_FALSE(lookup.config);
  ASSERT_TRUE(lookup.error);
  EXPECT_NE(lookup.error->find("ENOENT"), std::string::npos);
}

TEST(KernelConfigLookup, FollowsLtpOrder) {
  auto lookup = find_kernel_config(std::nullopt, "0.0.0-nsmatrix-none");
  ASSERT_FALSE(lookup.tried.empty());
  EXPECT_EQ(lookup.tried.front(), "/proc/config.gz");
  if (!lookup.config) {
    EXPECT_EQ(lookup.tried, (std::vector<std::string>{
                                "/proc/config.gz", "/lib/modules/0.0.0-nsmatrix-none/build/.config",
                                "/lib/modules/0.0.0-nsmatrix-none/config", "/boot/config-0.0.0-nsmatrix-none"}));
  } else {
    EXPECT_EQ(lookup.config->source(), "/proc/config.gz");  // found first: the search stopped
  }
}

}  // namespace
}  // namespace nsm
