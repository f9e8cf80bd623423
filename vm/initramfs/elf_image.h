// What the initramfs builder needs from an ELF file: its program interpreter, and a copy
// without what a running program never reads (debug info, symbol tables, section headers).
// A RelWithDebInfo build is mostly debug info; the guest unpacks every byte under emulation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nsm::vm {

// PT_INTERP ("/lib64/ld-linux-x86-64.so.2"); nullopt for a static binary.
// Throws nsm::ToolError when `image` is not a 64-bit little-endian ELF file.
std::optional<std::string> elf_interpreter(std::string_view image, std::string_view name);

// The GNU build ID (NT_GNU_BUILD_ID in a PT_NOTE segment) as lower-case hex; nullopt when
// the file has none. It survives elf_loadable_only (notes are loaded), so a stripped guest
// binary and the host's copy with its debug info are matched by it when a guest crash is
// symbolised. Throws nsm::Error like elf_interpreter, and for a note that overruns its segment.
std::optional<std::string> elf_build_id(std::string_view image, std::string_view name);

// The file cut after the last byte a PT_LOAD segment maps, with the section header table
// dropped (the loader reads only program headers; the ELFkickers "sstrip" technique).
// Throws nsm::ToolError when `image` is not a 64-bit little-endian ELF file or is inconsistent.
std::string elf_loadable_only(std::string_view image, std::string_view name);

}  // namespace nsm::vm
