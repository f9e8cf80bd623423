// UTF-8 checking for text from outside (a guest's bytes, a file name): results files and
// reports must stay well-formed whatever they quote.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nsm {

// Length of the valid UTF-8 sequence at `i` (1 for ASCII), or 0 when the bytes there are
// not one (overlong forms, surrogates and values past U+10FFFF are not).
size_t utf8_sequence(std::string_view s, size_t i);

// Whether the sequence at `i` of length `len` is U+FFFE or U+FFFF, which XML forbids.
bool is_xml_nonchar(std::string_view s, size_t i, size_t len);

// `text` as valid UTF-8 that XML also accepts: each invalid byte and the non-characters
// U+FFFE and U+FFFF become U+FFFD. `replaced` (when given) is set when any was.
std::string valid_utf8(std::string_view text, bool* replaced = nullptr);

}  // namespace nsm
