// Every JSON document from outside goes through parse_json_bounded (core/results.h): it must
// reject what is malformed or too deep with nsm::Error, and what it accepts must be shallow
// enough that copying, dumping and destroying it stay within the stack.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/results.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = nsm::fuzz::as_text(data, size);
  for (int depth : {nsm::kMaxJsonDepth, 3}) {
    try {
      nlohmann::json doc = nsm::parse_json_bounded(text, depth);
      const nlohmann::json copy = doc;
      NSM_FUZZ_CHECK(copy == doc);
      (void)doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const nsm::Error&) {
    }
  }
  return 0;
}
