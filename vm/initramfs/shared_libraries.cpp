#include "vm/initramfs/shared_libraries.h"

#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"

namespace nsm::vm {

std::vector<std::string> parse_loader_list(const std::string& text, const std::string& binary) {
  std::vector<std::string> libraries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string entry = trim(line);
    if (entry.empty() || entry.find("statically linked") != std::string::npos) continue;
    std::string path;
    if (const size_t arrow = entry.find(" => "); arrow != std::string::npos) {
      path = entry.substr(arrow + 4);
      if (path.rfind("not found", 0) == 0)
        throw ToolError(
            fmt::format("{}: needs {}, which the ELF interpreter cannot find", binary, entry.substr(0, arrow)));
    } else {
      path = entry;  // the interpreter itself, or the vDSO
    }
    if (const size_t paren = path.find(" ("); paren != std::string::npos) path.resize(paren);
    if (path.empty() || path[0] != '/') continue;  // linux-vdso.so.1 lives in the kernel
    libraries.push_back(path);
  }
  return libraries;
}

std::vector<std::string> shared_libraries(const std::string& interpreter, const std::string& binary) {
  ProgramOptions options;
  options.timeout = std::chrono::seconds(30);
  const ProgramResult r = run_program({interpreter, "--list", binary}, options);
  if (!r.ok())
    throw ToolError(fmt::format("{} --list {}: {}: {}", interpreter, binary, r.status.describe(),
                                trim(r.err.empty() ? r.out : r.err)));
  return parse_loader_list(r.out, binary);
}

}  // namespace nsm::vm
