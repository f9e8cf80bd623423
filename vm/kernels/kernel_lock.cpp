#include "vm/kernels/kernel_lock.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/results.h"
#include "core/sha256.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/debian_fetch.h"
#include "vm/kernels/kernel_store.h"

namespace nsm::vm {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kLockKind = "kernels-lock";

LockedPackage locked(const AptPackage& p) { return {p.name, p.version, p.sha256, p.size}; }

std::string where(const KernelEntry& e) {
  return e.manifest.empty() || e.manifest == "built-in" ? fmt::format("kernel '{}' (built-in manifest)", e.id)
                                                        : fmt::format("kernel '{}' (manifest {})", e.id, e.manifest);
}

AptPackage must_candidate(const KernelEntry& e, PackageArchive& archive, const std::string& name,
                          std::string_view role) {
  auto p = archive.candidate(name, e.suite);
  if (!p) {
    throw InputError(
        fmt::format("{}: {} '{}' is not in suite '{}' of {}", where(e), role, name, e.suite, archive.describe()));
  }
  return *p;
}

// The kernel package behind a metapackage's linux-image-R: the unsigned image of the
// classic layout, else the unsigned linux-binary of the split layout (sid since 7.x, with
// linux-modules-R and linux-base-R as companions), else linux-image-R itself.
AptPackage kernel_of_release(const KernelEntry& e, PackageArchive& archive, const std::string& image,
                             const std::string& meta) {
  const std::string release = image.substr(std::string_view("linux-image-").size());
  for (const auto& name : {image + "-unsigned", "linux-binary-unsigned-" + release, image}) {
    if (auto p = archive.candidate(name, e.suite)) return *p;
  }
  throw InputError(fmt::format("{}: {} depends on '{}', which suite '{}' of {} does not have", where(e), meta, image,
                               e.suite, archive.describe()));
}

json package_json(const LockedPackage& p) {
  return {{"package", p.name}, {"version", p.version}, {"sha256", p.sha256}, {"size", p.size}};
}

LockedPackage package_from(const json& j) {
  return {j.at("package").get<std::string>(), j.at("version").get<std::string>(), j.value("sha256", ""),
          j.value("size", 0LL)};
}

}  // namespace

std::string entry_spec(const KernelEntry& e) {
  switch (e.type) {
    case SourceType::Debian:
      return e.is_track() ? fmt::format("debian track {}/{}", e.suite, e.flavour)
                          : fmt::format("debian pin {} {}", e.package, e.suite);
    case SourceType::Build:
      return fmt::format("build {} {}", e.source_package, e.suite);
    case SourceType::File:
      return "file";
  }
  return "";
}

std::string lock_summary(const LockEntry& lock) {
  if (lock.packages.empty()) return "nothing";
  return fmt::format("{} {}", lock.packages.front().name, lock.packages.front().version);
}

LockEntry resolve_entry(const KernelEntry& e, PackageArchive& archive) {
  LockEntry out;
  out.spec = entry_spec(e);
  out.suite = e.suite;
  out.resolved = utc_timestamp();
  if (e.type == SourceType::Build) {
    out.packages.push_back(locked(must_candidate(e, archive, e.source_package, "source package")));
    return out;
  }
  if (e.type != SourceType::Debian)
    throw InputError(fmt::format("{}: a {} kernel has nothing to lock", where(e), source_type_name(e.type)));
  AptPackage main;
  if (e.is_track()) {
    const std::string meta = metapackage_name(e.flavour);
    const auto m = archive.candidate(meta, e.suite);
    if (!m) {
      throw InputError(
          fmt::format("{}: suite '{}' of {} has no metapackage '{}': is '{}' a kernel flavour of {} "
                      "(cloud, rt, generic)?",
                      where(e), e.suite, archive.describe(), meta, e.flavour, e.suite));
    }
    out.metapackage = locked(*m);
    static const std::regex image_re(R"(linux-image-[0-9].*)");
    std::string image;
    for (const auto& dep : m->depends) {
      if (std::regex_match(dep, image_re)) image = dep;
    }
    if (image.empty()) {
      throw InputError(fmt::format("{}: metapackage {} {} depends on no linux-image-RELEASE package (Depends: {})",
                                   where(e), meta, m->version, fmt::join(m->depends, ", ")));
    }
    main = kernel_of_release(e, archive, image, meta + " " + m->version);
  } else {
    const auto p = archive.candidate(e.package, e.suite);
    if (!p) {
      throw InputError(fmt::format(
          "{}: the pinned package '{}' is not in suite '{}' of {} (Debian drops an ABI's packages when the next "
          "is uploaded). Make the entry a track (\"debian\": {{\"suite\": \"{}\", \"flavour\": \"cloud\"}}) or pin "
          "a package the suite has, then run `nsmatrix kernels update`",
          where(e), e.package, e.suite, archive.describe(), e.suite));
    }
    main = *p;
  }
  out.packages.push_back(locked(main));
  for (const auto& name : debian_kernel_packages(main.name, main.depends)) {
    if (name != main.name) out.packages.push_back(locked(must_candidate(e, archive, name, "companion package")));
  }
  return out;
}

