// SHA-256 (FIPS 180-4), streamed, for content-addressed cache names of initramfs archives
// (their inputs are tens of megabytes, hashed piece by piece).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nsm::vm {

class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view data);
  // The digest as 64 lowercase hex digits. The object is spent afterwards.
  std::string hex();

 private:
  void block(const unsigned char* p);
  std::array<uint32_t, 8> h_;
  unsigned char buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

}  // namespace nsm::vm
