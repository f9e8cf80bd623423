#include "vm/kernels/bzimage.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"

namespace nsm::vm {
namespace {

TEST(BzImage, ReadsTheReleaseFromTheSetupHeader) {
  const auto info = parse_bzimage(test::make_bzimage("6.1.0-50-cloud-amd64"), "vmlinuz");
  EXPECT_EQ(info.release, "6.1.0-50-cloud-amd64");
  EXPECT_EQ(info.protocol, 0x020Fu);
  EXPECT_EQ(info.version_string, "6.1.0-50-cloud-amd64 (test@nsmatrix) #1 SMP");
}

TEST(BzImage, RejectsGarbageWithTheReason) {
  auto message = [](const std::string& bytes) {
    try {
      parse_bzimage(bytes, "img");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("short").find("img: not a bzImage: only 5 bytes"), std::string::npos);
  EXPECT_NE(message(std::string(4096, 'x')).find("boot signature"), std::string::npos);
  std::string no_hdrs = test::make_bzimage("6.1.0");
  no_hdrs[0x202] = 'X';
  EXPECT_NE(message(no_hdrs).find("HdrS"), std::string::npos);
  std::string zimage = test::make_bzimage("6.1.0");
  zimage[0x211] = 0;
  EXPECT_NE(message(zimage).find("zImage"), std::string::npos);
}

TEST(BzImage, MissingFileIsAnErrorNamingIt) {
  try {
    read_bzimage("/nonexistent/nsm-vmlinuz");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/nsm-vmlinuz"), std::string::npos);
  }
}

}  // namespace
}  // namespace nsm::vm
