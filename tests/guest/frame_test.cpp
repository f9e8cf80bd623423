#include "vm/protocol/frame.h"

#include <gtest/gtest.h>

namespace nsm::vm {
namespace {

TEST(Frame, RoundTripsAfterLineNoise) {
  const std::string payload("binary\0payload\nwith newlines", 28);
  const std::string stream = "boot noise\r\n" + encode_frame("results", payload);
  const DecodedFrame f = decode_frame(stream, "results");
  ASSERT_EQ(f.state, DecodedFrame::State::Complete) << f.problem;
  EXPECT_EQ(f.payload, payload);
}

TEST(Frame, EmptyPayloadIsComplete) {
  EXPECT_EQ(decode_frame(encode_frame("status", ""), "status").state, DecodedFrame::State::Complete);
}

TEST(Frame, OtherKindIsMissing) {
  const DecodedFrame f = decode_frame(encode_frame("results", "x"), "status");
  EXPECT_EQ(f.state, DecodedFrame::State::Missing);
  EXPECT_EQ(decode_frame("", "status").state, DecodedFrame::State::Missing);
}

TEST(Frame, EveryTruncationIsTruncatedNeverComplete) {
  const std::string whole = encode_frame("results", std::string(300, 'r'));
  // Cut anywhere after the magic: the reader must see the loss.
  for (size_t cut = 18; cut < whole.size(); ++cut) {
    const DecodedFrame f = decode_frame(whole.substr(0, cut), "results");
    EXPECT_EQ(f.state, DecodedFrame::State::Truncated) << "cut at " << cut << ": " << f.problem;
  }
}

TEST(Frame, TruncationSaysHowMuchArrived) {
  const std::string whole = encode_frame("results", std::string(1000, 'r'));
  const DecodedFrame f = decode_frame(whole.substr(0, whole.find('\n') + 1 + 400), "results");
  EXPECT_EQ(f.state, DecodedFrame::State::Truncated);
  EXPECT_NE(f.problem.find("400 of 1000"), std::string::npos) << f.problem;
}

TEST(Frame, FlippedByteIsCorrupt) {
  std::string whole = encode_frame("results", std::string(100, 'r'));
  whole[whole.find('\n') + 50] = 'X';
  const DecodedFrame f = decode_frame(whole, "results");
  EXPECT_EQ(f.state, DecodedFrame::State::Corrupt);
  EXPECT_NE(f.problem.find("checksum"), std::string::npos);
}

TEST(Frame, MalformedHeaderIsCorrupt) {
  EXPECT_EQ(decode_frame("NSMFRAME1 results twelve zz\nabc", "results").state, DecodedFrame::State::Corrupt);
  EXPECT_EQ(decode_frame("NSMFRAME1 results 3\nabc", "results").state, DecodedFrame::State::Corrupt);
}

TEST(Frame, Crc32MatchesTheStandardCheckValue) { EXPECT_EQ(crc32_of("123456789"), 0xcbf43926u); }

}  // namespace
}  // namespace nsm::vm
