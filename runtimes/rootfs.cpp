#include "runtimes/rootfs.h"

#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/initramfs/elf_image.h"
#include "vm/initramfs/shared_libraries.h"

namespace nsm::runtimes {

namespace fs = std::filesystem;

std::string rootfs_library_path(const std::string& host_path) {
  for (const char* merged : {"/lib/", "/lib64/", "/lib32/", "/libx32/"})
    if (host_path.starts_with(merged)) return "/usr" + host_path;
  return host_path;
}

Rootfs build_rootfs(const std::string& bin_dir, const std::string& work_dir) {
  Rootfs out{work_dir + "/rootfs", work_dir + "/rootfs.tar"};
  const std::string binary = bin_dir + "/nsmatrix";
  const auto image = read_file(binary);
  if (!image) throw ToolError(fmt::format("{}: {} (build nsmatrix first)", binary, errno_name(errno)));

  auto put = [&](const std::string& path, std::string_view content, mode_t mode) {
    make_directories(fs::path(out.dir + path).parent_path().string());
    write_file_atomic(out.dir + path, content, mode);
    ++out.files;
    out.bytes += content.size();
  };
  put(kInsideBinary, vm::elf_loadable_only(*image, binary), 0755);
  if (const auto interpreter = vm::elf_interpreter(*image, binary)) {
    auto libraries = vm::shared_libraries(*interpreter, binary);
    libraries.push_back(*interpreter);
    for (const auto& lib : libraries) {
      const auto text = read_file(lib);
      if (!text) throw ToolError(fmt::format("{}: {}", lib, errno_name(errno)));
      put(rootfs_library_path(lib), *text, 0755);
    }
  }
  // The mount points the runtimes mount over, and /usr for systemd-nspawn (it insists on one).
  for (const char* dir : {"/proc", "/sys", "/dev", "/etc", "/tmp", "/run", "/usr/lib", "/usr/lib64"})
    make_directories(out.dir + dir);
  for (const char* link : {"lib", "lib64"}) {
    std::error_code ec;
    fs::create_symlink(fmt::format("usr/{}", link), out.dir + "/" + link, ec);
    if (ec && ec != std::errc::file_exists)
      throw ToolError(fmt::format("symlink {}/{}: {}", out.dir, link, ec.message()));
  }
  put("/etc/os-release", "ID=nsmatrix\nNAME=\"nsmatrix inside view\"\n", 0644);

  ProgramOptions options;
  options.timeout = std::chrono::seconds(60);
  const auto tar = run_program({"tar", "--numeric-owner", "-C", out.dir, "-cf", out.tarball, "."}, options);
  if (!tar.ok()) throw ToolError(fmt::format("tar of {}: {}: {}", out.dir, tar.status.describe(), trim(tar.err)));
  return out;
}

}  // namespace nsm::runtimes
