// Framing for the guest's side channels (the results and status serial ports). A serial
// line can lose the tail of a transfer (the VM died, the host killed it), so every frame
// says how long it is and carries a checksum; a reader tells "complete", "truncated" and
// "corrupt" apart instead of trusting whatever bytes arrived.
//
//   NSMFRAME1 <kind> <length> <crc32 as 8 hex digits>\n<length bytes of payload>\nNSMEND\n
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsm::vm {

std::string encode_frame(std::string_view kind, std::string_view payload);

struct DecodedFrame {
  enum class State { Complete, Missing, Truncated, Corrupt };
  State state = State::Missing;
  std::string payload;  // only when Complete
  std::string problem;  // for people: "truncated: 812 of 4096 payload bytes arrived"
};

// Finds the first frame of `kind` in `stream` (anything before it, such as line noise, is
// skipped). Missing when no header of that kind is there.
DecodedFrame decode_frame(std::string_view stream, std::string_view kind);

uint32_t crc32_of(std::string_view data);

}  // namespace nsm::vm
