#include "vm/kernels/module_set.h"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/deb_archive.h"

namespace nsm::vm {

namespace fs = std::filesystem;

bool is_module_file(const std::string& name) {
  for (const char* ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
    if (name.ends_with(ext)) return true;
  }
  return false;
}

void ModuleFiles::add(const std::string& path) { paths_.emplace(module_name(path), path); }

void ModuleFiles::add_tree(const std::string& dir) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw InputError(fmt::format("{}: cannot read the modules directory: {}", dir, ec.message()));
  for (const auto& entry : it) {
    if (entry.is_regular_file() && is_module_file(entry.path().filename().string())) add(entry.path().string());
  }
}

std::string ModuleFiles::contents(const std::string& name) {
  const auto it = paths_.find(name);
  if (it == paths_.end()) throw InputError(fmt::format("no module {}", name));
  return decompress(must_read_file(it->second), it->second);
}

const ModuleInfo* ModuleFiles::find(const std::string& name) {
  if (auto it = parsed_.find(name); it != parsed_.end()) return &it->second;
  const auto path = paths_.find(name);
  if (path == paths_.end()) return nullptr;
  ModuleInfo info = parse_module(contents(name), path->second);
  info.name = name;  // the file name is what depends= refers to
  return &parsed_.emplace(name, std::move(info)).first->second;
}

InstalledModules install_modules(ModuleFiles& files, const std::vector<std::string>& wanted, const std::string& dest,
                                 const std::set<std::string>& builtin_names) {
  InstalledModules out;
  const LoadPlan plan = plan_module_load(wanted, files);
  if (!plan.load_order.empty()) make_directories(dest);
  for (const auto& name : plan.load_order) {
    const std::string path = dest + "/" + name + ".ko";
    write_whole_file(path, files.contents(name));
    out.load_order.push_back(path);
  }
  for (const auto& name : plan.not_found) {
    (builtin_names.contains(name) ? out.builtin : out.absent).push_back(name);
  }
  return out;
}

std::set<std::string> parse_modules_builtin(const std::string& text) {
  std::set<std::string> names;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = trim(std::string_view(text).substr(pos, nl - pos));
    if (!line.empty()) names.insert(module_name(line));
    pos = nl + 1;
  }
  return names;
}

}  // namespace nsm::vm
