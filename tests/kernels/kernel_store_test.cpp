#include "vm/kernels/kernel_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "core/results.h"
#include "tests/support/kernel_fixtures.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/kernel_lock.h"

namespace nsm::vm {
namespace {

namespace fs = std::filesystem;

// Points $NSMATRIX_CACHE at a fresh directory for one test.
class KernelCache : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("NSMATRIX_CACHE")) saved_ = old;
    ::setenv("NSMATRIX_CACHE", dir_.path().c_str(), 1);
  }
  void TearDown() override {
    if (saved_)
      ::setenv("NSMATRIX_CACHE", saved_->c_str(), 1);
    else
      ::unsetenv("NSMATRIX_CACHE");
  }
  KernelEntry debian(const std::string& package = "linux-image-6.1.0-50-cloud-amd64-unsigned") {
    KernelEntry e;
    e.id = "debian-6.1-cloud";
    e.type = SourceType::Debian;
    e.package = package;
    e.suite = "bookworm";
    e.locked = {{package, "6.1.176-1", std::string(64, 'a'), 1000}};  // as prepare_kernel resolves it
    return e;
  }
  // A cache entry as prepare_kernel leaves it.
  void put_cached(const KernelEntry& e, const std::string& key) {
    const std::string d = dir_.path() + "/kernels/" + e.id;
    dir_.write("kernels/" + e.id + "/vmlinuz", test::make_bzimage("6.1.0-50-cloud-amd64"));
    dir_.write("kernels/" + e.id + "/modules/veth.ko", test::make_module_elf("veth", {}));
    write_json_file(
        d + "/prepared.json",
        {{"schema_version", 1},
         {"kind", "prepared-kernel"},
         {"id", e.id},
         {"cache_key", key},
         {"release", "6.1.0-50-cloud-amd64"},
         {"version", "6.1.176"},
         {"image", "vmlinuz"},
         {"config", ""},
         {"modules_dir", "modules"},
         {"modules_in_load_order", {"modules/veth.ko"}},
         {"source", {{"type", "debian"}, {"package", e.package}, {"package_version", "6.1.176-1"}, {"suite", e.suite}}},
         {"fetch_seconds", 12.5},
         {"download_bytes", 26489272}});
  }
  test::TempDir dir_;
  std::optional<std::string> saved_;
};

TEST_F(KernelCache, CacheDirFollowsTheEnvironment) { EXPECT_EQ(cache_dir(), dir_.path()); }

TEST_F(KernelCache, KeyChangesWithWhatDecidesTheKernel) {
  const auto a = debian();
  EXPECT_EQ(cache_key(a), cache_key(debian()));
  EXPECT_NE(cache_key(a), cache_key(debian("linux-image-6.1.0-49-cloud-amd64-unsigned")));
  auto other_upload = a;
  other_upload.locked.front().version = "6.1.177-1";
  EXPECT_NE(cache_key(a), cache_key(other_upload));
  auto other_suite = a;
  other_suite.suite = "bookworm-security";
  EXPECT_NE(cache_key(a), cache_key(other_suite));
  KernelEntry build;
  build.id = "v";
  build.type = SourceType::Build;
  build.source_package = "linux-source-6.12";
  build.suite = "trixie";
  build.fragment_text = "# CONFIG_TIME_NS is not set\n";
  auto other_fragment = build;
  other_fragment.fragment_text = "# CONFIG_USER_NS is not set\n";
  EXPECT_NE(cache_key(build), cache_key(other_fragment));
  // The title and tags are words, not the kernel.
  auto retitled = build;
  retitled.title = "another title";
  retitled.tags = {"x"};
  EXPECT_EQ(cache_key(build), cache_key(retitled));
}

TEST_F(KernelCache, HitOnlyWhenTheKeyMatchesAndTheFilesExist) {
  const auto e = debian();
  EXPECT_FALSE(cached_kernel(e));
  put_cached(e, cache_key(e));
  const auto hit = cached_kernel(e);
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->cache_hit);
  EXPECT_EQ(hit->image, dir_.path() + "/kernels/debian-6.1-cloud/vmlinuz");
  EXPECT_EQ(hit->modules_in_load_order,
            std::vector<std::string>{dir_.path() + "/kernels/debian-6.1-cloud/modules/veth.ko"});
  EXPECT_EQ(hit->source.at("package_version"), "6.1.176-1");
  EXPECT_EQ(hit->download_bytes, 26489272);
  EXPECT_FALSE(cached_kernel(debian("linux-image-6.1.0-49-cloud-amd64-unsigned")));  // another package
  fs::remove(dir_.path() + "/kernels/debian-6.1-cloud/modules/veth.ko");
  EXPECT_FALSE(cached_kernel(e));  // a file went missing
}

