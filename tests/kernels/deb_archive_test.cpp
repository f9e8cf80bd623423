#include "vm/kernels/deb_archive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"
#include "vm/kernels/debian_fetch.h"
#include "vm/kernels/kernel_build.h"
#include "vm/kernels/module_info.h"

namespace nsm::vm {
namespace {

namespace fs = std::filesystem;
using test::compress;
using test::make_deb;
using test::make_module_elf;

std::map<std::string, std::string> read_all(const std::string& deb) {
  std::map<std::string, std::string> files;
  for_each_deb_entry(deb, [&](const DebEntry& e, EntryReader& r) {
    if (e.is_file) files[e.path] = r.read_all();
  });
  return files;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(DebArchive, ReadsDataTarInEveryCompression) {
  test::TempDir dir;
  for (const char* member : {"data.tar.xz", "data.tar.zst", "data.tar.gz", "data.tar"}) {
    test::DebOptions options;
    options.data_member = member;
    const auto deb = dir.write(std::string(member) + ".deb",
                               make_deb({{"./boot/config-6.1.0-test", "CONFIG_X=y\n"}, {"./etc/motd", "hi"}}, options));
    const auto files = read_all(deb);
    EXPECT_EQ(files.size(), 2u) << member;
    EXPECT_EQ(files.at("boot/config-6.1.0-test"), "CONFIG_X=y\n") << member;
  }
}

TEST(DebArchive, BrokenPackagesAreClearErrors) {
  test::TempDir dir;
  const std::string good = make_deb({{"./boot/vmlinuz-6.1.0-test", std::string(200000, 'k')}});
  const auto truncated = dir.write("truncated.deb", good.substr(0, good.size() / 2));
  const std::string t = error_of([&] { read_all(truncated); });
  EXPECT_NE(t.find("truncated.deb"), std::string::npos) << t;
  EXPECT_TRUE(t.find("truncated") != std::string::npos || t.find("corrupt") != std::string::npos) << t;

  const auto garbage = dir.write("garbage.deb", std::string(5000, 'g'));
  EXPECT_NE(error_of([&] { read_all(garbage); }).find("garbage.deb: not a Debian package"), std::string::npos);

  const auto missing = dir.path() + "/missing.deb";
  EXPECT_NE(error_of([&] { read_all(missing); }).find("missing.deb: cannot open package"), std::string::npos);

  test::DebOptions no_data;
  no_data.with_data = false;
  const auto empty = dir.write("nodata.deb", make_deb({}, no_data));
  EXPECT_NE(error_of([&] { read_all(empty); }).find("no data.tar member"), std::string::npos);

  test::DebOptions no_binary;
  no_binary.with_debian_binary = false;
  const auto nobin = dir.write("nobinary.deb", make_deb({{"./x", "y"}}, no_binary));
  EXPECT_NE(error_of([&] { read_all(nobin); }).find("not a Debian package"), std::string::npos);

  // Corruption inside the compressed data (not just a short file).
  std::string flipped = good;
  for (size_t i = flipped.size() / 2; i < flipped.size() / 2 + 64; ++i) flipped[i] ^= 0x5a;
  const auto corrupt = dir.write("corrupt.deb", flipped);
  EXPECT_NE(error_of([&] { read_all(corrupt); }).find("corrupt.deb"), std::string::npos);
}

TEST(DebArchive, DecompressesModules) {
  const std::string elf = make_module_elf("veth", {});
  EXPECT_EQ(decompress(compress(elf, "xz"), "veth.ko.xz"), elf);
  EXPECT_EQ(decompress(compress(elf, "zstd"), "veth.ko.zst"), elf);
  EXPECT_EQ(decompress(elf, "veth.ko"), elf);
  const std::string xz = compress(elf, "xz");
  EXPECT_THROW(decompress(xz.substr(0, xz.size() - 20), "veth.ko.xz"), Error);
}

// The classic layout: one linux-image-R-unsigned package.
TEST(DebianKernel, ExtractsTheUnsignedImageLayout) {
  test::TempDir dir;
  const std::string r = "6.1.0-50-cloud-amd64";
  const std::string m = "./lib/modules/" + r + "/kernel/";
  const auto deb = dir.write(
      "linux-image.deb",
      make_deb({
          {"./boot/vmlinuz-" + r, test::make_bzimage(r)},
          {"./boot/config-" + r, "# Linux/x86 6.1.176 Kernel Configuration\nCONFIG_VETH=m\nCONFIG_BRIDGE=m\n"},
          {"./boot/System.map-" + r, "ffffffff T _text\n"},
          {m + "drivers/net/veth.ko", make_module_elf("veth", {})},
          {m + "net/bridge/bridge.ko", make_module_elf("bridge", {"stp", "llc"})},
          {m + "net/802/stp.ko", make_module_elf("stp", {"llc"})},
          {m + "net/llc/llc.ko", make_module_elf("llc", {})},
          {m + "drivers/net/macvlan.ko", make_module_elf("macvlan", {})},
          {m + "drivers/block/brd.ko", make_module_elf("brd", {})},
          {m + "fs/unrelated.ko", make_module_elf("unrelated", {})},
          {"./lib/modules/" + r + "/modules.builtin", "kernel/drivers/net/vxlan/vxlan.ko\n"},
      }));
  const std::string out = dir.path() + "/out";
  fs::create_directories(out);
  PreparedKernel k;
  extract_debian_kernel({deb}, out, k, nullptr);
  EXPECT_EQ(k.release, r);
  EXPECT_EQ(k.image, out + "/vmlinuz");
  EXPECT_EQ(k.config, out + "/config");
  std::vector<std::string> names;
  for (const auto& p : k.modules_in_load_order) names.push_back(fs::path(p).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"veth.ko", "llc.ko", "stp.ko", "bridge.ko", "macvlan.ko", "brd.ko"}));
  EXPECT_EQ(k.modules_builtin, std::vector<std::string>{"vxlan"});
  EXPECT_EQ(k.modules_absent,
            (std::vector<std::string>{"netkit", "crc32c_generic", "nf_conntrack", "nf_conntrack_netlink"}));
  EXPECT_FALSE(fs::exists(out + "/modules/unrelated.ko"));
  EXPECT_FALSE(fs::exists(out + "/raw-modules"));
}

// The split layout: linux-binary-unsigned-R + linux-modules-R (.ko.xz) + linux-base-R.
TEST(DebianKernel, ExtractsTheSplitLayoutWithCompressedModules) {
  test::TempDir dir;
  const std::string r = "7.2.13+deb14-cloud-amd64";
  const std::string lib = "./usr/lib/modules/" + r + "/";
  const auto binary = dir.write("binary.deb", make_deb({{lib + "vmlinuz.unsigned", test::make_bzimage(r)}}));
  const auto modules = dir.write(
      "modules.deb", make_deb(
                         {
                             {lib + "kernel/drivers/net/veth.ko.xz", compress(make_module_elf("veth", {}))},
                             {lib + "kernel/drivers/net/vxlan/vxlan.ko.xz",
                              compress(make_module_elf("vxlan", {"udp_tunnel", "ip6_udp_tunnel"}))},
                             {lib + "kernel/net/ipv4/udp_tunnel.ko.xz", compress(make_module_elf("udp_tunnel", {}))},
                             {lib + "kernel/net/ipv6/ip6_udp_tunnel.ko.xz",
                              compress(make_module_elf("ip6_udp_tunnel", {"udp_tunnel"}))},
                         },
                         test::DebOptions{"data.tar.zst", true, true}));
  const auto base = dir.write("base.deb", make_deb({{lib + "config", "CONFIG_VETH=m\n"}}));
  const std::string out = dir.path() + "/out";
  fs::create_directories(out);
  PreparedKernel k;
  extract_debian_kernel({binary, modules, base}, out, k, nullptr);
  EXPECT_EQ(k.release, r);
  EXPECT_EQ(k.config, out + "/config");
  std::vector<std::string> names;
  for (const auto& p : k.modules_in_load_order) names.push_back(fs::path(p).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"veth.ko", "udp_tunnel.ko", "ip6_udp_tunnel.ko", "vxlan.ko"}));
  // Decompressed on the way: the files are ELF modules again.
  std::ifstream in(out + "/modules/vxlan.ko", std::ios::binary);
  std::string head(4, '\0');
  in.read(head.data(), 4);
  EXPECT_EQ(head,
            "\x7f"
            "ELF");
}

