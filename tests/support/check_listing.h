// Which checks a namespace type concerns, read from a check's JSON (an entry of
// conformance.json or of nsmatrix-conformance --nsm_list_checks): one definition for the
// mutation tests on the host and in a guest, and the off-variant tests.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace nsm::testing_support {

// The check's requirements name `type`. A need, not the check's type: a gap of type T may
// be about life without T.
bool needs_type(const nlohmann::json& check, std::string_view type);

// A guarantee the `type` mutation must kill: its type is `type`, or it needs it.
bool guarantee_of_type(const nlohmann::json& check, std::string_view type);

}  // namespace nsm::testing_support
