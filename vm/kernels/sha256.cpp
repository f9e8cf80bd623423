#include "vm/kernels/sha256.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw Error("EVP_Digest(sha256) failed");
  }
  std::string hex;
  for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace nsm::vm
