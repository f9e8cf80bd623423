#include "vm/kernels/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"

namespace nsm::vm {
namespace {

std::string error_of(const std::string& text, const std::string& base_dir = "/tmp") {
  try {
    parse_manifest(text, "m.json", base_dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string with_kernels(const std::string& kernels) {
  return R"({"schema_version": 1, "kind": "kernels", "kernels": [)" + kernels + "]}";
}

TEST(Manifest, BuiltInHasTheDefaultMatrix) {
  const auto kernels = load_manifest(std::nullopt);
  std::set<std::string> suites, ids;
  int debian = 0, builds = 0;
  for (const auto& k : kernels) {
    ids.insert(k.id);
    EXPECT_EQ(k.manifest, "built-in");
    if (k.type == SourceType::Debian) {
      ++debian;
      suites.insert(k.suite);
      // Tracks, not pins: the archive drops an ABI-named package within weeks.
      EXPECT_TRUE(k.is_track()) << k.id;
      EXPECT_TRUE(k.package.empty()) << k.id;
    }
    if (k.type == SourceType::Build) {
      ++builds;
      EXPECT_TRUE(k.fragment.starts_with("built-in:fragments/")) << k.fragment;
      EXPECT_FALSE(k.fragment_text.empty());
    }
  }
  EXPECT_EQ(ids.size(), kernels.size());
  EXPECT_GE(debian, 6);
  EXPECT_GE(builds, 2);
  for (const char* suite : {"bullseye", "bookworm", "trixie", "sid"}) EXPECT_TRUE(suites.contains(suite)) << suite;
  EXPECT_NE(find_kernel(kernels, "build-6.12-no-time-ns").fragment_text.find("# CONFIG_TIME_NS is not set"),
            std::string::npos);
  EXPECT_NE(find_kernel(kernels, "build-6.12-no-user-ns").fragment_text.find("# CONFIG_USER_NS is not set"),
            std::string::npos);
  // An off-variant for every type a kernel can be built without (mnt cannot).
  for (const char* type : {"net", "ipc", "pid", "uts", "user", "time", "cgroup"}) {
    const auto& k = find_kernel(kernels, fmt::format("build-6.12-no-{}-ns", type));
    EXPECT_NE(std::find(k.tags.begin(), k.tags.end(), "variant"), k.tags.end()) << k.id;
  }
  EXPECT_EQ(find_kernel(kernels, "debian-6.1-cloud").flavour, "cloud");
  EXPECT_EQ(find_kernel(kernels, "debian-6.12-generic").flavour, "generic");
}

TEST(Manifest, TrackOrPin) {
  const auto kernels = parse_manifest(with_kernels(R"({"id": "t", "debian": {"suite": "bookworm", "flavour": "rt"}},
                      {"id": "p", "debian": {"package": "linux-image-6.1.0-50-rt-amd64-unsigned", "suite": "bookworm"}})"),
                                      "m.json", "/tmp");
  EXPECT_TRUE(kernels[0].is_track());
  EXPECT_EQ(metapackage_name(kernels[0].flavour), "linux-image-rt-amd64");
  EXPECT_EQ(metapackage_name("generic"), "linux-image-amd64");
  EXPECT_FALSE(kernels[1].is_track());
  const std::string both = "m.json: kernels[0] (id 'a'): field 'debian.package|debian.flavour': give exactly one";
  EXPECT_TRUE(error_of(with_kernels(R"({"id": "a", "debian": {"suite": "sid"}})")).starts_with(both));
  EXPECT_TRUE(error_of(with_kernels(R"({"id": "a", "debian": {"suite": "sid", "flavour": "cloud", "package": "x1"}})"))
                  .starts_with(both));
  EXPECT_NE(error_of(with_kernels(R"({"id": "a", "debian": {"suite": "sid", "flavour": "Cloud"}})"))
                .find("field 'flavour': 'Cloud' is not a kernel flavour"),
            std::string::npos);
}

TEST(Manifest, UnknownIdNamesTheKnownOnes) {
  const auto kernels =
      parse_manifest(with_kernels(R"({"id": "a", "debian": {"package": "linux-image-x", "suite": "sid"}},
                      {"id": "b", "debian": {"package": "linux-image-y", "suite": "sid"}})"),
                     "m.json", "/tmp");
  try {
    find_kernel(kernels, "nope");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown kernel id 'nope' (known: a, b)");
  }
}

TEST(Manifest, SyntaxErrorNamesLineAndColumn) {
  const std::string what = error_of("{\n  \"schema_version\": 1,\n  \"kind\": \"kernels\" \"kernels\": []\n}");
  EXPECT_NE(what.find("m.json: line 3, column"), std::string::npos) << what;
}

TEST(Manifest, FieldErrorsNameEntryAndField) {
  EXPECT_EQ(error_of(with_kernels(R"({"id": "a", "debian": {"package": "linux-image-x"}})")),
            "m.json: kernels[0] (id 'a'): field 'suite': missing");
  EXPECT_EQ(
      error_of(with_kernels(R"({"id": "a"})")),
      "m.json: kernels[0] (id 'a'): field 'debian|file|build': no source: give exactly one of debian, file, build");
  EXPECT_NE(error_of(with_kernels(R"({"id": "a", "debian": {"package": "linux-image-x", "suite": "sid"},
                                      "file": {"image": "/x"}})"))
                .find("more than one source"),
            std::string::npos);
  EXPECT_NE(error_of(with_kernels(R"({"id": "a", "debain": {}})")).find("field 'debain': unknown field"),
            std::string::npos);
  EXPECT_NE(error_of(with_kernels(R"({"id": "Bad Id", "debian": {"package": "p", "suite": "sid"}})"))
                .find("kernels[0]: field 'id': 'Bad Id' is not an id"),
            std::string::npos);
  EXPECT_NE(error_of(with_kernels(R"({"id": "a", "debian": {"package": "linux-image-x", "suite": 7}})"))
                .find("field 'suite': must be a non-empty string"),
            std::string::npos);
  EXPECT_NE(error_of(with_kernels(R"({"id": "a", "build": {"source_package": "gcc", "suite": "sid",
                                      "fragment": "f.config"}})"))
                .find("field 'source_package': 'gcc' is not a Debian kernel source package"),
            std::string::npos);
  const std::string dup = error_of(with_kernels(R"({"id": "a", "debian": {"package": "linux-image-x", "suite": "sid"}},
                                                   {"id": "a", "debian": {"package": "linux-image-y", "suite": "sid"}})"));
  EXPECT_EQ(dup, "m.json: kernels[1]: field 'id': 'a' is used twice");
}

TEST(Manifest, TopLevelErrors) {
  EXPECT_NE(error_of("[]").find("the top level must be an object"), std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "kernels", "kernels": []})").find("'schema_version'"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema_version": 99, "kind": "kernels", "kernels": [{}]})").find("99"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema_version": 1, "kind": "probe", "kernels": [{}]})").find("'kind'"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema_version": 1, "kind": "kernels", "kernels": []})").find("non-empty array"),
            std::string::npos);
}