TEST(DebianKernel, PackageWithoutKernelIsAnError) {
  test::TempDir dir;
  const auto deb = dir.write("headers.deb", make_deb({{"./usr/src/linux-headers/Makefile", "all:\n"}}));
  PreparedKernel k;
  EXPECT_NE(error_of([&] { extract_debian_kernel({deb}, dir.path(), k, nullptr); }).find("no kernel image"),
            std::string::npos);
}

TEST(DebianKernel, CompanionPackagesOfTheSplitLayout) {
  EXPECT_EQ(debian_kernel_packages("linux-image-6.1.0-50-cloud-amd64-unsigned", {"kmod", "linux-base"}),
            std::vector<std::string>{"linux-image-6.1.0-50-cloud-amd64-unsigned"});
  EXPECT_EQ(
      debian_kernel_packages("linux-binary-unsigned-7.2.13+deb14-cloud-amd64", {"linux-base-7.2.13+deb14-cloud-amd64"}),
      (std::vector<std::string>{"linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
                                "linux-modules-7.2.13+deb14-cloud-amd64", "linux-base-7.2.13+deb14-cloud-amd64"}));
  // The signed umbrella of the split layout names its parts in Depends.
  EXPECT_EQ(
      debian_kernel_packages("linux-image-7.2.13+deb14-cloud-amd64",
                             {"dracut", "initramfs-tools", "linux-base-7.2.13+deb14-cloud-amd64",
                              "linux-binary-7.2.13+deb14-cloud-amd64", "linux-modules-7.2.13+deb14-cloud-amd64"}),
      (std::vector<std::string>{"linux-image-7.2.13+deb14-cloud-amd64", "linux-base-7.2.13+deb14-cloud-amd64",
                                "linux-binary-7.2.13+deb14-cloud-amd64", "linux-modules-7.2.13+deb14-cloud-amd64"}));
}

