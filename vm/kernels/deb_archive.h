// Reading a Debian package without dpkg: a .deb is an ar archive whose members are
// debian-binary ("2.0"), control.tar.* and data.tar.{xz,zst,gz,bz2,}; libarchive reads the
// ar container and, nested inside it, the compressed tar of the files the package installs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace nsm::vm {

struct DebEntry {
  std::string path;  // as installed, without the leading "./": "boot/vmlinuz-5.10.0-32-cloud-amd64"
  bool is_file = false;
  bool is_dir = false;
  bool is_symlink = false;
  std::string link_target;
  int64_t size = 0;
  unsigned mode = 0644;  // permission bits
};

// The content of the entry being visited. Valid only during the visit.
class EntryReader {
 public:
  virtual ~EntryReader() = default;
  // Up to `size` bytes; 0 at the end. Throws nsm::ToolError on corrupt or truncated data.
  virtual size_t read(void* buf, size_t size) = 0;
  std::string read_all();
  // Writes the content to `path` (created 0644, or replaced). Throws SysError / Error.
  void copy_to(const std::string& path);
};

// Calls `visit` for every entry of the package's data.tar, in archive order. Throws
// nsm::ToolError naming the file for anything that is not a readable .deb: missing, not an ar
// archive, no debian-binary 2.x, no data.tar member, a corrupt or truncated member.
void for_each_deb_entry(const std::string& deb_path, const std::function<void(const DebEntry&, EntryReader&)>& visit);

// Reads `source` (a compressed tar, for instance linux-source-6.12.tar.xz streamed out of a
// .deb) entry by entry. `name` names it in errors.
void for_each_tar_entry(EntryReader& source, const std::string& name,
                        const std::function<void(const DebEntry&, EntryReader&)>& visit);

// Decompresses xz, zstd, gzip or bzip2 data (a .ko.xz module); plain data comes back as-is.
// Throws nsm::ToolError naming `name` when the data is corrupt or truncated.
std::string decompress(std::string_view data, const std::string& name);

}  // namespace nsm::vm
