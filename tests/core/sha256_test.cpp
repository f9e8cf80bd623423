#include "core/sha256.h"

#include <string>

#include <gtest/gtest.h>

namespace nsm {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256().update("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256().update("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256().update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 pieces;
  for (int i = 0; i < 1000; ++i) pieces.update(std::string(1000, 'a'));
  EXPECT_EQ(pieces.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, OneShotMatchesStreamed) { EXPECT_EQ(sha256_hex("abc"), Sha256().update("a").update("bc").hex()); }

}  // namespace
}  // namespace nsm
