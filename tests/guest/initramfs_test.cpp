// The initramfs pieces: cpio archives the kernel can unpack, SHA-256, ELF handling, module
// decompression, the loader's library list.
#include <archive.h>
#include <archive_entry.h>
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/sha256.h"
#include "tests/support/temp_dir.h"
#include "vm/initramfs/base_archive.h"
#include "vm/initramfs/cpio_writer.h"
#include "vm/initramfs/elf_image.h"
#include "vm/initramfs/kernel_archive.h"
#include "vm/initramfs/shared_libraries.h"

namespace nsm::vm {
namespace {

using nsm::test::TempDir;

struct ReadEntry {
  mode_t type;
  mode_t perm;
  std::string content;
  std::string symlink;
  unsigned rdev_major = 0, rdev_minor = 0;
};

std::map<std::string, ReadEntry> read_cpio(const std::string& path, std::string* format = nullptr) {
  std::map<std::string, ReadEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_all(a);
  EXPECT_EQ(archive_read_open_filename(a, path.c_str(), 65536), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ReadEntry r{archive_entry_filetype(e), archive_entry_perm(e), "",
                archive_entry_symlink(e) ? archive_entry_symlink(e) : ""};
    r.rdev_major = archive_entry_rdevmajor(e);
    r.rdev_minor = archive_entry_rdevminor(e);
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) r.content.append(buf, n);
    if (format) *format = archive_format_name(a);
    out[archive_entry_pathname(e)] = r;
  }
  archive_read_free(a);
  return out;
}

TEST(CpioWriter, WritesNewcTheKernelUnpacks) {
  TempDir dir;
  const std::string path = dir.path() + "/a.cpio";
  {
    CpioWriter cpio(path);
    cpio.add_directory("usr");
    cpio.add_file("usr/tool",
                  std::string("\x7f"
                              "ELF\0rest",
                              8),
                  0755);
    cpio.add_symlink("init", "usr/tool");
    cpio.add_char_device("console", 5, 1);
    cpio.finish();
  }
  std::string format;
  const auto entries = read_cpio(path, &format);
  EXPECT_NE(format.find("SVR4"), std::string::npos) << format;  // libarchive's name for newc
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries.at("usr").type, static_cast<mode_t>(AE_IFDIR));
  EXPECT_EQ(entries.at("usr/tool").content, std::string("\x7f"
                                                        "ELF\0rest",
                                                        8));
  EXPECT_EQ(entries.at("usr/tool").perm, 0755u);
  EXPECT_EQ(entries.at("init").symlink, "usr/tool");
  EXPECT_EQ(entries.at("console").type, static_cast<mode_t>(AE_IFCHR));
  EXPECT_EQ(entries.at("console").rdev_major, 5u);
  // The kernel's unpacker reads the raw magic; newc without CRC is "070701".
  EXPECT_EQ(must_read_file(path).substr(0, 6), "070701");
}

TEST(CpioWriter, UnwritablePathIsAnError) { EXPECT_THROW(CpioWriter("/nonexistent-dir/x.cpio"), Error); }

TEST(ElfImage, GarbageIsNotElf) {
  EXPECT_THROW(elf_interpreter("MZ garbage", "x"), Error);
  EXPECT_THROW(elf_loadable_only(std::string(10, '\x7f'), "x"), Error);
}

TEST(ElfImage, StrippedCopyStillRunsAndIsSmaller) {
  // This test binary is built with debug info; its loadable part must run on its own.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string image = must_read_file(self);
  ASSERT_TRUE(elf_interpreter(image, self).has_value());
  const std::string stripped = elf_loadable_only(image, self);
  EXPECT_LT(stripped.size(), image.size());
  TempDir dir;
  const std::string copy = dir.path() + "/stripped";
  { std::ofstream(copy, std::ios::binary) << stripped; }
  ::chmod(copy.c_str(), 0755);
  const ProgramResult r =
      run_program({copy, "--gtest_list_tests", "--gtest_filter=CpioWriter.UnwritablePathIsAnError"});
  EXPECT_TRUE(r.ok()) << r.status.describe() << r.err;
  EXPECT_NE(r.out.find("UnwritablePathIsAnError"), std::string::npos);
}

