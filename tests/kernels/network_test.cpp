// Real fetches with apt from the machine's own Debian mirror, into a fresh cache (so no
// lock: the track is resolved): the oldest kernel of the manifest (linux-image-*-unsigned
// layout) and the newest (split linux-binary + linux-modules layout). Labelled `network`; not run with the unit tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/kernel_config.h"
#include "tests/support/kernel_fixtures.h"
#include "vm/kernels/bzimage.h"
#include "vm/kernels/kernel_lock.h"
#include "vm/kernels/kernel_store.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {
namespace {

namespace fs = std::filesystem;

class NetworkFetch : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { ::setenv("NSMATRIX_CACHE", cache_.path().c_str(), 1); }
  test::TempDir cache_;
};

TEST_P(NetworkFetch, FetchesABootableKernelWithItsModules) {
  const auto kernels = load_manifest(std::nullopt);
  const auto& entry = find_kernel(kernels, GetParam());
  std::vector<std::string> lines;
  const auto k = prepare_kernel(entry, [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_FALSE(k.cache_hit);
  EXPECT_GT(k.download_bytes, 5'000'000);
  EXPECT_EQ(read_bzimage(k.image).release, k.release);
  ASSERT_FALSE(k.config.empty());
  const auto config = KernelConfig::load(k.config);
  EXPECT_EQ(config.tristate("CONFIG_VETH"), Tristate::Module);
  EXPECT_NE(config.tristate("CONFIG_TIME_NS"), Tristate::Absent);
  std::vector<std::string> names;
  for (const auto& p : k.modules_in_load_order) {
    ASSERT_TRUE(fs::exists(p)) << p;
    names.push_back(fs::path(p).stem().string());
  }
  auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  ASSERT_LT(at("bridge"), static_cast<long>(names.size()));
  EXPECT_LT(at("llc"), at("stp"));
  EXPECT_LT(at("stp"), at("bridge"));
  EXPECT_EQ(k.source.at("type"), "debian");
  // The track was resolved through the suite's metapackage and locked; kernel.json says
  // which upload it was.
  const auto lock = read_locked(entry);
  ASSERT_TRUE(lock);
  EXPECT_EQ(k.source.at("package"), lock->packages.front().name);
  EXPECT_EQ(k.source.at("package_version"), lock->packages.front().version);
  EXPECT_EQ(k.source.at("sha256"), lock->packages.front().sha256);
  EXPECT_EQ(k.source.at("sha256").get<std::string>().size(), 64u);
  EXPECT_TRUE(k.source.contains("track"));

  const auto again = prepare_kernel(entry, nullptr);
  EXPECT_TRUE(again.cache_hit);
  EXPECT_EQ(again.image, k.image);
}

INSTANTIATE_TEST_SUITE_P(OldestAndNewest, NetworkFetch, ::testing::Values("debian-5.10-cloud", "debian-7.2-cloud"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace nsm::vm