TEST_F(KernelCache, AnUnresolvedEntryIsCachedOnlyThroughTheLock) {
  auto e = debian();
  put_cached(e, cache_key(e));
  KernelEntry unresolved = e;
  unresolved.locked.clear();
  unresolved.manifest = "built-in";
  EXPECT_FALSE(cached_kernel(unresolved));  // no lock: which upload it means is unknown offline
  write_locked(unresolved, LockEntry{entry_spec(unresolved), "bookworm", "now", std::nullopt, e.locked});
  EXPECT_TRUE(fs::exists(dir_.path() + "/kernels.lock.json"));
  EXPECT_TRUE(cached_kernel(unresolved));
}

TEST_F(KernelCache, ACacheFromBeforeTheLockIsAHitForTheSameUpload) {
  const auto e = debian();
  auto before = e;
  before.locked.clear();
  put_cached(e, cache_key(before));  // the key had no upload in it
  const auto hit = cached_kernel(e);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->source.at("sha256"), e.locked.front().sha256);  // kernel.json names the upload
  auto newer = e;
  newer.locked.front().version = "6.1.177-1";
  EXPECT_FALSE(cached_kernel(newer));
}

TEST_F(KernelCache, DamagedMetadataIsAMissNotACrash) {
  const auto e = debian();
  dir_.write("kernels/" + e.id + "/prepared.json", "{ not json");
  EXPECT_FALSE(cached_kernel(e));
  dir_.write("kernels/" + e.id + "/prepared.json", R"({"schema_version": 1, "kind": "prepared-kernel"})");
  EXPECT_FALSE(cached_kernel(e));
}

TEST_F(KernelCache, StagingLeavesNothingBehindOnFailure) {
  std::string path;
  try {
    StagingDir staging(cache_dir(), "debian-6.1-cloud");
    path = staging.path();
    dir_.write(fs::path(path).lexically_relative(dir_.path()).string() + "/vmlinuz", "half a kernel");
    throw ToolError("the .deb was truncated");
  } catch (const Error&) {
  }
  EXPECT_FALSE(path.empty());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir_.path() + "/kernels/debian-6.1-cloud"));
}

TEST_F(KernelCache, StagingCommitReplacesTheOldEntry) {
  dir_.write("kernels/k/old-file", "old");
  {
    StagingDir staging(cache_dir(), "k");
    dir_.write(fs::path(staging.path()).lexically_relative(dir_.path()).string() + "/new-file", "new");
    staging.commit(cache_dir() + "/kernels/k");
  }
  EXPECT_TRUE(fs::exists(dir_.path() + "/kernels/k/new-file"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/kernels/k/old-file"));
  EXPECT_TRUE(fs::is_empty(dir_.path() + "/tmp"));
}

TEST_F(KernelCache, FileKernelWithModulesTree) {
  test::TempDir src;
  const auto image = src.write("out/bzImage", test::make_bzimage("6.13.0-rc1-mine"));
  src.write("out/.config", "# Linux/x86 6.13.0-rc1 Kernel Configuration\nCONFIG_VETH=m\nCONFIG_MACVLAN=y\n");
  src.write("mods/kernel/drivers/net/veth.ko.xz", test::compress(test::make_module_elf("veth", {})));
  src.write("mods/kernel/net/bridge/bridge.ko", test::make_module_elf("bridge", {"stp"}));
  src.write("mods/kernel/net/802/stp.ko", test::make_module_elf("stp", {}));
  const auto k = prepare_kernel_file(image, src.path() + "/mods");
  EXPECT_EQ(k.release, "6.13.0-rc1-mine");
  EXPECT_EQ(k.version, "6.13.0");
  EXPECT_EQ(k.config, src.path() + "/out/.config");
  EXPECT_EQ(k.source.at("type"), "file");
  EXPECT_EQ(k.source.at("path"), image);
  ASSERT_EQ(k.modules_in_load_order.size(), 3u);
  EXPECT_EQ(fs::path(k.modules_in_load_order[0]).filename(), "veth.ko");
  EXPECT_EQ(fs::path(k.modules_in_load_order[1]).filename(), "stp.ko");
  EXPECT_EQ(k.modules_builtin, std::vector<std::string>{"macvlan"});  // from the config
  EXPECT_TRUE(k.modules_in_load_order[0].starts_with(dir_.path()));   // decompressed into the cache
}

TEST_F(KernelCache, FileKernelBadInput) {
  test::TempDir src;
  auto error_of = [](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of([&] { prepare_kernel_file(src.path() + "/nope", std::nullopt); }).find("no such kernel image"),
            std::string::npos);
  const auto garbage = src.write("garbage", std::string(100000, '\xcc'));
  EXPECT_NE(error_of([&] { prepare_kernel_file(garbage, std::nullopt); }).find("not a bzImage"), std::string::npos);
  const auto image = src.write("bzImage", test::make_bzimage("6.1.0"));
  EXPECT_NE(error_of([&] { prepare_kernel_file(image, src.path() + "/no-modules"); }).find("no such modules directory"),
            std::string::npos);
  const auto k = prepare_kernel_file(image, std::nullopt);
  EXPECT_TRUE(k.modules_in_load_order.empty());
  EXPECT_EQ(k.config, "");
}

}  // namespace
}  // namespace nsm::vm
