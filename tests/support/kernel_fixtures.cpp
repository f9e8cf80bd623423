#include "tests/support/kernel_fixtures.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace nsm::vm::test {

namespace {

template <typename T>
void put(std::string& out, size_t at, T value) {
  if (out.size() < at + sizeof value) out.resize(at + sizeof value, '\0');
  std::memcpy(out.data() + at, &value, sizeof value);
}

// Writes an archive into memory with the given format and filter.
class MemoryArchive {
 public:
  MemoryArchive(int (*set_format)(archive*), const std::string& filter) : a_(archive_write_new()) {
    set_format(a_);
    if (filter == "xz") archive_write_add_filter_xz(a_);
    if (filter == "zstd") archive_write_add_filter_zstd(a_);
    if (filter == "gzip") archive_write_add_filter_gzip(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    buffer_.resize(256 * 1024 * 1024 / 16);  // 16 MiB: enough for every fixture
    if (archive_write_open_memory(a_, buffer_.data(), buffer_.size(), &used_) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(a_));
    }
  }
  ~MemoryArchive() { archive_write_free(a_); }
  void add(const std::string& path, const std::string& content, bool directory = false) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    if (!directory && content.starts_with(kSymlinkPrefix)) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_perm(e, 0777);
      archive_entry_set_symlink(e, content.substr(kSymlinkPrefix.size()).c_str());
      if (archive_write_header(a_, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a_));
      archive_entry_free(e);
      return;
    }
    archive_entry_set_filetype(e, directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, directory ? 0755 : 0644);
    archive_entry_set_size(e, directory ? 0 : static_cast<la_int64_t>(content.size()));
    if (archive_write_header(a_, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a_));
    if (!directory && !content.empty()) archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
  }
  std::string finish() {
    archive_write_close(a_);
    return std::string(buffer_.data(), used_);
  }

 private:
  archive* a_;
  std::string buffer_;
  size_t used_ = 0;
};

}  // namespace

std::string make_module_elf(const std::string& name, const std::vector<std::string>& depends,
                            const std::string& vermagic) {
  std::string modinfo = "license=GPL";
  modinfo.push_back('\0');
  std::string deps;
  for (const auto& d : depends) deps += (deps.empty() ? "" : ",") + d;
  for (const std::string& field : {"depends=" + deps, "name=" + name, "vermagic=" + vermagic}) {
    modinfo += field;
    modinfo.push_back('\0');
  }
  const std::string shstrtab = std::string("\0.modinfo\0.shstrtab\0", 20);
  std::string elf(64, '\0');
  std::memcpy(elf.data(),
              "\x7f"
              "ELF",
              4);
  elf[4] = 2;                    // ELFCLASS64
  elf[5] = 1;                    // little-endian
  elf[6] = 1;                    // EV_CURRENT
  put<uint16_t>(elf, 0x10, 1);   // ET_REL
  put<uint16_t>(elf, 0x12, 62);  // EM_X86_64
  const uint64_t modinfo_at = 64, shstrtab_at = modinfo_at + modinfo.size();
  const uint64_t shoff = (shstrtab_at + shstrtab.size() + 7) / 8 * 8;
  put<uint64_t>(elf, 0x28, shoff);
  put<uint16_t>(elf, 0x34, 64);  // e_ehsize
  put<uint16_t>(elf, 0x3A, 64);  // e_shentsize
  put<uint16_t>(elf, 0x3C, 3);   // e_shnum
  put<uint16_t>(elf, 0x3E, 2);   // e_shstrndx
  elf += modinfo + shstrtab;
  elf.resize(shoff + 3 * 64, '\0');
  auto section = [&](int i, uint32_t name, uint32_t type, uint64_t offset, uint64_t size) {
    const size_t at = shoff + static_cast<size_t>(i) * 64;
    put<uint32_t>(elf, at, name);
    put<uint32_t>(elf, at + 4, type);
    put<uint64_t>(elf, at + 0x18, offset);
    put<uint64_t>(elf, at + 0x20, size);
  };
  section(1, 1, 1 /* PROGBITS */, modinfo_at, modinfo.size());
  section(2, 10, 3 /* STRTAB */, shstrtab_at, shstrtab.size());
  return elf;
}

std::string make_bzimage(const std::string& release) {
  std::string image(1024, '\0');
  put<uint16_t>(image, 0x1FE, 0xAA55);
  std::memcpy(image.data() + 0x202, "HdrS", 4);
  put<uint16_t>(image, 0x206, 0x020F);
  put<uint8_t>(image, 0x211, 0x01);
  const std::string version = release + " (test@nsmatrix) #1 SMP";
  put<uint16_t>(image, 0x20E, 0x300 - 0x200);
  std::memcpy(image.data() + 0x300, version.c_str(), version.size() + 1);
  return image;
}

std::string compress(const std::string& data, const std::string& filter) {
  MemoryArchive a(archive_write_set_format_raw, filter);
  a.add("data", data);
  return a.finish();
}

std::string make_tar(const std::map<std::string, std::string>& files, const std::string& filter) {
  MemoryArchive tar(archive_write_set_format_pax_restricted, filter);
  std::map<std::string, bool> dirs;
  for (const auto& [path, content] : files) {
    for (size_t slash = path.find('/', 2); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      const std::string dir = path.substr(0, slash + 1);
      if (!dirs[dir]) tar.add(dir, "", true);
      dirs[dir] = true;
    }
    tar.add(path, content);
  }
  return tar.finish();
}

std::string make_deb(const std::map<std::string, std::string>& files, const DebOptions& options) {
  std::string filter;
  if (options.data_member.ends_with(".xz")) filter = "xz";
  if (options.data_member.ends_with(".zst")) filter = "zstd";
  if (options.data_member.ends_with(".gz")) filter = "gzip";
  const std::string data = make_tar(files, filter);
  MemoryArchive control(archive_write_set_format_pax_restricted, "xz");
  control.add("./control", "Package: test\nVersion: 1\n");
  MemoryArchive deb(archive_write_set_format_ar_svr4, "");
  if (options.with_debian_binary) deb.add("debian-binary", "2.0\n");
  deb.add("control.tar.xz", control.finish());
  if (options.with_data) deb.add(options.data_member, data);
  return deb.finish();
}

}  // namespace nsm::vm::test
