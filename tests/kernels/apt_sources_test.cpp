#include "vm/kernels/apt_sources.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"
#include "vm/kernels/apt_client.h"

namespace nsm::vm {
namespace {

// Mirror names here are placeholders of the test, never used to fetch anything.
constexpr const char* kDeb822 = R"(Types: deb
# a comment inside a stanza
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://vendor.invalid/node
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/vendor.gpg

Types: deb
URIs: http://disabled.invalid/debian
Suites: bookworm
Components: main
Enabled: no
)";

constexpr const char* kOneLine = R"(# the classic format
deb [arch=amd64 signed-by=/etc/apt/keyrings/local.gpg] http://local.invalid/debian bullseye main contrib
deb-src http://local.invalid/debian bullseye main
deb http://local.invalid/security bullseye-security main  # trailing comment
)";

TEST(AptSources, ParsesDeb822) {
  const auto sources = parse_deb822_sources(kDeb822, "debian.sources");
  ASSERT_EQ(sources.size(), 4u);
  EXPECT_EQ(sources[0].uris, std::vector<std::string>{"http://mirror.invalid/debian"});
  EXPECT_EQ(sources[0].suites, (std::vector<std::string>{"bookworm", "bookworm-updates"}));
  EXPECT_EQ(sources[0].signed_by, "/usr/share/keyrings/debian-archive-keyring.gpg");
  EXPECT_EQ(sources[0].origin, "debian.sources:1");
  EXPECT_TRUE(sources[0].enabled);
  EXPECT_FALSE(sources[3].enabled);
}

TEST(AptSources, ParsesOneLineFormat) {
  const auto sources = parse_one_line_sources(kOneLine, "sources.list");
  ASSERT_EQ(sources.size(), 3u);
  EXPECT_EQ(sources[0].types, std::vector<std::string>{"deb"});
  EXPECT_EQ(sources[0].signed_by, "/etc/apt/keyrings/local.gpg");
  EXPECT_EQ(sources[0].suites, std::vector<std::string>{"bullseye"});
  EXPECT_EQ(sources[0].components, (std::vector<std::string>{"main", "contrib"}));
  EXPECT_EQ(sources[1].types, std::vector<std::string>{"deb-src"});
  EXPECT_EQ(sources[2].uris, std::vector<std::string>{"http://local.invalid/security"});
  EXPECT_EQ(sources[2].origin, "sources.list:4");
}

TEST(AptSources, MalformedLinesAreErrorsNamingThem) {
  EXPECT_THROW(parse_one_line_sources("deb\n", "s.list"), Error);
  EXPECT_THROW(parse_one_line_sources("rpm http://x/ y main\n", "s.list"), Error);
  EXPECT_THROW(parse_one_line_sources("deb [signed-by=/k http://x/ y main\n", "s.list"), Error);
  try {
    parse_deb822_sources("Types: deb\nthis line has no colon\n", "x.sources");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.sources:2"), std::string::npos) << e.what();
  }
}

TEST(AptSources, DerivesOtherSuitesFromTheSameMirror) {
  const auto machine = parse_deb822_sources(kDeb822, "debian.sources");
  const std::string derived = derive_sources(machine, {"bullseye", "sid", "bookworm-backports", "trixie-security"});
  const auto parsed = parse_deb822_sources(derived, "derived");
  ASSERT_EQ(parsed.size(), 4u);
  for (const auto& s : parsed) {
    ASSERT_EQ(s.suites.size(), 1u);
    const bool security = s.suites[0] == "trixie-security";
    EXPECT_EQ(s.uris, std::vector<std::string>{security ? "http://mirror.invalid/debian-security"
                                                        : "http://mirror.invalid/debian"})
        << s.suites[0];
    EXPECT_EQ(s.components, std::vector<std::string>{"main"});
    EXPECT_EQ(s.signed_by, "/usr/share/keyrings/debian-archive-keyring.gpg");
  }
  // Neither the vendor's nor the disabled entry leaks in.
  EXPECT_EQ(derived.find("vendor.invalid"), std::string::npos);
  EXPECT_EQ(derived.find("disabled.invalid"), std::string::npos);
}

