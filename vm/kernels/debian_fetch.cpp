#include "vm/kernels/debian_fetch.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"
#include "core/results.h"
#include "vm/kernels/apt_session.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/deb_archive.h"
#include "vm/kernels/module_set.h"

namespace nsm::vm {

namespace fs = std::filesystem;

std::vector<std::string> debian_kernel_packages(const std::string& package, const std::vector<std::string>& depends) {
  std::vector<std::string> out = {package};
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  static const std::regex split(R"(linux-binary-(?:unsigned-)?(.+))");
  std::smatch m;
  if (std::regex_match(package, m, split)) {
    add("linux-modules-" + m[1].str());
    add("linux-base-" + m[1].str());
  }
  // A linux-image-R umbrella of the split layout ships no files: its parts are Depends.
  for (const auto& dep : depends) {
    if (dep.starts_with("linux-binary-") || dep.starts_with("linux-modules-") || dep.starts_with("linux-base-")) {
      if (dep.find_first_of("0123456789") != std::string::npos) add(dep);
    }
  }
  return out;
}

void extract_debian_kernel(const std::vector<std::string>& debs, const std::string& dir, PreparedKernel& out,
                           const Progress& progress) {
  static const std::regex boot_file(R"(boot/(vmlinuz|config)-(.+))");
  static const std::regex modules_file(R"((?:usr/)?lib/modules/([^/]+)/(.+))");
  const std::string raw_dir = dir + "/raw-modules";
  make_directories(raw_dir);
  ModuleFiles modules;
  std::string image_release, builtin_text;
  for (const auto& deb : debs) {
    size_t module_count = 0;
    for_each_deb_entry(deb, [&](const DebEntry& e, EntryReader& reader) {
      if (!e.is_file) return;
      std::smatch m;
      if (std::regex_match(e.path, m, boot_file)) {
        if (m[1] == "vmlinuz") {
          reader.copy_to(dir + "/vmlinuz");
          image_release = m[2];
        } else {
          reader.copy_to(dir + "/config");
        }
        return;
      }
      if (!std::regex_match(e.path, m, modules_file)) return;
      const std::string release = m[1];
      const std::string rest = m[2];
      if (rest == "vmlinuz" || rest == "vmlinuz.unsigned" || rest == "vmlinuz.efi.signed") {
        reader.copy_to(dir + "/vmlinuz");
        image_release = release;
      } else if (rest == "config") {
        reader.copy_to(dir + "/config");
      } else if (rest == "modules.builtin") {
        builtin_text = reader.read_all();
      } else if (is_module_file(rest)) {
        const std::string file = fs::path(rest).filename().string();
        const std::string path = raw_dir + "/" + file;
        if (!fs::exists(path)) {
          reader.copy_to(path);
          modules.add(path);
          ++module_count;
        }
      }
    });
    if (progress) {
      progress(fmt::format("  read {} ({} module files)", fs::path(deb).filename().string(), module_count));
    }
  }
  if (image_release.empty()) {
    throw ToolError(fmt::format("no kernel image (boot/vmlinuz-R or usr/lib/modules/R/vmlinuz) in {}",
                                fs::path(debs.front()).filename().string()));
  }
  out.release = image_release;
  out.image = dir + "/vmlinuz";
  out.config = fs::exists(dir + "/config") ? dir + "/config" : "";
  const auto installed =
      install_modules(modules, guest_modules(), dir + "/modules", parse_modules_builtin(builtin_text));
  out.modules_dir = installed.load_order.empty() ? "" : dir + "/modules";
  out.modules_in_load_order = installed.load_order;
  out.modules_builtin = installed.builtin;
  out.modules_absent = installed.absent;
  remove_tree(raw_dir);
}

void fetch_debian_kernel(const KernelEntry& entry, const std::string& dir, PreparedKernel& out,
                         const Progress& progress) {
  if (entry.locked.empty()) throw InputError(fmt::format("kernel '{}': fetched before it was resolved", entry.id));
  std::vector<AptPackage> packages;
  for (const auto& l : entry.locked) {
    AptPackage p;
    p.name = l.name;
    p.version = l.version;
    p.sha256 = l.sha256;
    p.size = l.size;
    p.suite = entry.suite;
    packages.push_back(p);
  }
  std::vector<std::string> debs;
  {
    AptSession apt(entry.suite, progress);
    const std::string debs_dir = dir + "/debs";
    make_directories(debs_dir);
    for (const auto& p : packages) {
      if (progress) progress(fmt::format("downloading {} {} ({:.1f} MB)", p.name, p.version, p.size / 1e6));
    }
    debs = apt.client().download(packages, debs_dir, progress);
  }
  // Reading the packages needs no apt: the session's lock is released for other fetches.
  // apt checked each .deb against its index; this checks it is the upload the lock names.
  for (size_t i = 0; i < debs.size(); ++i) {
    out.download_bytes += static_cast<long long>(fs::file_size(debs[i]));
    const std::string sha = file_sha256(debs[i]);
    if (!packages[i].sha256.empty() && sha != packages[i].sha256) {
      throw ToolError(fmt::format("{}: SHA-256 {} is not the locked {} of {} {}", debs[i], sha, packages[i].sha256,
                                  packages[i].name, packages[i].version));
    }
  }
  extract_debian_kernel(debs, dir, out, progress);
  remove_tree(dir + "/debs");
  const AptPackage& main = packages.front();
  out.source = {{"type", "debian"},
                {"package", main.name},
                {"package_version", main.version},
                {"sha256", main.sha256},
                {"suite", entry.suite}};
  if (entry.is_track())
    out.source["track"] = fmt::format("{}/{} ({})", entry.suite, entry.flavour, metapackage_name(entry.flavour));
  if (packages.size() > 1) {
    nlohmann::json names = nlohmann::json::array(), uploads = nlohmann::json::array();
    for (size_t i = 1; i < packages.size(); ++i) {
      names.push_back(packages[i].name);
      uploads.push_back(fmt::format("{} {} sha256:{}", packages[i].name, packages[i].version, packages[i].sha256));
    }
    out.source["companion_packages"] = names;
    out.source["companion_uploads"] = uploads;
  }
  // "5.10.223-1" -> "5.10.223", "6.12.95-1~bpo12+1" -> "6.12.95"
  out.version = main.version.substr(0, main.version.find_first_of("-~+"));
}

}  // namespace nsm::vm
