#include "conformance/gaps/test_module.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/child.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/proc.h"
#include "core/unique_fd.h"

namespace nsm::conformance {

namespace fs = std::filesystem;

namespace {

bool is_module_file(const std::string& file) {
  for (const char* suffix : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (file.ends_with(suffix)) return true;
  return false;
}

// The module name a file holds, by its file name: "dummy.ko.xz" -> "dummy",
// "snd-hda-intel.ko" -> "snd_hda_intel"; a guest's initramfs numbers its modules in load
// order ("07-vxlan.ko" -> "vxlan").
std::string module_name_of(const std::string& path) {
  std::string stem = fs::path(path).filename().string();
  stem = stem.substr(0, stem.find(".ko"));
  const auto dash = stem.find('-');
  if (dash != std::string::npos && dash > 0 &&
      std::all_of(stem.begin(), stem.begin() + static_cast<long>(dash),
                  [](unsigned char c) { return std::isdigit(c); }))
    stem = stem.substr(dash + 1);
  std::replace(stem.begin(), stem.end(), '-', '_');
  return stem;
}

// Loaded, and nothing holds it: no reference and no module depending on it.
bool is_unused(const std::string& name) {
  const auto refcnt = read_file("/sys/module/" + name + "/refcnt");
  if (!refcnt || trim(*refcnt) != "0") return false;
  std::error_code ec;
  return fs::is_empty("/sys/module/" + name + "/holders", ec) && !ec;
}

}  // namespace

std::vector<std::string> loaded_modules() {
  std::vector<std::string> names;
  std::istringstream in(read_file("/proc/modules").value_or(""));
  for (std::string line; std::getline(in, line);) names.push_back(line.substr(0, line.find(' ')));
  std::sort(names.begin(), names.end());
  return names;
}

bool is_loaded(const std::string& name) {
  const auto names = loaded_modules();
  return std::binary_search(names.begin(), names.end(), name);
}

TestModuleChoice find_test_module() {
  TestModuleChoice choice;
  auto take = [&choice](const std::string& path) {
    TestModule m{path, module_name_of(path), false};
    m.was_loaded = is_loaded(m.name);
    if (m.was_loaded && !is_unused(m.name)) {
      choice.why_none =
          fmt::format("module {} ({}) is loaded and in use, so it cannot be unloaded to be loaded again", m.name, path);
      return;
    }
    choice.module = m;
  };
  if (const char* explicit_path = std::getenv("NSMATRIX_TEST_MODULE")) {
    take(explicit_path);
    return choice;
  }
  const std::string root = "/lib/modules/" + KernelVersion::running().release();
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (is_module_file(it->path().filename().string())) files.push_back(it->path().string());
  // Later-loaded modules first: they are the ones nothing else depends on.
  std::sort(files.rbegin(), files.rend());
  for (const auto& path : files) {
    const std::string name = module_name_of(path);
    if ((name == "dummy" || name == "nlmon") && !is_loaded(name)) {
      take(path);
      return choice;
    }
  }
  for (const auto& path : files) {
    const std::string name = module_name_of(path);
    if (is_loaded(name) && is_unused(name)) {
      take(path);
      return choice;
    }
  }
  choice.why_none = files.empty()
                        ? fmt::format("no module file under {} (set NSMATRIX_TEST_MODULE to a .ko file)", root)
                        : fmt::format(
                              "none of the {} module files under {} is dummy or nlmon, or a loaded module nobody uses "
                              "(set NSMATRIX_TEST_MODULE to a .ko file)",
                              files.size(), root);
  return choice;
}

std::string load_module_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fmt::format("open({}): {}", path, errno_name(errno));
  constexpr int kCompressedFile = 4;  // MODULE_INIT_COMPRESSED_FILE (6.4+)
  const int flags = path.ends_with(".ko") ? 0 : kCompressedFile;
  return outcome_of(::syscall(SYS_finit_module, fd.get(), "", flags));
}

std::string unload_module(const std::string& name) {
  return outcome_of(::syscall(SYS_delete_module, name.c_str(), O_NONBLOCK));
}

std::string ModuleStateGuard::restore() const {
  const bool loaded = is_loaded(module_.name);
  if (module_.was_loaded && !loaded) {
    const std::string r = load_module_file(module_.path);
    return r == "ok" ? r : fmt::format("finit_module({}): {}", module_.path, r);
  }
  if (!module_.was_loaded && loaded) {
    const std::string r = unload_module(module_.name);
    return r == "ok" ? r : fmt::format("delete_module({}): {}", module_.name, r);
  }
  return "ok";
}

}  // namespace nsm::conformance
