#include "benchmarks/outcome_marker.h"

namespace nsm::bench {

namespace {
constexpr std::string_view kSkip = "skip: ";
constexpr std::string_view kBroken = "broken: ";
}  // namespace

std::string skip_message(std::string_view reason) { return std::string(kSkip) + std::string(reason); }

std::string broken_message(std::string_view reason) { return std::string(kBroken) + std::string(reason); }

MarkedOutcome read_marked_outcome(std::string_view message) {
  if (message.starts_with(kSkip)) return {Outcome::Skip, std::string(message.substr(kSkip.size()))};
  if (message.starts_with(kBroken)) return {Outcome::Broken, std::string(message.substr(kBroken.size()))};
  return {Outcome::Broken, std::string(message)};
}

}  // namespace nsm::bench
