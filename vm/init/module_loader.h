// Loads the per-kernel archive's modules with finit_module(2), in the order the host
// resolved from their dependencies.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nsm::vm::init {

// Reads the list file (one module path a line) and loads each. Returns one record per
// module: {"name", "ok", "error"}; EEXIST (already built in or loaded) counts as ok.
// A missing list means a kernel without modules to load: an empty array.
nlohmann::json load_modules(const std::string& list_path);

}  // namespace nsm::vm::init