TEST(AptSources, DerivesFromOneLineSourcesWithTheirKeyring) {
  const auto machine = parse_one_line_sources(kOneLine, "sources.list");
  const auto parsed = parse_deb822_sources(derive_sources(machine, {"bookworm", "bookworm-security"}), "derived");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].uris, std::vector<std::string>{"http://local.invalid/debian"});
  EXPECT_EQ(parsed[0].signed_by, "/etc/apt/keyrings/local.gpg");
  EXPECT_EQ(parsed[1].uris, std::vector<std::string>{"http://local.invalid/security"});
  // No Signed-By on the machine: Debian's archive keyring.
  EXPECT_EQ(parsed[1].signed_by, "/usr/share/keyrings/debian-archive-keyring.gpg");
}

TEST(AptSources, NoDebianEntryIsAClearError) {
  const auto machine = parse_deb822_sources("Types: deb\nURIs: https://vendor.invalid/x\nSuites: nodistro\n", "v");
  try {
    derive_sources(machine, {"sid"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("suite 'sid'"), std::string::npos) << e.what();
  }
  // Only a main archive, no security entry: security suites cannot be derived.
  EXPECT_THROW(
      derive_sources(parse_one_line_sources("deb http://m.invalid/debian bookworm main\n", "s"), {"bullseye-security"}),
      Error);
}

TEST(AptSources, ReadsBothFormatsFromAnEtcDirectory) {
  test::TempDir etc;
  etc.write("sources.list", kOneLine);
  etc.write("sources.list.d/debian.sources", kDeb822);
  etc.write("sources.list.d/ignored.sources.disabled", "garbage that apt ignores too");
  const auto sources = read_machine_sources(etc.path());
  EXPECT_EQ(sources.size(), 7u);
}

TEST(AptSources, IsDebianSuite) {
  EXPECT_TRUE(is_debian_suite("bookworm-backports"));
  EXPECT_TRUE(is_debian_suite("sid"));
  EXPECT_TRUE(is_debian_suite("stable-security"));
  EXPECT_FALSE(is_debian_suite("nodistro"));
  EXPECT_FALSE(is_debian_suite("jammy"));
}

TEST(AptClient, ParsesAPackageStanza) {
  const auto p = parse_package_stanza(
      "Package: linux-image-7.2.13+deb14-cloud-amd64\nVersion: 7.2.13-1\nInstalled-Size: 15\n"
      "Depends: dracut | initramfs-tools (>= 0.120+deb8u2), linux-binary-7.2.13+deb14-cloud-amd64 (= 7.2.13-1)\n"
      "Filename: pool/main/l/x.deb\nSize: 1916\nDescription: Linux\n continued\n\nPackage: second\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "linux-image-7.2.13+deb14-cloud-amd64");
  EXPECT_EQ(p->version, "7.2.13-1");
  EXPECT_EQ(p->size, 1916);
  EXPECT_EQ(p->depends,
            (std::vector<std::string>{"dracut", "initramfs-tools", "linux-binary-7.2.13+deb14-cloud-amd64"}));
  EXPECT_FALSE(parse_package_stanza("W: nothing here\n"));
}

TEST(AptClient, PointsAptAtItsPrivateState) {
  test::TempDir root;
  AptClient client(root.path(), "Types: deb\n");
  const auto options = client.options();
  auto has = [&](const std::string& o) { return std::find(options.begin(), options.end(), o) != options.end(); };
  EXPECT_TRUE(has("Dir::State=" + root.path() + "/state"));
  EXPECT_TRUE(has("Dir::Cache=" + root.path() + "/cache"));
  EXPECT_TRUE(has("Dir::Etc::sourceparts=" + root.path() + "/etc/sources.list.d"));
  EXPECT_TRUE(has("Dir::Etc::sourcelist=/dev/null"));
  EXPECT_TRUE(has("Dir::State::status=" + root.path() + "/state/status"));
}

}  // namespace
}  // namespace nsm::vm
