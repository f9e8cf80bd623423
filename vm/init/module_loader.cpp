#include "vm/init/module_loader.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"

namespace nsm::vm::init {

namespace {
// brd: one 16 MiB RAM disk, the guest's block device and swap area (swap_area.h).
const char* parameters_of(const std::string& name) { return name == "brd" ? "rd_nr=1 rd_size=16384" : ""; }
}  // namespace

nlohmann::json load_modules(const std::string& list_path) {
  nlohmann::json records = nlohmann::json::array();
  auto list = read_file(list_path);
  if (!list) return records;
  std::istringstream lines(*list);
  std::string path;
  while (std::getline(lines, path)) {
    if (path.empty()) continue;
    std::string name = path.substr(path.rfind('/') + 1);
    name = name.substr(name.find('-') + 1);  // "03-veth.ko" -> "veth.ko"
    name = name.substr(0, name.find(".ko"));
    std::string error;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      error = SysError(fmt::format("open({})", path), errno).what();
    } else if (::syscall(SYS_finit_module, fd.get(), parameters_of(name), 0) != 0 && errno != EEXIST) {
      error = SysError(fmt::format("finit_module({})", name), errno).what();
    }
    records.push_back(
        {{"name", name}, {"ok", error.empty()}, {"error", error.empty() ? nlohmann::json() : nlohmann::json(error)}});
  }
  return records;
}

}  // namespace nsm::vm::init
