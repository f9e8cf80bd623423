#include "core/sha256.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm {

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  if (!context_->md || EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) != 1)
    throw ToolError("EVP_DigestInit_ex(sha256) failed");
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(context_->md, data.data(), data.size()) != 1) throw ToolError("EVP_DigestUpdate(sha256) failed");
  return *this;
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->md, digest, &length) != 1) throw ToolError("EVP_DigestFinal_ex(sha256) failed");
  std::string out;
  out.reserve(2 * length);
  for (unsigned i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string sha256_hex(std::string_view data) { return Sha256().update(data).hex(); }

}  // namespace nsm
