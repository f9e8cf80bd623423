#include "vm/kernels/deb_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm::vm {

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ArchiveFree>;

std::string archive_problem(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

// Data of the current entry of a libarchive reader.
class ArchiveEntryReader : public EntryReader {
 public:
  ArchiveEntryReader(archive* a, std::string name) : a_(a), name_(std::move(name)) {}
  size_t read(void* buf, size_t size) override {
    const la_ssize_t n = archive_read_data(a_, buf, size);
    if (n < 0) throw ToolError(fmt::format("{}: corrupt or truncated: {}", name_, archive_problem(a_)));
    return static_cast<size_t>(n);
  }

 private:
  archive* a_;
  std::string name_;
};

DebEntry describe_entry(archive_entry* e) {
  DebEntry entry;
  const char* raw = archive_entry_pathname(e);
  std::string path = raw ? raw : "";
  if (path.starts_with("./")) path.erase(0, 2);
  while (path.starts_with("/")) path.erase(0, 1);
  entry.path = std::move(path);
  const auto type = archive_entry_filetype(e);
  entry.is_file = type == AE_IFREG;
  entry.is_dir = type == AE_IFDIR;
  entry.is_symlink = type == AE_IFLNK;
  if (const char* target = archive_entry_symlink(e)) entry.link_target = target;
  entry.size = archive_entry_size(e);
  entry.mode = archive_entry_perm(e) & 07777;
  return entry;
}

// Reads a (possibly compressed) tar from an EntryReader through libarchive's callbacks.
struct NestedSource {
  EntryReader* reader;
  char buf[64 * 1024];
};

la_ssize_t nested_read(archive* a, void* client, const void** out) {
  auto* src = static_cast<NestedSource*>(client);
  try {
    const size_t n = src->reader->read(src->buf, sizeof src->buf);
    *out = src->buf;
    return static_cast<la_ssize_t>(n);
  } catch (const std::exception& e) {
    archive_set_error(a, EIO, "%s", e.what());
    return -1;
  }
}

void walk_tar(archive* a, const std::string& name, const std::function<void(const DebEntry&, EntryReader&)>& visit) {
  ArchiveEntryReader reader(a, name);
  for (;;) {
    archive_entry* e = nullptr;
    const int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) return;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      throw ToolError(fmt::format("{}: corrupt or truncated: {}", name, archive_problem(a)));
    }
    visit(describe_entry(e), reader);
  }
}

void read_nested_tar(EntryReader& source, const std::string& name,
                     const std::function<void(const DebEntry&, EntryReader&)>& visit) {
  ReadArchive a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  auto src = std::make_unique<NestedSource>();
  src->reader = &source;
  if (archive_read_open(a.get(), src.get(), nullptr, nested_read, nullptr) != ARCHIVE_OK) {
    throw ToolError(fmt::format("{}: not a readable tar archive: {}", name, archive_problem(a.get())));
  }
  walk_tar(a.get(), name, visit);
}

}  // namespace

std::string EntryReader::read_all() {
  std::string out;
  char buf[64 * 1024];
  for (size_t n; (n = read(buf, sizeof buf)) > 0;) out.append(buf, n);
  return out;
}

void EntryReader::copy_to(const std::string& path) {
  // O_NOFOLLOW: a symlink at `path` (planted, or from the archive) is never written through.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) throw_sys("open", path);
  char buf[64 * 1024];
  for (size_t n; (n = read(buf, sizeof buf)) > 0;) {
    for (size_t done = 0; done < n;) {
      const ssize_t w = ::write(fd.get(), buf + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw_sys("write", path);
      }
      done += static_cast<size_t>(w);
    }
  }
}

void for_each_deb_entry(const std::string& deb_path, const std::function<void(const DebEntry&, EntryReader&)>& visit) {
  UniqueFd probe(::open(deb_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!probe) throw ToolError(fmt::format("{}: cannot open package: {}", deb_path, std::strerror(errno)));
  probe.reset();

  ReadArchive a(archive_read_new());
  archive_read_support_format_ar(a.get());
  if (archive_read_open_filename(a.get(), deb_path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw ToolError(fmt::format("{}: not a Debian package: {}", deb_path, archive_problem(a.get())));
  }
  bool saw_binary = false;
  for (;;) {
    archive_entry* e = nullptr;
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      throw ToolError(fmt::format("{}: not a Debian package (corrupt or truncated ar archive): {}", deb_path,
                                  archive_problem(a.get())));
    }
    const std::string member = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    ArchiveEntryReader reader(a.get(), deb_path + ":" + member);
    if (member == "debian-binary") {
      const std::string version = reader.read_all();
      if (!version.starts_with("2.")) {
        throw ToolError(
            fmt::format("{}: not a Debian package: debian-binary says '{}'", deb_path, version.substr(0, 16)));
      }
      saw_binary = true;
    } else if (member.starts_with("data.tar")) {
      if (!saw_binary)
        throw ToolError(fmt::format("{}: not a Debian package: data.tar before debian-binary", deb_path));
      read_nested_tar(reader, deb_path + ":" + member, visit);
      return;
    }
  }
  throw ToolError(fmt::format("{}: not a Debian package: no {} member (truncated?)", deb_path,
                              saw_binary ? "data.tar" : "debian-binary"));
}

void for_each_tar_entry(EntryReader& source, const std::string& name,
                        const std::function<void(const DebEntry&, EntryReader&)>& visit) {
  read_nested_tar(source, name, visit);
}

std::string decompress(std::string_view data, const std::string& name) {
  ReadArchive a(archive_read_new());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    throw ToolError(fmt::format("{}: cannot decompress: {}", name, archive_problem(a.get())));
  }
  archive_entry* e = nullptr;
  if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
    throw ToolError(fmt::format("{}: cannot decompress: {}", name, archive_problem(a.get())));
  }
  ArchiveEntryReader reader(a.get(), name);
  return reader.read_all();
}

}  // namespace nsm::vm
