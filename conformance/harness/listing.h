// The registered checks as data: for `nsmatrix test` (which joins them with GoogleTest's
// results into conformance.json) and for CTest (labels per test).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conformance/harness/check.h"

namespace nsm::conformance {

// conformance, gap, root, rootless, guest-only: what `ctest -L` selects on.
std::vector<std::string> ctest_labels(const CheckInfo& info);

// [{"test": "NetNamespace.FreshHasOnlyLoopbackDown", "id": ..., "kind": ..., "type": ...,
//   "title": ..., "requirements": {...}, "labels": [...], "file": ..., "line": N}, ...]
nlohmann::json checks_listing();

// set_tests_properties(...) lines for every check.
std::string ctest_labels_script();

}  // namespace nsm::conformance
