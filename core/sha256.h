// SHA-256 as lowercase hex, from OpenSSL's libcrypto: content-addressed cache names (the
// initramfs archives, built kernels) and the *_sha256 fields of kernel.json.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace nsm {

// Streamed, for inputs of tens of megabytes hashed piece by piece.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(std::string_view data);
  // The digest as 64 lowercase hex digits. The object is spent afterwards.
  std::string hex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string sha256_hex(std::string_view data);

}  // namespace nsm