TEST(Manifest, FileAndBuildPathsResolveAgainstTheManifestsFolder) {
  test::TempDir dir;
  dir.write("frags/no-ipc.config", "# CONFIG_IPC_NS is not set\n");
  const std::string path = dir.write("m.json", with_kernels(R"(
    {"id": "mine", "title": "My kernel", "tags": ["local"], "file": {"image": "out/bzImage", "modules_dir": "/abs/mods"}},
    {"id": "no-ipc", "build": {"source_package": "linux-source-6.1", "suite": "bookworm", "fragment": "frags/no-ipc.config"}})"));
  const auto kernels = load_manifest(path);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].type, SourceType::File);
  EXPECT_EQ(kernels[0].image, dir.path() + "/out/bzImage");
  EXPECT_EQ(kernels[0].modules_dir, "/abs/mods");
  EXPECT_EQ(kernels[0].title, "My kernel");
  EXPECT_EQ(kernels[0].tags, std::vector<std::string>{"local"});
  EXPECT_EQ(kernels[1].fragment, dir.path() + "/frags/no-ipc.config");
  EXPECT_EQ(kernels[1].fragment_text, "# CONFIG_IPC_NS is not set\n");
  EXPECT_EQ(kernels[1].manifest, path);
}

TEST(Manifest, MissingOrGarbageFragmentIsAnError) {
  test::TempDir dir;
  dir.write("garbage.config", "CONFIG_A=y\nrm -rf /\n");
  const std::string build =
      R"({"id": "v", "build": {"source_package": "linux-source-6.1", "suite": "bookworm", "fragment": "%s"}})";
  auto manifest = [&](const std::string& fragment) {
    std::string entry = build;
    entry.replace(entry.find("%s"), 2, fragment);
    return with_kernels(entry);
  };
  const std::string missing = error_of(manifest("nope.config"), dir.path());
  EXPECT_NE(missing.find("m.json: kernels[0] (id 'v'): field 'build.fragment': cannot read"), std::string::npos)
      << missing;
  const std::string garbage = error_of(manifest("garbage.config"), dir.path());
  EXPECT_NE(garbage.find("garbage.config: line 2: not a Kconfig line: 'rm -rf /'"), std::string::npos) << garbage;
  EXPECT_NE(error_of(manifest("fragments/none.config"), "").find("no built-in fragment"), std::string::npos);
}

TEST(Manifest, MissingManifestFileIsAnError) {
  try {
    load_manifest("/nonexistent/kernels.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kernels.json: cannot read"), std::string::npos);
  }
}

}  // namespace
}  // namespace nsm::vm
