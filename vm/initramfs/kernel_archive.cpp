#include "vm/initramfs/kernel_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sha256.h"
#include "vm/initramfs/cpio_writer.h"
#include "vm/protocol/guest_layout.h"

namespace nsm::vm {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string decompress(const std::string& path, const std::string& data) {
  struct Deleter {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<archive, Deleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
    throw InputError(fmt::format("{}: cannot decompress: {}", path, archive_error_string(a.get())));
  std::string out;
  char buf[65536];
  for (;;) {
    const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) throw InputError(fmt::format("{}: cannot decompress: {}", path, archive_error_string(a.get())));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

std::string module_stem(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  name = name.substr(0, name.find(".ko"));
  return name;
}

std::string read_module(const std::string& path) {
  std::string data = must_read_file(path);
  if (ends_with(path, ".ko.xz") || ends_with(path, ".ko.zst") || ends_with(path, ".ko.gz"))
    data = decompress(path, data);
  else if (!ends_with(path, ".ko"))
    throw InputError(fmt::format("{}: not a kernel module (.ko, .ko.xz, .ko.zst, .ko.gz)", path));
  if (data.size() < 4 || data.compare(0, 4,
                                      "\x7f"
                                      "ELF") != 0)
    throw InputError(fmt::format("{}: not an ELF kernel module", path));
  return data;
}

KernelArchive build_kernel_archive(const KernelArchiveInput& input, const std::string& cache_dir) {
  struct Entry {
    std::string path, content;
  };
  std::vector<Entry> files;
  std::string list;
  int index = 0;
  for (const auto& module : input.modules) {
    const std::string path = fmt::format("{}/{:02d}-{}.ko", layout::kModulesDir, index++, module_stem(module));
    files.push_back({path, read_module(module)});
    list += "/" + path + "\n";
  }
  files.push_back({std::string(layout::kModulesList), list});
  // Where programs look for a kernel's modules (the conformance suite's module gap does).
  std::string modules_link;
  if (!input.modules.empty()) modules_link = fmt::format("lib/modules/{}", input.release);
  if (!input.config_path.empty())
    files.push_back({fmt::format("boot/config-{}", input.release), must_read_file(input.config_path)});

  Sha256 hash;
  hash.update("nsmatrix kernel layout 2\n");
  for (const auto& f : files) hash.update(fmt::format("{} {}\n", f.path, f.content.size())).update(f.content);
  if (!modules_link.empty()) hash.update(fmt::format("{} -> /{}\n", modules_link, layout::kModulesDir));
  KernelArchive out;
  out.sha256 = hash.hex();
  const std::string dir = cache_dir + "/initramfs";
  out.path = fmt::format("{}/kernel-{}.cpio", dir, out.sha256.substr(0, 16));
  struct stat st {};
  if (::stat(out.path.c_str(), &st) == 0 && cached_archive_intact(out.path)) {
    out.reused = true;
    return out;
  }
  make_directories(dir);
  const std::string tmp = fmt::format("{}.tmp.{}.{}", out.path, ::getpid(), ::gettid());
  {
    CpioWriter cpio(tmp);
    std::set<std::string> dirs;
    for (const auto& f : files)
      for (size_t slash = f.path.find('/'); slash != std::string::npos; slash = f.path.find('/', slash + 1))
        dirs.insert(f.path.substr(0, slash));
    if (!modules_link.empty()) {
      dirs.insert("lib");
      dirs.insert("lib/modules");
    }
    for (const auto& d : dirs) cpio.add_directory(d);
    for (const auto& f : files) cpio.add_file(f.path, f.content);
    if (!modules_link.empty()) cpio.add_symlink(modules_link, "/" + std::string(layout::kModulesDir));
    cpio.finish();
  }
  if (::rename(tmp.c_str(), out.path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw SysError(fmt::format("rename({}, {})", tmp, out.path), err);
  }
  record_cached_archive(out.path);
  return out;
}

}  // namespace nsm::vm
