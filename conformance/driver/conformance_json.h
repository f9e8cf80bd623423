// conformance.json (docs/results-format.md): GoogleTest's own JSON document, verbatim,
// joined with the checks' metadata (nsmatrix-conformance --nsm_list_checks) into "checks"
// with DESIGN.md's outcomes, and a "summary" counting them.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/checks.h"

namespace nsm::conformance {

// Builds the document. `listing` is the array --nsm_list_checks printed. `gtest` is
// GoogleTest's JSON; nullopt when the suite wrote none (it died): then every listed check
// is broken, with `suite_end` ("killed by SIGSEGV") as the reason.
nlohmann::json conformance_document(const nlohmann::json& listing, const std::optional<nlohmann::json>& gtest,
                                    const std::string& suite_end);

// The outcome counts of a document's checks, every outcome present (0 when none).
std::map<Outcome, int> count_outcomes(const nlohmann::json& document);

// GoogleTest's "0.004s" as seconds; 0 when unreadable.
double gtest_seconds(const nlohmann::json& time);

}  // namespace nsm::conformance