LockChoice check_lock(const KernelEntry& e, const std::optional<LockEntry>& lock, PackageArchive& archive) {
  if (lock && lock->spec == entry_spec(e)) {
    std::string gone;
    for (const auto& p : lock->packages) {
      const auto now = archive.exact(p.name, p.version, e.suite);
      if (!now) {
        gone = fmt::format("{} {} is gone from {}", p.name, p.version, e.suite);
      } else if (!p.sha256.empty() && !now->sha256.empty() && now->sha256 != p.sha256) {
        gone = fmt::format("{} {} has another SHA-256 in the archive ({}, locked {})", p.name, p.version,
                           now->sha256.substr(0, 12), p.sha256.substr(0, 12));
      }
      if (!gone.empty()) break;
    }
    if (gone.empty()) return {*lock, "", false};
    LockEntry fresh = resolve_entry(e, archive);
    return {fresh,
            fmt::format("{}: locked {}; {} resolved again: {} -> {} (lock updated)", e.id, gone, entry_spec(e),
                        lock_summary(*lock), lock_summary(fresh)),
            true};
  }
  LockEntry fresh = resolve_entry(e, archive);
  return {fresh,
          fmt::format("{}: not in the lock; {} resolved: {} (lock updated)", e.id, entry_spec(e), lock_summary(fresh)),
          true};
}

std::string lock_path(const KernelEntry& e) {
  if (e.manifest.empty() || e.manifest == "built-in") return cache_dir() + "/kernels.lock.json";
  std::string path = fs::absolute(e.manifest).lexically_normal().string();
  if (path.ends_with(".json")) path.resize(path.size() - 5);
  return path + ".lock.json";
}

std::map<std::string, LockEntry> read_lock_file(const std::string& path) {
  std::map<std::string, LockEntry> out;
  if (!fs::exists(path)) return out;
  try {
    const json doc = read_json_file(path, kLockKind);
    for (const auto& [id, j] : doc.at("kernels").items()) {
      LockEntry l;
      l.spec = j.at("spec").get<std::string>();
      l.suite = j.value("suite", "");
      l.resolved = j.value("resolved", "");
      if (j.contains("metapackage")) l.metapackage = package_from(j.at("metapackage"));
      for (const auto& p : j.at("packages")) l.packages.push_back(package_from(p));
      out.emplace(id, std::move(l));
    }
  } catch (const std::exception& err) {
    throw InputError(fmt::format("{}: not a usable kernel lock ({}): delete it and run `nsmatrix kernels update`", path,
                                 err.what()));
  }
  return out;
}

std::optional<LockEntry> read_locked(const KernelEntry& e) {
  const auto all = read_lock_file(lock_path(e));
  const auto it = all.find(e.id);
  if (it == all.end() || it->second.spec != entry_spec(e)) return std::nullopt;
  return it->second;
}

void write_locked(const KernelEntry& e, const LockEntry& lock) {
  const std::string path = lock_path(e);
  FileLock guard(fmt::format("{}/locks/kernels-lock-{}.lock", cache_dir(), sha256_hex(path).substr(0, 16)));
  json doc = {{"schema_version", kSchemaVersion},
              {"kind", kLockKind},
              {"manifest", e.manifest.empty() ? "built-in" : e.manifest},
              {"comment",
               "Written by nsmatrix (`nsmatrix kernels update` resolves every entry again); the exact "
               "uploads the manifest's entries mean. Delete it to resolve afresh."},
              {"kernels", json::object()}};
  if (fs::exists(path)) {
    const json old = read_json_file(path, kLockKind);
    if (old.contains("kernels")) doc["kernels"] = old.at("kernels");
  }
  json j = {{"spec", lock.spec}, {"suite", lock.suite}, {"resolved", lock.resolved}};
  if (lock.metapackage) j["metapackage"] = package_json(*lock.metapackage);
  j["packages"] = json::array();
  for (const auto& p : lock.packages) j["packages"].push_back(package_json(p));
  doc["kernels"][e.id] = j;
  write_json_file(path, doc);
}

KernelEntry apply_lock(const KernelEntry& entry, const LockEntry& lock) {
  KernelEntry out = entry;
  out.locked = lock.packages;
  return out;
}

}  // namespace nsm::vm
