// A results directory packed into one byte string, to cross the results serial port:
// named files, zlib-compressed (the port is the slowest part of bringing results home).
//
//   file <name> <size>\n<size bytes>   ... repeated, then deflated as a whole.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

using Bundle = std::map<std::string, std::string>;  // file name (no '/') -> content

// What the host accepts from a guest, whatever the guest claims. A real bundle is a few
// hundred kilobytes in a handful of files.
struct BundleLimits {
  size_t max_bytes = size_t{64} << 20;       // decompressed, the whole bundle (zip bombs stop here)
  size_t max_files = 64;                     // records kept; the rest are dropped and said
  size_t max_file_bytes = size_t{16} << 20;  // one file; a bigger one is dropped and said
};

std::string pack_bundle(const Bundle& files);
// Throws nsm::ToolError naming what is wrong (not zlib data, a record that runs past the end,
// more than limits.max_bytes decompressed). Records past a limit, with an invalid name or a
// repeated one are dropped and one line each is appended to `dropped` (when given).
Bundle unpack_bundle(std::string_view packed, const BundleLimits& limits = {},
                     std::vector<std::string>* dropped = nullptr);

// Whether `name` may be a file name in a bundle (and a directory name the host makes from
// it): 1 to NAME_MAX bytes, no '/', no leading '.' (no ".", "..", nor hidden files that could
// shadow the host's own, like ".qemu"), no space and no control characters.
bool valid_bundle_name(std::string_view name);

}  // namespace nsm::vm
