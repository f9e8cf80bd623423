#include "vm/initramfs/base_archive.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sha256.h"
#include "vm/initramfs/cpio_writer.h"
#include "vm/initramfs/elf_image.h"
#include "vm/initramfs/shared_libraries.h"
#include "vm/protocol/guest_layout.h"

namespace nsm::vm {

namespace fs = std::filesystem;

namespace {

// Bump when the layout changes, so that old cached archives are not reused.
constexpr int kBaseLayoutVersion = 1;
// nsm-lie (tests/mutation) is the fault injector a guest's conformance stage may run under
// (GuestOptions::lie); like the bench it is optional.
constexpr const char* kBinaries[] = {"nsmatrix", "nsmatrix-init", "nsmatrix-conformance", "nsmatrix-bench", "nsm-lie"};

struct File {
  std::string content;
  mode_t mode;
};

// Every parent directory of `path` ("a/b/c" -> "a", "a/b").
void add_parents(std::set<std::string>& dirs, const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
    dirs.insert(path.substr(0, slash));
}

std::string relative(const std::string& absolute) { return absolute.substr(absolute.find_first_not_of('/')); }

}  // namespace

BaseArchive build_base_archive(const std::string& bin_dir, const std::string& cache_dir) {
  BaseArchive base;
  std::map<std::string, File> files;  // archive path -> content
  std::set<std::string> libraries;
  std::optional<std::string> interpreter;
  for (const char* name : kBinaries) {
    const std::string path = fmt::format("{}/{}", bin_dir, name);
    if (::access(path.c_str(), X_OK) != 0) {
      base.missing.emplace_back(name);
      continue;
    }
    const std::string image = must_read_file(path);
    files[fmt::format("{}/{}", layout::kBinDir, name)] = {elf_loadable_only(image, path), 0755};
    base.binaries.push_back({name, path, elf_build_id(image, path).value_or("")});
    if (auto interp = elf_interpreter(image, path)) {
      interpreter = *interp;
      for (auto& lib : shared_libraries(*interp, path)) libraries.insert(lib);
    }
  }
  for (const std::string required : {"nsmatrix", "nsmatrix-init"})
    if (std::none_of(base.binaries.begin(), base.binaries.end(),
                     [&](const GuestBinary& b) { return b.name == required; }))
      throw ToolError(
          fmt::format("{}/{} is missing: build it first (cmake --build --preset default)", bin_dir, required));
  if (interpreter) libraries.insert(*interpreter);
  for (const auto& lib : libraries) {
    // System libraries are already stripped; the loader needs them whole at the path it
    // searches, so they go in at the path the host's loader found them.
    struct stat st {};
    if (::stat(lib.c_str(), &st) != 0) throw_sys(fmt::format("stat({})", lib));
    files[relative(lib)] = {must_read_file(lib), 0755};
  }
  nlohmann::json names = nlohmann::json::array();
  for (const auto& b : base.binaries) names.push_back(b.name);
  nlohmann::json manifest = {{"binaries", names}, {"missing", base.missing}, {"libraries", libraries}};
  files[std::string(layout::kBaseManifest)] = {manifest.dump(1) + "\n", 0644};
  files["etc/passwd"] = {
      "root:x:0:0:root:/tmp:/usr/lib/nsmatrix/nsmatrix\nnobody:x:65534:65534:nobody:/nonexistent:/nonexistent\n", 0644};
  files["etc/group"] = {"root:x:0:\nnogroup:x:65534:\n", 0644};

  Sha256 hash;
  hash.update(fmt::format("nsmatrix base layout {}\n", kBaseLayoutVersion));
  for (const auto& [path, file] : files)
    hash.update(fmt::format("{} {:o} {}\n", path, file.mode, file.content.size())).update(file.content);
  base.sha256 = hash.hex();

  const std::string dir = cache_dir + "/initramfs";
  base.path = fmt::format("{}/base-{}.cpio", dir, base.sha256.substr(0, 16));
  struct stat st {};
  if (::stat(base.path.c_str(), &st) == 0 && cached_archive_intact(base.path)) {
    base.reused = true;
    base.bytes = static_cast<unsigned long long>(st.st_size);
    return base;
  }

  make_directories(dir);
  std::set<std::string> dirs = {"dev", "proc", "sys", "tmp", "run", "etc", "root", "usr", "usr/bin"};
  for (const auto& [path, file] : files) add_parents(dirs, path);
  // Written to a private name, then renamed: parallel builders never see half an archive.
  const std::string tmp = fmt::format("{}.tmp.{}.{}", base.path, ::getpid(), ::gettid());
  {
    CpioWriter cpio(tmp);
    for (const auto& d : dirs) cpio.add_directory(d, d == "tmp" ? 01777 : 0755);
    // The kernel gives PID 1 /dev/console as its stdio only if the node is there before
    // devtmpfs is mounted.
    cpio.add_char_device("dev/console", 5, 1);
    cpio.add_char_device("dev/null", 1, 3, 0666);
    for (const auto& [path, file] : files) cpio.add_file(path, file.content, file.mode);
    cpio.add_symlink("init", fmt::format("{}/nsmatrix-init", layout::kBinDir));
    cpio.add_symlink("usr/bin/nsmatrix", fmt::format("/{}/nsmatrix", layout::kBinDir));
    cpio.finish();
  }
  if (::rename(tmp.c_str(), base.path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw SysError(fmt::format("rename({}, {})", tmp, base.path), err);
  }
  if (::stat(base.path.c_str(), &st) == 0) base.bytes = static_cast<unsigned long long>(st.st_size);
  record_cached_archive(base.path);
  prune_initramfs_cache(cache_dir);
  return base;
}

void prune_initramfs_cache(const std::string& cache_dir, size_t keep) {
  const fs::path dir = fs::path(cache_dir) / "initramfs";
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, std::string>> bases;  // (mtime, hash prefix)
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename();
    if (name.rfind("base-", 0) == 0 && name.size() > 10 && name.substr(name.size() - 5) == ".cpio")
      bases.emplace_back(e.last_write_time(ec), name.substr(5, name.size() - 10));
    // Earlier versions cached each run's combined initrd (a base's size per kernel per
    // build); the run now writes it into its own work directory.
    if (name.rfind("run-", 0) == 0) fs::remove(e.path(), ec);
  }
  if (bases.size() <= keep) return;
  std::sort(bases.begin(), bases.end(), std::greater<>());
  for (size_t i = keep; i < bases.size(); ++i) {
    fs::remove(dir / fmt::format("base-{}.cpio", bases[i].second), ec);
    fs::remove(dir / fmt::format("base-{}.cpio.sha256", bases[i].second), ec);
  }
}

}  // namespace nsm::vm
