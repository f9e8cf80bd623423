#include "vm/initramfs/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/sha256.h"

namespace nsm::vm {

namespace {

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using Entry = std::unique_ptr<archive_entry, EntryDeleter>;

Entry new_entry(std::string_view path, mode_t type, mode_t mode) {
  Entry entry(archive_entry_new());
  archive_entry_copy_pathname(entry.get(), std::string(path).c_str());
  archive_entry_set_filetype(entry.get(), type);
  archive_entry_set_perm(entry.get(), mode);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_nlink(entry.get(), type == AE_IFDIR ? 2 : 1);
  archive_entry_set_size(entry.get(), 0);  // libarchive wants a size on every entry
  // A fixed time keeps archives of the same content byte-identical.
  archive_entry_set_mtime(entry.get(), 0, 0);
  return entry;
}

}  // namespace

CpioWriter::CpioWriter(const std::string& path) : path_(path) {
  archive_ = archive_write_new();
  if (!archive_) throw ToolError("archive_write_new: out of memory");
  if (archive_write_set_format_cpio_newc(archive_) != ARCHIVE_OK ||
      archive_write_add_filter_none(archive_) != ARCHIVE_OK ||
      archive_write_open_filename(archive_, path.c_str()) != ARCHIVE_OK) {
    const std::string why = archive_error_string(archive_) ? archive_error_string(archive_) : "unknown error";
    archive_write_free(archive_);
    archive_ = nullptr;
    throw ToolError(fmt::format("{}: cannot write a cpio archive: {}", path, why));
  }
}

CpioWriter::~CpioWriter() {
  if (archive_) archive_write_free(archive_);  // also closes
}

void CpioWriter::write_header(archive_entry* entry, std::string_view path) {
  if (archive_write_header(archive_, entry) != ARCHIVE_OK)
    throw ToolError(fmt::format("{}: cannot add {}: {}", path_, path, archive_error_string(archive_)));
}

void CpioWriter::add_directory(std::string_view path, mode_t mode) {
  Entry entry = new_entry(path, AE_IFDIR, mode);
  write_header(entry.get(), path);
}

void CpioWriter::add_file(std::string_view path, std::string_view content, mode_t mode) {
  Entry entry = new_entry(path, AE_IFREG, mode);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
  write_header(entry.get(), path);
  while (!content.empty()) {
    const la_ssize_t n = archive_write_data(archive_, content.data(), content.size());
    if (n <= 0) throw ToolError(fmt::format("{}: cannot write {}: {}", path_, path, archive_error_string(archive_)));
    content.remove_prefix(static_cast<size_t>(n));
  }
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target) {
  Entry entry = new_entry(path, AE_IFLNK, 0777);
  archive_entry_copy_symlink(entry.get(), std::string(target).c_str());
  write_header(entry.get(), path);
}

void CpioWriter::add_char_device(std::string_view path, unsigned major, unsigned minor, mode_t mode) {
  Entry entry = new_entry(path, AE_IFCHR, mode);
  archive_entry_set_rdevmajor(entry.get(), major);
  archive_entry_set_rdevminor(entry.get(), minor);
  write_header(entry.get(), path);
}

void CpioWriter::finish() {
  if (!archive_) return;
  const int rc = archive_write_close(archive_);
  const std::string why = rc == ARCHIVE_OK ? "" : archive_error_string(archive_);
  archive_write_free(archive_);
  archive_ = nullptr;
  if (rc != ARCHIVE_OK) throw ToolError(fmt::format("{}: cannot finish the cpio archive: {}", path_, why));
}

bool cached_archive_intact(const std::string& path) {
  const auto recorded = read_file(path + ".sha256");
  const auto bytes = recorded ? read_file(path) : std::nullopt;
  return bytes && trim(*recorded) == sha256_hex(*bytes);
}

void record_cached_archive(const std::string& path) {
  write_file_atomic(path + ".sha256", sha256_hex(must_read_file(path)) + "\n");
}

}  // namespace nsm::vm