// A minimal ELF file: the header, one PT_NOTE program header, and `notes` after them.
std::string elf_with_notes(const std::string& notes) {
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  Elf64_Phdr ph{};
  ph.p_type = PT_NOTE;
  ph.p_offset = sizeof eh + sizeof ph;
  ph.p_filesz = notes.size();
  std::string out(reinterpret_cast<const char*>(&eh), sizeof eh);
  out.append(reinterpret_cast<const char*>(&ph), sizeof ph);
  return out + notes;
}

std::string note(uint32_t type, const std::string& name, const std::string& desc) {
  const Elf64_Nhdr nh{static_cast<Elf64_Word>(name.size()), static_cast<Elf64_Word>(desc.size()), type};
  auto pad = [](std::string s) { return s.append((4 - s.size() % 4) % 4, '\0'); };
  return std::string(reinterpret_cast<const char*>(&nh), sizeof nh) + pad(name) + pad(desc);
}

TEST(ElfImage, BuildIdIsReadFromTheNotesAndSurvivesStripping) {
  const std::string id("\x01\x23\xab\xcd\xef", 5);
  // An ABI-tag note first: the build ID is found among others, by type and owner.
  const std::string image = elf_with_notes(note(NT_GNU_ABI_TAG, std::string("GNU\0", 4), std::string(16, '\0')) +
                                           note(NT_GNU_BUILD_ID, std::string("GNU\0", 4), id));
  EXPECT_EQ(elf_build_id(image, "x"), "0123abcdef");
  EXPECT_EQ(elf_build_id(elf_with_notes(note(NT_GNU_BUILD_ID, std::string("XYZ\0", 4), id)), "x"), std::nullopt);
  EXPECT_EQ(elf_build_id(elf_with_notes(""), "x"), std::nullopt);
  // A note claiming more than its segment holds is an error, not a read past the end.
  std::string overrun = note(NT_GNU_BUILD_ID, std::string("GNU\0", 4), id);
  overrun[4] = '\x7f';
  EXPECT_THROW(elf_build_id(elf_with_notes(overrun), "x"), Error);
  EXPECT_THROW(elf_build_id("MZ garbage", "x"), Error);
}

TEST(ElfImage, BuildIdOfThisBinaryIsTheLinkersAndTheStrippedCopyKeepsIt) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string image = must_read_file(self);
  const auto id = elf_build_id(image, self);
  ASSERT_TRUE(id.has_value()) << "the toolchain links with --build-id";
  // readelf is the independent witness of what the linker wrote.
  const ProgramResult r = run_program({"readelf", "-n", self});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_NE(r.out.find("Build ID: " + *id), std::string::npos) << r.out;
  EXPECT_EQ(elf_build_id(elf_loadable_only(image, self), self), id);
}

TEST(SharedLibraries, ParsesTheLoadersList) {
  const std::string text =
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibnl-3.so.200 => /lib/x86_64-linux-gnu/libnl-3.so.200 (0x00007f1)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)\n";
  EXPECT_EQ(parse_loader_list(text, "x"),
            (std::vector<std::string>{"/lib/x86_64-linux-gnu/libnl-3.so.200", "/lib/x86_64-linux-gnu/libc.so.6",
                                      "/lib64/ld-linux-x86-64.so.2"}));
  EXPECT_THROW(parse_loader_list("\tlibgone.so.1 => not found\n", "x"), Error);
}

TEST(SharedLibraries, ResolvesThisBinary) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const auto interp = elf_interpreter(must_read_file(self), self);
  ASSERT_TRUE(interp);
  const auto libs = shared_libraries(*interp, self);
  bool libc = false;
  for (const auto& l : libs) libc |= l.find("/libc.so.6") != std::string::npos;
  EXPECT_TRUE(libc);
}