TEST(KernelSource, UnpacksTheTarballInsideTheSourcePackage) {
  test::TempDir dir;
  const std::string tarball = test::make_tar({{"linux-source-6.1/Makefile", "VERSION = 6\n"},
                                              {"linux-source-6.1/scripts/kconfig/merge_config.sh", "#!/bin/sh\n"}},
                                             "xz");
  const auto deb = dir.write("linux-source-6.1.deb", make_deb({{"./usr/src/linux-source-6.1.tar.xz", tarball},
                                                               {"./usr/share/doc/linux-source-6.1/copyright", "GPL"}}));
  const std::string top = unpack_kernel_source(deb, dir.path() + "/src", nullptr);
  EXPECT_EQ(top, dir.path() + "/src/linux-source-6.1");
  std::ifstream in(top + "/Makefile");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "VERSION = 6");
  EXPECT_TRUE(fs::exists(top + "/scripts/kconfig/merge_config.sh"));
}

TEST(KernelSource, RejectsPathsOutsideTheTree) {
  test::TempDir dir;
  const std::string tarball = test::make_tar({{"linux-source-6.1/../../evil", "x"}}, "xz");
  const auto deb = dir.write("evil.deb", make_deb({{"./usr/src/linux-source-6.1.tar.xz", tarball}}));
  EXPECT_NE(error_of([&] { unpack_kernel_source(deb, dir.path() + "/src", nullptr); }).find("unsafe path"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() + "/evil"));
}

TEST(KernelSource, NeverWritesThroughASymlinkOfTheTarball) {
  test::TempDir dir;
  fs::create_directories(dir.path() + "/outside");
  const std::string tarball =
      test::make_tar({{"linux-source-6.1/a", std::string(test::kSymlinkPrefix) + dir.path() + "/outside"},
                      {"linux-source-6.1/a/evil", "x"}},
                     "xz");
  const auto deb = dir.write("evil.deb", make_deb({{"./usr/src/linux-source-6.1.tar.xz", tarball}}));
  EXPECT_NE(error_of([&] { unpack_kernel_source(deb, dir.path() + "/src", nullptr); }).find("not a directory"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() + "/outside/evil"));
}

TEST(KernelSource, PackageWithoutTarballIsAnError) {
  test::TempDir dir;
  const auto deb = dir.write("not-source.deb", make_deb({{"./usr/share/doc/x", "y"}}));
  EXPECT_NE(
      error_of([&] { unpack_kernel_source(deb, dir.path() + "/src", nullptr); }).find("not a linux-source package"),
      std::string::npos);
}

}  // namespace
}  // namespace nsm::vm
