#include "vm/kernels/bzimage.h"

#include <cstdint>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

namespace {
// Offsets in the real-mode setup header.
constexpr size_t kBootFlag = 0x1FE;       // u16 0xAA55
constexpr size_t kHeaderMagic = 0x202;    // "HdrS"
constexpr size_t kVersion = 0x206;        // u16 protocol version
constexpr size_t kKernelVersion = 0x20E;  // u16 pointer to the version string, minus 0x200
constexpr size_t kLoadFlags = 0x211;      // bit 0: LOADED_HIGH (a bzImage, not a zImage)
constexpr size_t kHeaderEnd = 0x230;

uint16_t le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8));
}
}  // namespace

BzImageInfo parse_bzimage(std::string_view b, const std::string& source) {
  auto bad = [&](std::string_view why) { return InputError(fmt::format("{}: not a bzImage: {}", source, why)); };
  if (b.size() < kHeaderEnd) throw bad(fmt::format("only {} bytes", b.size()));
  if (le16(b, kBootFlag) != 0xAA55) throw bad("no boot signature 0xAA55 at offset 0x1fe");
  if (b.substr(kHeaderMagic, 4) != "HdrS") throw bad("no \"HdrS\" setup header at offset 0x202");
  BzImageInfo info;
  info.protocol = le16(b, kVersion);
  if (info.protocol < 0x0200) throw bad(fmt::format("boot protocol {:#06x} is older than 2.00", info.protocol));
  if ((static_cast<uint8_t>(b[kLoadFlags]) & 0x01) == 0) throw bad("a zImage (not loaded high)");
  const size_t at = static_cast<size_t>(le16(b, kKernelVersion)) + 0x200;
  if (le16(b, kKernelVersion) == 0 || at >= b.size()) throw bad("no kernel version string");
  const size_t end = b.find('\0', at);
  if (end == std::string_view::npos) throw bad("unterminated kernel version string");
  info.version_string = std::string(b.substr(at, end - at));
  info.release = info.version_string.substr(0, info.version_string.find(' '));
  if (info.release.empty()) throw bad("empty kernel version string");
  return info;
}

BzImageInfo read_bzimage(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open kernel image: {}", path, std::strerror(errno)));
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return parse_bzimage(head, path);
}

}  // namespace nsm::vm
