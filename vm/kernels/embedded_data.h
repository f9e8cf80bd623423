// Files of vm/kernels/ compiled into the binary (see vm/CMakeLists.txt), so `nsmatrix`
// works from any directory: the manifest and the Kconfig fragments.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace nsm::vm::embedded {

// Relative path ("manifest.json", "fragments/guest-base.config") -> content.
const std::map<std::string, std::string_view, std::less<>>& files();

}  // namespace nsm::vm::embedded
