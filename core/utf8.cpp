#include "core/utf8.h"

#include <cstdint>

namespace nsm {

size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0)
    len = 2, cp = b & 0x1F;
  else if ((b & 0xF0) == 0xE0)
    len = 3, cp = b & 0x0F;
  else if ((b & 0xF8) == 0xF0)
    len = 4, cp = b & 0x07;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return len;
}

bool is_xml_nonchar(std::string_view s, size_t i, size_t len) {
  return len == 3 && static_cast<unsigned char>(s[i]) == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
         (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF);
}

std::string valid_utf8(std::string_view text, bool* replaced) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8_sequence(text, i);
    if (len == 0 || is_xml_nonchar(text, i, len)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      if (replaced) *replaced = true;
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace nsm
