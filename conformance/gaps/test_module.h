// The module the guest-only module gap loads from inside a container, and the guard that
// leaves the kernel's module list as it found it.
//
// Preferred: NSMATRIX_TEST_MODULE, else dummy or nlmon under /lib/modules/<release>
// (harmless, normally not loaded: loaded inside, then unloaded). A guest's initramfs may
// carry only the modules it loads at boot; then a loaded module nobody uses (refcount 0, no
// holders) serves: unloaded first, loaded again from inside - which also restores it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nsm::conformance {

struct TestModule {
  std::string path;         // the module file (.ko, or compressed .ko.xz/.zst/.gz)
  std::string name;         // as /proc/modules lists it
  bool was_loaded = false;  // loaded (and unused) before the check
};

// The names /proc/modules lists, sorted; empty when it cannot be read.
std::vector<std::string> loaded_modules();
bool is_loaded(const std::string& name);

// The module to use, or the reason there is none (for a skip).
struct TestModuleChoice {
  std::optional<TestModule> module;
  std::string why_none;
};
TestModuleChoice find_test_module();

// Puts the module back as it was - loaded when it was, absent when it was not - however
// the check ends. restore() says how that went ("ok" or the failed call and errno).
class ModuleStateGuard {
 public:
  explicit ModuleStateGuard(TestModule module) : module_(std::move(module)) {}
  ModuleStateGuard(const ModuleStateGuard&) = delete;
  ModuleStateGuard& operator=(const ModuleStateGuard&) = delete;
  ~ModuleStateGuard() { restore(); }
  std::string restore() const;

 private:
  TestModule module_;
};

// finit_module(2) of a module file, compressed ones through the kernel's decompressor
// (MODULE_INIT_COMPRESSED_FILE, 6.4+). "ok" or the errno's name.
std::string load_module_file(const std::string& path);
// delete_module(2). "ok" or the errno's name.
std::string unload_module(const std::string& name);

}  // namespace nsm::conformance
