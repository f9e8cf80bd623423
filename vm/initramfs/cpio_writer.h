// Writes an initramfs: a cpio archive in the "newc" format the kernel unpacks, through
// libarchive. The kernel unpacks concatenated archives in order, so a run's initramfs is
// the shared base archive followed by a small per-kernel one.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

struct archive;
struct archive_entry;

namespace nsm::vm {

class CpioWriter {
 public:
  // Creates (truncates) `path`. Throws nsm::ToolError with libarchive's message.
  explicit CpioWriter(const std::string& path);
  CpioWriter(const CpioWriter&) = delete;
  CpioWriter& operator=(const CpioWriter&) = delete;
  ~CpioWriter();

  // Paths inside the archive are relative ("usr/lib/x"); parents must be added first.
  void add_directory(std::string_view path, mode_t mode = 0755);
  void add_file(std::string_view path, std::string_view content, mode_t mode = 0644);
  void add_symlink(std::string_view path, std::string_view target);
  void add_char_device(std::string_view path, unsigned major, unsigned minor, mode_t mode = 0600);
  // Writes the trailer and closes; throws on failure. The destructor does this silently.
  void finish();

 private:
  void write_header(::archive_entry* entry, std::string_view path);
  std::string path_;
  struct archive* archive_ = nullptr;
};

// The initramfs cache reuses an archive only when its bytes still hash to the SHA-256
// recorded beside it (<path>.sha256) when it was made: existence alone proves nothing (a
// write cut short, a file changed since). record_cached_archive writes that record.
bool cached_archive_intact(const std::string& path);
void record_cached_archive(const std::string& path);

}  // namespace nsm::vm
