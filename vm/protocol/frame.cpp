#include "vm/protocol/frame.h"

#include <charconv>

#include <fmt/format.h>
#include <zlib.h>

namespace nsm::vm {

namespace {
constexpr std::string_view kMagic = "NSMFRAME1 ";
constexpr std::string_view kTrailer = "\nNSMEND\n";
}  // namespace

uint32_t crc32_of(std::string_view data) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large inputs in pieces.
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

std::string encode_frame(std::string_view kind, std::string_view payload) {
  std::string out = fmt::format("{}{} {} {:08x}\n", kMagic, kind, payload.size(), crc32_of(payload));
  out.append(payload);
  out.append(kTrailer);
  return out;
}

DecodedFrame decode_frame(std::string_view stream, std::string_view kind) {
  DecodedFrame frame;
  const std::string header_start = fmt::format("{}{} ", kMagic, kind);
  const size_t at = stream.find(header_start);
  if (at == std::string_view::npos) {
    frame.problem = fmt::format("no {} frame", kind);
    return frame;
  }
  const size_t eol = stream.find('\n', at);
  if (eol == std::string_view::npos) {
    frame.state = DecodedFrame::State::Truncated;
    frame.problem = fmt::format("truncated: the {} frame's header is incomplete", kind);
    return frame;
  }
  const std::string_view fields = stream.substr(at + header_start.size(), eol - at - header_start.size());
  const size_t space = fields.find(' ');
  size_t length = 0;
  uint32_t crc = 0;
  bool parsed = space != std::string_view::npos && fields.size() - space - 1 == 8;
  if (parsed) {
    auto [p1, e1] = std::from_chars(fields.data(), fields.data() + space, length);
    auto [p2, e2] = std::from_chars(fields.data() + space + 1, fields.data() + fields.size(), crc, 16);
    parsed =
        e1 == std::errc() && p1 == fields.data() + space && e2 == std::errc() && p2 == fields.data() + fields.size();
  }
  if (!parsed) {
    frame.state = DecodedFrame::State::Corrupt;
    frame.problem = fmt::format("corrupt: the {} frame's header is malformed: \"{}\"", kind, fields);
    return frame;
  }
  const std::string_view rest = stream.substr(eol + 1);
  if (rest.size() < length) {
    frame.state = DecodedFrame::State::Truncated;
    frame.problem = fmt::format("truncated: {} of {} payload bytes of the {} frame arrived", rest.size(), length, kind);
    return frame;
  }
  const std::string_view payload = rest.substr(0, length);
  if (crc32_of(payload) != crc) {
    frame.state = DecodedFrame::State::Corrupt;
    frame.problem =
        fmt::format("corrupt: the {} frame's checksum is {:08x}, its header says {:08x}", kind, crc32_of(payload), crc);
    return frame;
  }
  if (rest.substr(length, kTrailer.size()) != kTrailer) {
    frame.state = DecodedFrame::State::Truncated;
    frame.problem = fmt::format("truncated: the {} frame's end marker is missing", kind);
    return frame;
  }
  frame.state = DecodedFrame::State::Complete;
  frame.payload.assign(payload);
  return frame;
}

}  // namespace nsm::vm