std::string compress_with(const std::string& data, int (*add_filter)(archive*)) {
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  add_filter(a);
  std::string out(data.size() + 65536, '\0');
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "m");
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, e);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

TEST(KernelArchive, DecompressesModulesInLoadOrder) {
  TempDir dir;
  const std::string module = std::string(
                                 "\x7f"
                                 "ELF",
                                 4) +
                             std::string(2000, 'k');
  { std::ofstream(dir.path() + "/llc.ko.xz", std::ios::binary) << compress_with(module, archive_write_add_filter_xz); }
  {
    std::ofstream(dir.path() + "/stp.ko.zst", std::ios::binary)
        << compress_with(module + "s", archive_write_add_filter_zstd);
  }
  { std::ofstream(dir.path() + "/bridge.ko", std::ios::binary) << module + "b"; }
  { std::ofstream(dir.path() + "/config-6.1.0-test", std::ios::binary) << "CONFIG_TIME_NS=y\n"; }
  KernelArchiveInput input{"6.1.0-test",
                           dir.path() + "/config-6.1.0-test",
                           {dir.path() + "/llc.ko.xz", dir.path() + "/stp.ko.zst", dir.path() + "/bridge.ko"}};
  const KernelArchive a = build_kernel_archive(input, dir.path() + "/cache");
  EXPECT_FALSE(a.reused);
  const auto entries = read_cpio(a.path);
  EXPECT_EQ(entries.at("usr/lib/nsmatrix/modules/00-llc.ko").content, module);
  EXPECT_EQ(entries.at("usr/lib/nsmatrix/modules/01-stp.ko").content, module + "s");
  EXPECT_EQ(entries.at("usr/lib/nsmatrix/modules/02-bridge.ko").content, module + "b");
  EXPECT_EQ(entries.at("etc/nsmatrix/modules").content,
            "/usr/lib/nsmatrix/modules/00-llc.ko\n/usr/lib/nsmatrix/modules/01-stp.ko\n/usr/lib/nsmatrix/modules/"
            "02-bridge.ko\n");
  EXPECT_EQ(entries.at("boot/config-6.1.0-test").content, "CONFIG_TIME_NS=y\n");
  // Where programs look for modules: /lib/modules/<release>.
  EXPECT_EQ(entries.at("lib/modules/6.1.0-test").symlink, "/usr/lib/nsmatrix/modules");
  // Same content, same archive: reused from the cache.
  const KernelArchive again = build_kernel_archive(input, dir.path() + "/cache");
  EXPECT_TRUE(again.reused);
  EXPECT_EQ(again.path, a.path);
  // A cached archive whose bytes changed since (a cut write, a tamper) is made again.
  { std::ofstream(a.path, std::ios::binary | std::ios::app) << "junk"; }
  EXPECT_FALSE(build_kernel_archive(input, dir.path() + "/cache").reused);
  EXPECT_EQ(read_cpio(a.path).at("boot/config-6.1.0-test").content, "CONFIG_TIME_NS=y\n");
  EXPECT_TRUE(build_kernel_archive(input, dir.path() + "/cache").reused);
}

TEST(KernelArchive, CorruptModuleIsNamed) {
  TempDir dir;
  { std::ofstream(dir.path() + "/veth.ko.xz", std::ios::binary) << "this is not xz"; }
  try {
    build_kernel_archive({"r", "", {dir.path() + "/veth.ko.xz"}}, dir.path() + "/cache");
    FAIL() << "a corrupt module was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("veth.ko.xz"), std::string::npos) << e.what();
  }
  { std::ofstream(dir.path() + "/plain.ko", std::ios::binary) << "not elf"; }
  EXPECT_THROW(read_module(dir.path() + "/plain.ko"), Error);
  EXPECT_EQ(module_stem("/x/kernel/net/bridge/bridge.ko.xz"), "bridge");
}

