// Loads a results directory into the model: a run (run.json and one directory per kernel)
// or a single kernel's directory. Every file is read with core/results.h (schema_version,
// kind) and checked field by field (parse.h); a file that fails becomes a message naming it
// in that kernel's `problems`, and the kernel is shown as infra-error. Nothing is guessed.
#pragma once

#include <string>

#include "reports/model.h"

namespace nsm::reports {

// Throws ResultsError when `dir` is missing, unreadable or holds no results at all.
RunResults load_results(const std::string& dir);

// One kernel's directory; its id is the directory's name. Never throws for bad files.
KernelResults load_kernel(const std::string& dir, const std::string& id);

// How many lines of console.log the report keeps (the end is what explains a failed boot).
inline constexpr size_t kConsoleTailLines = 60;

}  // namespace nsm::reports
