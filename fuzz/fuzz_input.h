// What every fuzz target shares: the input as text, and cutting it into the parts a target
// feeds to different parsers. Parts are separated by a line "%%" (seeds stay readable; the
// fuzzer finds the separator in the seeds and keeps or drops it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace nsm::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// `text` cut at each "\n%%\n" into exactly `n` parts (missing ones empty, the last one takes the rest).
inline std::vector<std::string_view> split_parts(std::string_view text, size_t n) {
  constexpr std::string_view kSep = "\n%%\n";
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const size_t at = text.find(kSep);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + kSep.size());
  }
  parts.push_back(text);
  parts.resize(n);
  return parts;
}

// A broken invariant of the code under test: a finding, reported as a crash with its input.
#define NSM_FUZZ_CHECK(cond)                                                                       \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      __builtin_fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                            \
    }                                                                                              \
  } while (0)

}  // namespace nsm::fuzz
