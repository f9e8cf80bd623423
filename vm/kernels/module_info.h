// Kernel modules without depmod: each .ko is an ELF file whose .modinfo section holds
// NUL-separated "key=value" strings; "depends=a,b" names the modules it needs loaded first.
// Debian's packages ship no modules.dep, so load order comes from these.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct ModuleInfo {
  std::string name;                  // modinfo "name=", else from the file name
  std::vector<std::string> depends;  // normalised names, in the order written
  std::string vermagic;              // "6.12.117+deb13-cloud-amd64 SMP preempt mod_unload modversions"
};

// "nf-conntrack.ko.xz" -> "nf_conntrack"; "bridge" -> "bridge". Module names treat - and _ alike.
std::string module_name(std::string_view file_or_name);

// Parses an uncompressed module. Throws nsm::InputError naming `source` when the bytes are not a
// 64-bit little-endian ELF file, a header points outside the file, or there is no .modinfo.
ModuleInfo parse_module(std::string_view elf, const std::string& source);

// Finds a module's dependencies, by name. Returns nullptr when no module of that name exists.
class ModuleIndex {
 public:
  virtual ~ModuleIndex() = default;
  virtual const ModuleInfo* find(const std::string& name) = 0;
};

struct LoadPlan {
  std::vector<std::string> load_order;  // dependencies first; every module once
  std::vector<std::string> not_found;   // wanted modules that are not modules here
};

// The wanted modules and, recursively, what they depend on, dependencies first. A wanted
// module the index does not have goes to not_found (it may be built in); a missing
// *dependency* or a dependency cycle is an error naming the chain.
LoadPlan plan_module_load(const std::vector<std::string>& wanted, ModuleIndex& index);

}  // namespace nsm::vm
