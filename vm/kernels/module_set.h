// The guest's modules out of a kernel's module tree: find each wanted module and what it
// depends on (module_info.h), decompress them into one flat directory, in load order.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vm/kernels/module_info.h"

namespace nsm::vm {

// Module files on disk (.ko, .ko.xz, .ko.zst, .ko.gz), by module name. Reads and parses a
// module only when asked for.
class ModuleFiles : public ModuleIndex {
 public:
  // Adds a file; the first file of a name wins.
  void add(const std::string& path);
  // Adds every module file below `dir`, recursively.
  void add_tree(const std::string& dir);
  size_t size() const { return paths_.size(); }
  const ModuleInfo* find(const std::string& name) override;
  // The module's bytes, decompressed.
  std::string contents(const std::string& name);

 private:
  std::map<std::string, std::string> paths_;
  std::map<std::string, ModuleInfo> parsed_;
};

bool is_module_file(const std::string& name);

struct InstalledModules {
  std::vector<std::string> load_order;  // paths in `dest`, dependencies first
  std::vector<std::string> builtin;     // wanted, not a module, listed in modules.builtin or the config as =y
  std::vector<std::string> absent;      // wanted, neither a module nor built in (as far as we know)
};

// Plans `wanted`, writes each module decompressed as DEST/NAME.ko. `builtin_names` are the
// names modules.builtin lists (may be empty when unknown).
InstalledModules install_modules(ModuleFiles& files, const std::vector<std::string>& wanted, const std::string& dest,
                                 const std::set<std::string>& builtin_names);

// Module names from a modules.builtin file ("kernel/net/bridge/bridge.ko" per line).
std::set<std::string> parse_modules_builtin(const std::string& text);

}  // namespace nsm::vm
