// --filter of `nsmatrix test` and `nsmatrix run`: patterns over check ids as the report
// shows them ("uts.*", "*.gap.*") and over GoogleTest names ("UtsNamespace.*"), turned
// into the exact --gtest_filter the suite runs.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nsm::conformance {

// `filter` is PATTERN[:PATTERN...][-PATTERN[:PATTERN...]], GoogleTest's shape: '*' matches
// any run of characters, '?' one; a check is selected when its id or its GoogleTest name
// matches a pattern before the '-' (none: every check) and no pattern after it. Ids have
// '-' inside words ("user.maps.setgroups-deny-first"), so the '-' that starts the
// exclusions is one that begins the filter, follows ':', or follows a pattern with a
// capital letter (a GoogleTest name; ids are lower case): "NetNamespace.*-*Slow*".
// `listing` is the suite's --nsm_list_checks ([{"id", "test", ...}]). Returns the selected
// tests' names joined by ':'. Throws nsm::InputError when the filter selects no check.
std::string gtest_filter_for(std::string_view filter, const nlohmann::json& listing);

// Whether `text` matches `pattern` ('*' any run, '?' one character, nothing else special).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace nsm::conformance
