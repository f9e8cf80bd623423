#include "vm/kernels/module_info.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace nsm::vm {

std::string module_name(std::string_view file_or_name) {
  if (const auto slash = file_or_name.rfind('/'); slash != std::string_view::npos) {
    file_or_name.remove_prefix(slash + 1);
  }
  if (const auto ko = file_or_name.find(".ko"); ko != std::string_view::npos) {
    file_or_name = file_or_name.substr(0, ko);
  }
  std::string name(file_or_name);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

namespace {

template <typename T>
T load(std::string_view bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

}  // namespace

ModuleInfo parse_module(std::string_view elf, const std::string& source) {
  auto bad = [&](std::string_view why) { return InputError(fmt::format("{}: not a kernel module: {}", source, why)); };
  // Elf64_Ehdr: e_ident[16], e_type, e_machine, e_version, e_entry, e_phoff, e_shoff (0x28),
  // e_flags, e_ehsize, e_phentsize, e_phnum, e_shentsize (0x3A), e_shnum (0x3C), e_shstrndx (0x3E).
  if (elf.size() < 0x40 || elf.substr(0, 4) !=
                               "\x7f"
                               "ELF")
    throw bad("no ELF header");
  if (elf[4] != 2 || elf[5] != 1) throw bad("not a 64-bit little-endian ELF file");
  const auto shoff = load<uint64_t>(elf, 0x28);
  const auto shentsize = load<uint16_t>(elf, 0x3A);
  const auto shnum = load<uint16_t>(elf, 0x3C);
  const auto shstrndx = load<uint16_t>(elf, 0x3E);
  if (shentsize < 0x40 || shnum == 0 || shstrndx >= shnum) throw bad("no section headers");
  if (shoff > elf.size() || uint64_t{shentsize} * shnum > elf.size() - shoff) {
    throw bad("section headers beyond the end of the file (truncated?)");
  }
  // Elf64_Shdr: sh_name (0), sh_type, sh_flags, sh_addr, sh_offset (0x18), sh_size (0x20).
  auto section = [&](uint16_t i) -> std::pair<uint64_t, uint64_t> {
    const uint64_t at = shoff + uint64_t{i} * shentsize;
    const auto offset = load<uint64_t>(elf, at + 0x18);
    const auto size = load<uint64_t>(elf, at + 0x20);
    if (offset > elf.size() || size > elf.size() - offset) {
      throw bad(fmt::format("section {} beyond the end of the file (truncated?)", i));
    }
    return {offset, size};
  };
  const auto [names_offset, names_size] = section(shstrndx);
  const std::string_view names = elf.substr(names_offset, names_size);
  std::string_view modinfo;
  bool found = false;
  for (uint16_t i = 0; i < shnum && !found; ++i) {
    const auto name_at = load<uint32_t>(elf, shoff + uint64_t{i} * shentsize);
    if (name_at >= names.size()) continue;
    const std::string_view name = names.substr(name_at, names.find('\0', name_at) - name_at);
    if (name == ".modinfo") {
      const auto [offset, size] = section(i);
      modinfo = elf.substr(offset, size);
      found = true;
    }
  }
  if (!found) throw bad("no .modinfo section");

  ModuleInfo info;
  info.name = module_name(source);
  for (size_t pos = 0; pos < modinfo.size();) {
    size_t end = modinfo.find('\0', pos);
    if (end == std::string_view::npos) end = modinfo.size();
    const std::string_view field = modinfo.substr(pos, end - pos);
    pos = end + 1;
    const auto eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = field.substr(eq + 1);
    if (key == "name") {
      info.name = module_name(value);
    } else if (key == "vermagic") {
      info.vermagic = value;
    } else if (key == "depends") {
      for (size_t p = 0; p <= value.size();) {
        size_t comma = value.find(',', p);
        if (comma == std::string_view::npos) comma = value.size();
        if (comma > p) info.depends.push_back(module_name(value.substr(p, comma - p)));
        p = comma + 1;
      }
    }
  }
  return info;
}

LoadPlan plan_module_load(const std::vector<std::string>& wanted, ModuleIndex& index) {
  LoadPlan plan;
  std::set<std::string> done;
  std::vector<std::string> chain;  // the path from a wanted module, to name cycles
  std::function<void(const std::string&, const ModuleInfo&)> visit = [&](const std::string& name,
                                                                         const ModuleInfo& info) {
    chain.push_back(name);
    for (const auto& dep : info.depends) {
      if (done.contains(dep)) continue;
      if (std::find(chain.begin(), chain.end(), dep) != chain.end()) {
        throw InputError(fmt::format("module dependency cycle: {} -> {}", fmt::join(chain, " -> "), dep));
      }
      const ModuleInfo* dep_info = index.find(dep);
      if (!dep_info) {
        throw InputError(fmt::format("module {} depends on {}, which is not among the modules ({})", name, dep,
                                     fmt::join(chain, " -> ")));
      }
      visit(dep, *dep_info);
    }
    chain.pop_back();
    if (done.insert(name).second) plan.load_order.push_back(name);
  };
  for (const auto& raw : wanted) {
    const std::string name = module_name(raw);
    if (done.contains(name)) continue;
    const ModuleInfo* info = index.find(name);
    if (!info) {
      plan.not_found.push_back(name);
      continue;
    }
    visit(name, *info);
  }
  return plan;
}

}  // namespace nsm::vm
