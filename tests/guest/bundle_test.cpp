#include "vm/protocol/bundle.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace nsm::vm {
namespace {

TEST(Bundle, RoundTrips) {
  const Bundle files = {
      {"probe.json", "{\"kind\": \"probe\"}\n"}, {"empty.log", ""}, {"bin", std::string("\0\1\2", 3)}};
  EXPECT_EQ(unpack_bundle(pack_bundle(files)), files);
}

TEST(Bundle, EmptyRoundTrips) { EXPECT_TRUE(unpack_bundle(pack_bundle({})).empty()); }

TEST(Bundle, CompressesText) {
  const Bundle files = {{"conformance.json", std::string(100000, 'a')}};
  EXPECT_LT(pack_bundle(files).size(), 2000u);
}

TEST(Bundle, RefusesPathsInNames) {
  EXPECT_THROW(pack_bundle({{"../x", "y"}}), Error);
  EXPECT_THROW(pack_bundle({{"..", "y"}}), Error);
  EXPECT_THROW(pack_bundle({{"a b", "y"}}), Error);
  EXPECT_FALSE(valid_bundle_name(""));
  EXPECT_TRUE(valid_bundle_name("probe.json"));
}

TEST(Bundle, GarbageAndTruncationAreErrorsNotCrashes) {
  EXPECT_THROW(unpack_bundle(""), Error);
  EXPECT_THROW(unpack_bundle("garbage that is not zlib"), Error);
  const std::string packed = pack_bundle({{"probe.json", std::string(5000, 'p')}});
  for (size_t cut : {9ul, packed.size() / 2, packed.size() - 1})
    EXPECT_THROW(unpack_bundle(packed.substr(0, cut)), Error) << cut;
}

TEST(Bundle, HugeClaimedSizeIsRefused) {
  std::string packed(8, '\xff');
  packed += "x";
  EXPECT_THROW(unpack_bundle(packed), Error);
}

}  // namespace
}  // namespace nsm::vm
