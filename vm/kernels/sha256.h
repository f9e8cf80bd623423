// SHA-256 as lowercase hex (OpenSSL's libcrypto): cache keys and the fragment_sha256 field.
#pragma once

#include <string>
#include <string_view>

namespace nsm::vm {

std::string sha256_hex(std::string_view data);

}  // namespace nsm::vm