TEST(BaseArchive, HoldsTheBinariesTheirLibrariesAndTheInterpreter) {
  TempDir dir;
  const std::string bin = own_bin_dir();
  if (::access((bin + "/nsmatrix").c_str(), X_OK) != 0 || ::access((bin + "/nsmatrix-init").c_str(), X_OK) != 0)
    GTEST_SKIP() << "nsmatrix and nsmatrix-init are not built next to the test in " << bin;
  const BaseArchive base = build_base_archive(bin, dir.path());
  EXPECT_FALSE(base.reused);
  const auto entries = read_cpio(base.path);
  EXPECT_EQ(entries.at("init").symlink, "usr/lib/nsmatrix/nsmatrix-init");
  EXPECT_EQ(entries.count("usr/lib/nsmatrix/nsmatrix"), 1u);
  EXPECT_EQ(entries.at("dev/console").type, static_cast<mode_t>(AE_IFCHR));
  const std::string interp = *elf_interpreter(must_read_file(bin + "/nsmatrix"), "nsmatrix");
  EXPECT_EQ(entries.count(interp.substr(1)), 1u) << interp;
  for (const auto& lib : shared_libraries(interp, bin + "/nsmatrix"))
    EXPECT_EQ(entries.count(lib.substr(1)), 1u) << lib;
  // Stripped: smaller than what was built (debug info stays on the host).
  EXPECT_LT(entries.at("usr/lib/nsmatrix/nsmatrix").content.size(), std::filesystem::file_size(bin + "/nsmatrix"));
  // Each binary names the host copy that has its debug info, by the build ID both carry.
  ASSERT_FALSE(base.binaries.empty());
  for (const auto& b : base.binaries) {
    EXPECT_EQ(b.host_path, bin + "/" + b.name);
    EXPECT_FALSE(b.build_id.empty()) << b.name;
    const std::string guest_copy = entries.at("usr/lib/nsmatrix/" + b.name).content;
    EXPECT_EQ(elf_build_id(guest_copy, b.name).value_or(""), b.build_id) << b.name;
  }
  // The guest carries no debug info and no library that only the host's tools need: ICU's
  // data (31 MB, via libxml2, via a shared libarchive) would be unpacked at every boot.
  for (const auto& [path, entry] : entries) EXPECT_EQ(path.find("libicu"), std::string::npos) << path;
  EXPECT_TRUE(build_base_archive(bin, dir.path()).reused);
}

TEST(BaseArchive, MissingRequiredBinaryIsAnError) {
  TempDir dir;
  EXPECT_THROW(build_base_archive(dir.path(), dir.path()), Error);
}

}  // namespace
}  // namespace nsm::vm

namespace nsm::vm {
namespace {

TEST(BaseArchive, PruningKeepsTheNewestBasesAndNoRunInitrds) {
  char tmpl[] = "/tmp/nsm-prune-test-XXXXXX";
  const std::string cache = ::mkdtemp(tmpl);
  const std::string dir = cache + "/initramfs";
  std::filesystem::create_directories(dir);
  const auto now = std::filesystem::file_time_type::clock::now();
  for (int i = 0; i < 4; ++i) {
    const std::string base = dir + "/base-000000000000000" + std::to_string(i) + ".cpio";
    std::ofstream(base) << "b";
    std::ofstream(dir + "/run-000000000000000" + std::to_string(i) + "-kernel.cpio") << "r";
    std::filesystem::last_write_time(base, now - std::chrono::hours(10 - i));  // base 3 is the newest
  }
  std::ofstream(dir + "/kernel-abc.cpio") << "k";
  prune_initramfs_cache(cache, 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/base-0000000000000000.cpio"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/base-0000000000000002.cpio"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/base-0000000000000003.cpio"));
  // Combined initrds an earlier version cached are removed, whichever base they were of.
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(std::filesystem::exists(dir + "/run-000000000000000" + std::to_string(i) + "-kernel.cpio"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/kernel-abc.cpio"));  // per-kernel archives are small and shared
  std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace nsm::vm
