// What the x86 boot protocol header of a kernel image says (Documentation/arch/x86/boot.rst):
// enough to refuse a file that is not a bzImage before QEMU is asked to boot it, and to read
// the release the kernel will report in uname(2).
#pragma once

#include <string>
#include <string_view>

namespace nsm::vm {

struct BzImageInfo {
  unsigned protocol = 0;       // boot protocol version, 0x020f for 2.15
  std::string version_string;  // "6.12.117+deb13-cloud-amd64 (debian-kernel@...) #1 SMP ..."
  std::string release;         // its first word: what uname -r will say
};

// Reads the header from the image's bytes. Throws nsm::InputError naming `source` when the bytes
// are not a bzImage (too short, no 0xAA55 boot signature, no "HdrS", protocol < 2.00, not
// loaded high) or the version string is missing.
BzImageInfo parse_bzimage(std::string_view bytes, const std::string& source);
// Reads the first 64 KiB of the file and parses them. Throws nsm::InputError naming the file.
BzImageInfo read_bzimage(const std::string& path);

}  // namespace nsm::vm
