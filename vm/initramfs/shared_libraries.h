// The shared libraries an executable loads, as the ELF interpreter itself resolves them
// (`ld.so --list`, which is LD_TRACE_LOADED_OBJECTS): exactly what the guest must hold
// for the binary to start, including libraries that libraries need.
#pragma once

#include <string>
#include <vector>

namespace nsm::vm {

// Absolute paths, in the interpreter's order, without the vDSO. Throws nsm::ToolError naming
// the binary and the library the interpreter could not find ("libfoo.so.1 => not found").
std::vector<std::string> shared_libraries(const std::string& interpreter, const std::string& binary);

// Parses the interpreter's --list output (exposed for tests).
std::vector<std::string> parse_loader_list(const std::string& text, const std::string& binary);

}  // namespace nsm::vm
