// A results directory packed into one byte string, to cross the results serial port:
// named files, zlib-compressed (the port is the slowest part of bringing results home).
//
//   file <name> <size>\n<size bytes>   ... repeated, then deflated as a whole.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace nsm::vm {

using Bundle = std::map<std::string, std::string>;  // file name (no '/') -> content

std::string pack_bundle(const Bundle& files);
// Throws nsm::Error naming what is wrong (not zlib data, a record that runs past the end,
// a name with a '/', "." or "..").
Bundle unpack_bundle(std::string_view packed);

// Whether `name` may be a file name in a bundle: non-empty, no '/', not "." or "..".
bool valid_bundle_name(std::string_view name);

}  // namespace nsm::vm
