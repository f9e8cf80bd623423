// Where the matrix's kernels come from: the kernel manifest and store (vm/kernels), or a
// bzImage path given on the command line. The one place that speaks the kernels API.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vm/matrix/matrix.h"

namespace nsm::vm {

// The manifest's kernels (from `manifest`, or the default one), or only `only` in the order
// given, or (with `tags`) those carrying any of the tags ("oldest", "newest", "debian").
// An id that is not in the manifest still becomes a MatrixKernel, whose prepare throws
// "unknown kernel id": that kernel gets its status and the others run.
std::vector<MatrixKernel> manifest_kernels(const std::optional<std::string>& manifest,
                                           const std::vector<std::string>& only,
                                           const std::vector<std::string>& tags = {});

// A kernel named on the command line: an existing file is a bzImage (with an optional
// modules tree); anything else is a manifest id.
MatrixKernel kernel_from_argument(const std::string& id_or_path, const std::optional<std::string>& modules_dir,
                                  const std::optional<std::string>& manifest);

}  // namespace nsm::vm
