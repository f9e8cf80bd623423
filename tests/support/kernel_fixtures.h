// Small, real inputs for the kernel tests, made in the test: ELF modules with a .modinfo
// section, a bzImage header, xz-compressed data, .deb packages (ar + data.tar.xz), written
// with libarchive exactly as the formats are defined.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/temp_dir.h"

namespace nsm::vm::test {

// A 64-bit little-endian ELF relocatable whose .modinfo holds name=, depends= and vermagic=.
std::string make_module_elf(const std::string& name, const std::vector<std::string>& depends,
                            const std::string& vermagic = "6.1.0-test SMP mod_unload");
// The first 1 KiB of a bzImage: boot signature, "HdrS", protocol 2.15, loaded high, and
// a version string "RELEASE (test@nsmatrix) #1 SMP".
std::string make_bzimage(const std::string& release);
// Data compressed with xz (or zstd, gzip), as a .ko.xz module is.
std::string compress(const std::string& data, const std::string& filter = "xz");

// A tar archive of `files` (path -> content), compressed with `filter` ("xz", "", ...).
// A content of kSymlinkPrefix + TARGET makes a symlink to TARGET.
inline constexpr std::string_view kSymlinkPrefix = "symlink:";
std::string make_tar(const std::map<std::string, std::string>& files, const std::string& filter);

struct DebOptions {
  std::string data_member = "data.tar.xz";  // "data.tar.zst", "data.tar.gz", "data.tar"
  bool with_debian_binary = true;
  bool with_data = true;
};
// A .deb whose data.tar holds `files` (path -> content; paths as dpkg-deb writes them, "./boot/...").
std::string make_deb(const std::map<std::string, std::string>& files, const DebOptions& options = {});

using nsm::test::TempDir;

}  // namespace nsm::vm::test
