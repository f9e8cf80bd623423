// The results directories under tests/reports/fixtures, copied into a test's own directory
// to be changed there, and whole-file reads and writes.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace nsm::reports::testing {

using nsm::test::TempDir;

// The fixture directory `name` under tests/reports/fixtures.
std::string fixture(const std::string& name);
// Copies a fixture run into `dir` and returns the copy's path.
std::string copy_fixture(const std::string& name, const TempDir& dir);

std::string slurp(const std::string& path);
void spit(const std::string& path, const std::string& text);
// Parses the JSON file at `path`, lets `edit` change it, and writes it back.
void edit_json(const std::string& path, const std::function<void(nlohmann::json&)>& edit);

}  // namespace nsm::reports::testing
