// Tracks, pins and the lock against a fake archive: Packages files on disk, one per suite,
// read the way apt's index reads (parse_package_stanza), no network.
#include "vm/kernels/kernel_lock.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "tests/support/temp_dir.h"

namespace nsm::vm {
namespace {

namespace fs = std::filesystem;

// ROOT/SUITE/Packages: apt's index of one suite; what a test removes from it is "gone".
class FakeArchive : public PackageArchive {
 public:
  explicit FakeArchive(std::string root) : root_(std::move(root)) {}
  std::optional<AptPackage> candidate(const std::string& name, const std::string& suite) override {
    std::optional<AptPackage> best;
    for (const auto& p : read(suite)) {
      if (p.name == name) best = p;  // the last stanza is the candidate
    }
    return best;
  }
  std::optional<AptPackage> exact(const std::string& name, const std::string& version,
                                  const std::string& suite) override {
    for (const auto& p : read(suite)) {
      if (p.name == name && p.version == version) return p;
    }
    return std::nullopt;
  }
  std::string describe() const override { return "the fake archive " + root_; }

 private:
  std::vector<AptPackage> read(const std::string& suite) const {
    std::vector<AptPackage> out;
    const auto text = read_file(root_ + "/" + suite + "/Packages").value_or("");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find("\n\n", pos);
      if (end == std::string::npos) end = text.size();
      if (auto p = parse_package_stanza(std::string_view(text).substr(pos, end - pos))) {
        p->suite = suite;
        out.push_back(*p);
      }
      pos = end + 2;
    }
    return out;
  }
  std::string root_;
};

std::string stanza(const std::string& name, const std::string& version, const std::string& depends = {}) {
  std::string s = "Package: " + name + "\nVersion: " + version + "\nArchitecture: amd64\n";
  if (!depends.empty()) s += "Depends: " + depends + "\n";
  s += "Filename: pool/main/l/linux/" + name + "_" + version + "_amd64.deb\nSize: 1000\n";
  // A made-up hash that differs per upload, as the index's does.
  s += fmt::format("SHA256: {:064x}\n", std::hash<std::string>{}(name + "=" + version));
  return s + "\n";
}

// bookworm's classic layout at ABI N, upload V: the metapackage, the signed image, the unsigned one.
std::string bookworm(int abi, const std::string& version) {
  const std::string image = "linux-image-6.1.0-" + std::to_string(abi) + "-cloud-amd64";
  return stanza("linux-image-cloud-amd64", version, image + " (= " + version + ")") +
         stanza(image, version, "kmod, linux-base (>= 4.3~)") + stanza(image + "-unsigned", version, "kmod");
}

// sid's split layout: the metapackage depends on an image umbrella whose parts are packages.
std::string sid(const std::string& release, const std::string& version) {
  const std::string v = " (= " + version + ")";
  return stanza("linux-image-cloud-amd64", version,
                "linux-base-cloud-amd64" + v + ", linux-image-" + release + "-cloud-amd64" + v) +
         stanza("linux-image-" + release + "-cloud-amd64", version,
                "dracut | initramfs-tools, linux-base-" + release + "-cloud-amd64" + v + ", linux-binary-" + release +
                    "-cloud-amd64" + v + ", linux-modules-" + release + "-cloud-amd64" + v) +
         stanza("linux-binary-unsigned-" + release + "-cloud-amd64", version,
                "linux-base-" + release + "-cloud-amd64" + v) +
         stanza("linux-modules-" + release + "-cloud-amd64", version) +
         stanza("linux-base-" + release + "-cloud-amd64", version);
}

class Lock : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("NSMATRIX_CACHE")) saved_ = old;
    ::setenv("NSMATRIX_CACHE", (dir_ / "cache").c_str(), 1);
  }
  void TearDown() override {
    if (saved_)
      ::setenv("NSMATRIX_CACHE", saved_->c_str(), 1);
    else
      ::unsetenv("NSMATRIX_CACHE");
  }
  void publish(const std::string& suite, const std::string& packages) {
    dir_.write("archive/" + suite + "/Packages", packages);
  }
  KernelEntry track(const std::string& suite = "bookworm") {
    KernelEntry e;
    e.id = "debian-cloud";
    e.type = SourceType::Debian;
    e.suite = suite;
    e.flavour = "cloud";
    e.manifest = "built-in";
    return e;
  }
  KernelEntry pin(const std::string& package) {
    KernelEntry e = track();
    e.flavour.clear();
    e.package = package;
    return e;
  }
  test::TempDir dir_;
  FakeArchive archive_{dir_ / "archive"};
  std::optional<std::string> saved_;
};

