#include "vm/initramfs/elf_image.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

namespace {

Elf64_Ehdr header_of(std::string_view image, std::string_view name) {
  Elf64_Ehdr eh{};
  if (image.size() < sizeof eh || std::memcmp(image.data(), ELFMAG, SELFMAG) != 0)
    throw ToolError(fmt::format("{}: not an ELF file", name));
  std::memcpy(&eh, image.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    throw ToolError(fmt::format("{}: not a 64-bit little-endian ELF file", name));
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff + uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr) > image.size())
    throw ToolError(fmt::format("{}: ELF program headers lie outside the file", name));
  return eh;
}

Elf64_Phdr program_header(std::string_view image, const Elf64_Ehdr& eh, int i) {
  Elf64_Phdr ph{};
  std::memcpy(&ph, image.data() + eh.e_phoff + size_t(i) * sizeof ph, sizeof ph);
  return ph;
}

}  // namespace

std::optional<std::string> elf_interpreter(std::string_view image, std::string_view name) {
  const Elf64_Ehdr eh = header_of(image, name);
  for (int i = 0; i < eh.e_phnum; ++i) {
    const Elf64_Phdr ph = program_header(image, eh, i);
    if (ph.p_type != PT_INTERP) continue;
    if (ph.p_offset + ph.p_filesz > image.size() || ph.p_filesz == 0)
      throw ToolError(fmt::format("{}: PT_INTERP lies outside the file", name));
    std::string interp(image.substr(ph.p_offset, ph.p_filesz));
    while (!interp.empty() && interp.back() == '\0') interp.pop_back();
    return interp;
  }
  return std::nullopt;
}

std::optional<std::string> elf_build_id(std::string_view image, std::string_view name) {
  const Elf64_Ehdr eh = header_of(image, name);
  for (int i = 0; i < eh.e_phnum; ++i) {
    const Elf64_Phdr ph = program_header(image, eh, i);
    if (ph.p_type != PT_NOTE) continue;
    if (ph.p_offset > image.size() || ph.p_filesz > image.size() - ph.p_offset)
      throw InputError(fmt::format("{}: PT_NOTE lies outside the file", name));
    const std::string_view notes = image.substr(ph.p_offset, ph.p_filesz);
    // Each note: namesz, descsz, type, then name and desc, each padded to 4 bytes.
    auto padded = [](uint64_t n) { return (n + 3) & ~uint64_t(3); };
    for (uint64_t at = 0; at + sizeof(Elf64_Nhdr) <= notes.size();) {
      Elf64_Nhdr nh{};
      std::memcpy(&nh, notes.data() + at, sizeof nh);
      const uint64_t name_at = at + sizeof nh, desc_at = name_at + padded(nh.n_namesz),
                     end = desc_at + padded(nh.n_descsz);
      if (end > notes.size()) throw InputError(fmt::format("{}: an ELF note overruns its segment", name));
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          notes.substr(name_at, 4) == std::string_view("GNU\0", 4)) {
        std::string hex;
        for (unsigned char c : notes.substr(desc_at, nh.n_descsz)) hex += fmt::format("{:02x}", c);
        return hex;
      }
      at = end;
    }
  }
  return std::nullopt;
}

std::string elf_loadable_only(std::string_view image, std::string_view name) {
  const Elf64_Ehdr eh = header_of(image, name);
  // Everything any segment refers to stays: loads, and the headers themselves.
  uint64_t end = eh.e_phoff + uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr);
  for (int i = 0; i < eh.e_phnum; ++i) {
    const Elf64_Phdr ph = program_header(image, eh, i);
    if (ph.p_type == PT_NULL) continue;
    if (ph.p_offset + ph.p_filesz > image.size())
      throw ToolError(fmt::format("{}: ELF segment {} lies outside the file", name, i));
    end = std::max<uint64_t>(end, ph.p_offset + ph.p_filesz);
  }
  std::string out(image.substr(0, end));
  Elf64_Ehdr stripped = eh;
  stripped.e_shoff = 0;
  stripped.e_shnum = 0;
  stripped.e_shstrndx = SHN_UNDEF;
  std::memcpy(out.data(), &stripped, sizeof stripped);
  return out;
}

}  // namespace nsm::vm
