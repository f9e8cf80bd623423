// How a benchmark that could not measure says why, inside Google Benchmark's own JSON.
//
// Google Benchmark 1.7.1 has only SkipWithError(message), so "not applicable here" and
// "our setup failed" both arrive as error_occurred. The suite prefixes the message with the
// outcome it means, and `nsmatrix bench` reads it back:
//   "skip: time namespaces unsupported: CONFIG_TIME_NS is not set (/proc/config.gz)"
//   "broken: RTM_NEWLINK veth nsm-a: EEXIST (File exists)"
// A message without a known prefix (an error Google Benchmark raised itself) is broken.
#pragma once

#include <string>
#include <string_view>

#include "core/checks.h"

namespace nsm::bench {

std::string skip_message(std::string_view reason);
std::string broken_message(std::string_view reason);

struct MarkedOutcome {
  Outcome outcome;     // Skip or Broken
  std::string reason;  // the message without its prefix
};
MarkedOutcome read_marked_outcome(std::string_view error_message);

}  // namespace nsm::bench