TEST_F(Lock, TrackResolvesThroughTheMetapackageToTheUnsignedImage) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  const LockEntry l = resolve_entry(track(), archive_);
  EXPECT_EQ(l.spec, "debian track bookworm/cloud");
  ASSERT_TRUE(l.metapackage);
  EXPECT_EQ(l.metapackage->name, "linux-image-cloud-amd64");
  ASSERT_EQ(l.packages.size(), 1u);
  EXPECT_EQ(l.packages[0].name, "linux-image-6.1.0-50-cloud-amd64-unsigned");
  EXPECT_EQ(l.packages[0].version, "6.1.176-1");
  EXPECT_EQ(l.packages[0].sha256.size(), 64u);
  EXPECT_EQ(l.packages[0].size, 1000);
}

TEST_F(Lock, TrackOfTheSplitLayoutLocksTheBinaryAndItsCompanions) {
  publish("sid", sid("7.2.13+deb14", "7.2.13-1"));
  const LockEntry l = resolve_entry(track("sid"), archive_);
  std::vector<std::string> names;
  for (const auto& p : l.packages) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
                                             "linux-modules-7.2.13+deb14-cloud-amd64",
                                             "linux-base-7.2.13+deb14-cloud-amd64"}));
}

TEST_F(Lock, LockedAndPresentIsUsedAsItIs) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  const LockEntry locked = resolve_entry(track(), archive_);
  // The suite moved on, but the old upload is still in the archive (a pool keeps both).
  publish("bookworm", bookworm(50, "6.1.176-1") + bookworm(51, "6.1.180-1"));
  const LockChoice c = check_lock(track(), locked, archive_);
  EXPECT_FALSE(c.changed);
  EXPECT_TRUE(c.note.empty());
  EXPECT_EQ(c.lock.packages, locked.packages);
}

TEST_F(Lock, LockedAndGoneResolvesTheTrackAgainInOneLine) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  const LockEntry locked = resolve_entry(track(), archive_);
  publish("bookworm", bookworm(51, "6.1.180-1"));  // the old ABI is dropped
  const LockChoice c = check_lock(track(), locked, archive_);
  EXPECT_TRUE(c.changed);
  EXPECT_EQ(c.lock.packages.front().name, "linux-image-6.1.0-51-cloud-amd64-unsigned");
  EXPECT_EQ(c.note.find('\n'), std::string::npos);
  EXPECT_EQ(c.note,
            "debian-cloud: locked linux-image-6.1.0-50-cloud-amd64-unsigned 6.1.176-1 is gone from bookworm; "
            "debian track bookworm/cloud resolved again: linux-image-6.1.0-50-cloud-amd64-unsigned 6.1.176-1 -> "
            "linux-image-6.1.0-51-cloud-amd64-unsigned 6.1.180-1 (lock updated)");
}

TEST_F(Lock, TrackMovedIsSeenByAFreshResolution) {
  publish("sid", sid("7.2.13+deb14", "7.2.13-1"));
  const LockEntry before = resolve_entry(track("sid"), archive_);
  publish("sid", sid("7.3.1+deb14", "7.3.1-1"));
  const LockEntry after = resolve_entry(track("sid"), archive_);
  EXPECT_NE(before.packages, after.packages);
  EXPECT_EQ(lock_summary(after), "linux-binary-unsigned-7.3.1+deb14-cloud-amd64 7.3.1-1");
  EXPECT_EQ(after.packages.size(), 3u);
}

TEST_F(Lock, AnotherHashForTheSameUploadIsNotTrusted) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  LockEntry locked = resolve_entry(track(), archive_);
  locked.packages[0].sha256 = std::string(64, 'f');
  const LockChoice c = check_lock(track(), locked, archive_);
  EXPECT_TRUE(c.changed);
  EXPECT_NE(c.note.find("has another SHA-256 in the archive"), std::string::npos) << c.note;
}

