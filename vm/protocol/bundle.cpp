#include "vm/protocol/bundle.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "core/error.h"

namespace nsm::vm {

namespace {

// The packed form: 8 bytes of uncompressed size (little-endian), then the deflate stream.
std::string deflate_all(std::string_view raw) {
  uLongf bound = ::compressBound(static_cast<uLong>(raw.size()));
  std::string out(8 + bound, '\0');
  uint64_t size = raw.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  if (::compress2(reinterpret_cast<Bytef*>(out.data() + 8), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), Z_BEST_SPEED) != Z_OK)
    throw ToolError("pack_bundle: zlib compress2 failed");
  out.resize(8 + bound);
  return out;
}

std::string inflate_all(std::string_view packed, uint64_t limit) {
  if (packed.size() < 8) throw ToolError("results bundle: shorter than its size field");
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= static_cast<uint64_t>(static_cast<unsigned char>(packed[i])) << (8 * i);
  // The claim is checked before anything is allocated; uncompress never writes past it.
  if (size > limit)
    throw ToolError(fmt::format("results bundle: claims {} bytes decompressed, more than the {} allowed", size, limit));
  std::string out(size, '\0');
  uLongf got = static_cast<uLongf>(size);
  const int rc = ::uncompress(reinterpret_cast<Bytef*>(out.data()), &got,
                              reinterpret_cast<const Bytef*>(packed.data() + 8), static_cast<uLong>(packed.size() - 8));
  if (rc != Z_OK || got != size)
    throw ToolError(fmt::format("results bundle: not valid zlib data (zlib error {})", rc));
  return out;
}

}  // namespace

bool valid_bundle_name(std::string_view name) {
  if (name.empty() || name.size() > NAME_MAX || name[0] == '.') return false;
  for (const char c : name)
    if (c == '/' || c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

std::string pack_bundle(const Bundle& files) {
  std::string raw;
  for (const auto& [name, content] : files) {
    if (!valid_bundle_name(name)) throw ToolError(fmt::format("pack_bundle: invalid file name \"{}\"", name));
    raw += fmt::format("file {} {}\n", name, content.size());
    raw += content;
  }
  return deflate_all(raw);
}

Bundle unpack_bundle(std::string_view packed, const BundleLimits& limits, std::vector<std::string>* dropped) {
  const std::string raw = inflate_all(packed, limits.max_bytes);
  Bundle files;
  size_t records = 0;
  auto drop = [&](std::string why) {
    if (dropped) dropped->push_back(std::move(why));
  };
  std::string_view rest = raw;
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos || rest.substr(0, 5) != "file ")
      throw ToolError("results bundle: a record does not start with \"file NAME SIZE\"");
    const std::string_view header = rest.substr(5, eol - 5);
    const size_t space = header.rfind(' ');
    if (space == std::string_view::npos) throw ToolError("results bundle: a record header has no size");
    const std::string_view name = header.substr(0, space);
    size_t size = 0;
    auto [p, ec] = std::from_chars(header.data() + space + 1, header.data() + header.size(), size);
    if (ec != std::errc() || p != header.data() + header.size())
      throw ToolError(fmt::format("results bundle: bad size for {:?}", name.substr(0, 300)));
    rest.remove_prefix(eol + 1);
    if (rest.size() < size)
      throw ToolError(fmt::format("results bundle: a record of {} bytes runs past the end", size));
    const std::string_view content = rest.substr(0, size);
    rest.remove_prefix(size);
    // Names are shown escaped ({:?}): they are the guest's bytes.
    if (++records > limits.max_files) {
      if (records == limits.max_files + 1) drop(fmt::format("files past the first {} of the bundle", limits.max_files));
    } else if (!valid_bundle_name(name)) {
      drop(fmt::format("{:?}: not a valid file name", name.substr(0, 300)));
    } else if (size > limits.max_file_bytes) {
      drop(fmt::format("{:?}: {} bytes, more than the {} allowed for one file", name, size, limits.max_file_bytes));
    } else if (!files.emplace(std::string(name), std::string(content)).second) {
      drop(fmt::format("{:?}: a second file of that name", name));
    }
  }
  return files;
}

}  // namespace nsm::vm