TEST_F(Lock, MetapackageMissingNamesTheSuiteAndFlavour) {
  publish("bookworm", stanza("linux-image-6.1.0-50-cloud-amd64-unsigned", "6.1.176-1"));
  try {
    resolve_entry(track(), archive_);
    FAIL() << "resolved without a metapackage";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.starts_with("kernel 'debian-cloud' (built-in manifest): suite 'bookworm' of the fake archive "))
        << what;
    EXPECT_NE(what.find("has no metapackage 'linux-image-cloud-amd64'"), std::string::npos) << what;
    EXPECT_NE(std::string(e.what()).find("is 'cloud' a kernel flavour of bookworm"), std::string::npos) << e.what();
  }
}

TEST_F(Lock, MetapackageWithoutAKernelIsAnError) {
  publish("bookworm", stanza("linux-image-cloud-amd64", "6.1.176-1", "linux-base"));
  try {
    resolve_entry(track(), archive_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("depends on no linux-image-RELEASE package (Depends: linux-base)"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(Lock, VanishedPinNamesTheEntryTheManifestAndTheFix) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  auto e = pin("linux-image-6.1.0-50-cloud-amd64-unsigned");
  e.manifest = "/srv/kernels.json";
  const LockEntry locked = resolve_entry(e, archive_);
  publish("bookworm", bookworm(51, "6.1.180-1"));
  try {
    check_lock(e, locked, archive_);
    FAIL() << "a vanished pin was replaced";
  } catch (const Error& err) {
    const std::string what = err.what();
    EXPECT_TRUE(
        what.starts_with("kernel 'debian-cloud' (manifest /srv/kernels.json): the pinned package "
                         "'linux-image-6.1.0-50-cloud-amd64-unsigned' is not in suite 'bookworm'"))
        << what;
    EXPECT_NE(what.find("`nsmatrix kernels update`"), std::string::npos) << what;
  }
}

TEST_F(Lock, BuildLocksItsLinuxSource) {
  publish("trixie", stanza("linux-source-6.12", "6.12.117-1", "binutils, xz-utils"));
  KernelEntry b;
  b.id = "build-6.12-no-net-ns";
  b.type = SourceType::Build;
  b.source_package = "linux-source-6.12";
  b.suite = "trixie";
  b.manifest = "built-in";
  const LockChoice first = check_lock(b, std::nullopt, archive_);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(lock_summary(first.lock), "linux-source-6.12 6.12.117-1");
  EXPECT_EQ(first.note,
            "build-6.12-no-net-ns: not in the lock; build linux-source-6.12 trixie resolved: "
            "linux-source-6.12 6.12.117-1 (lock updated)");
  publish("trixie", stanza("linux-source-6.12", "6.12.120-1", "binutils, xz-utils"));
  const LockChoice moved = check_lock(b, first.lock, archive_);
  EXPECT_EQ(lock_summary(moved.lock), "linux-source-6.12 6.12.120-1");
}

TEST_F(Lock, FileRoundTripAndAnotherSpecIsNotLocked) {
  publish("bookworm", bookworm(50, "6.1.176-1"));
  const auto e = track();
  EXPECT_EQ(lock_path(e), dir_ / "cache/kernels.lock.json");
  EXPECT_FALSE(read_locked(e));
  const LockEntry l = resolve_entry(e, archive_);
  write_locked(e, l);
  const auto back = read_locked(e);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->packages, l.packages);
  EXPECT_EQ(back->metapackage, l.metapackage);
  const auto doc = read_json_file(lock_path(e), "kernels-lock");
  EXPECT_EQ(doc.at("kernels").at("debian-cloud").at("packages").at(0).at("sha256"), l.packages[0].sha256);
  // The manifest changed the entry (another flavour): the old lock does not apply.
  auto rt = e;
  rt.flavour = "rt";
  EXPECT_FALSE(read_locked(rt));
  // A file manifest's lock lives beside it.
  auto file = e;
  file.manifest = "/srv/m/kernels.json";
  EXPECT_EQ(lock_path(file), "/srv/m/kernels.lock.json");
}

TEST_F(Lock, DamagedLockSaysHowToMendIt) {
  dir_.write("cache/kernels.lock.json", "{ not json");
  try {
    read_locked(track());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("delete it and run `nsmatrix kernels update`"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nsm::vm
