#include "vm/kernels/kernel_store.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/kernel_config.h"
#include "core/kernel_version.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sha256.h"
#include "vm/kernels/apt_session.h"
#include "vm/kernels/bzimage.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/debian_fetch.h"
#include "vm/kernels/kernel_build.h"
#include "vm/kernels/kernel_lock.h"
#include "vm/kernels/module_info.h"
#include "vm/kernels/module_set.h"

namespace nsm::vm {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPreparedFile = "prepared.json";
constexpr std::string_view kPreparedKind = "prepared-kernel";
// Bumped when what a fetch extracts changes (another module, another layout rule).
constexpr int kFetchRecipe = 1;

// Module name -> the Kconfig symbol that builds it (to tell "built in" from "absent").
const std::vector<std::pair<std::string, std::string>>& guest_module_symbols() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"veth", "CONFIG_VETH"},
      {"bridge", "CONFIG_BRIDGE"},
      {"stp", "CONFIG_STP"},
      {"llc", "CONFIG_LLC"},
      {"macvlan", "CONFIG_MACVLAN"},
      {"vxlan", "CONFIG_VXLAN"},
      {"netkit", "CONFIG_NETKIT"},
      // a RAM disk: the guest's block device and swap area (vm/init/swap_area.h)
      {"brd", "CONFIG_BLK_DEV_RAM"},
      // conntrack and its netlink interface: the per-namespace conntrack checks (net_edges)
      // run in a guest, where loading them changes nothing of the host's. Before them the
      // crc32c the crypto API gives libcrc32c (a soft dependency, which is not followed:
      // without it libcrc32c, and so nf_conntrack, fails to load on 6.12's generic flavour)
      {"crc32c_generic", "CONFIG_CRYPTO_CRC32C"},
      {"nf_conntrack", "CONFIG_NF_CONNTRACK"},
      {"nf_conntrack_netlink", "CONFIG_NF_CT_NETLINK"}};
  return table;
}

std::string entry_dir(const std::string& id) { return cache_dir() + "/kernels/" + id; }

// Relative paths in prepared.json, so a cache directory can be moved.
std::string relative_to(const std::string& path, const std::string& dir) {
  if (path.empty()) return "";
  return fs::path(path).lexically_relative(dir).string();
}

nlohmann::json to_json(const PreparedKernel& k, const std::string& dir, const std::string& key) {
  nlohmann::json modules = nlohmann::json::array();
  for (const auto& m : k.modules_in_load_order) modules.push_back(relative_to(m, dir));
  return {{"schema_version", kSchemaVersion},
          {"kind", kPreparedKind},
          {"id", k.id},
          {"cache_key", key},
          {"release", k.release},
          {"version", k.version},
          {"image", relative_to(k.image, dir)},
          {"config", relative_to(k.config, dir)},
          {"modules_dir", relative_to(k.modules_dir, dir)},
          {"modules_in_load_order", modules},
          {"modules_builtin", k.modules_builtin},
          {"modules_absent", k.modules_absent},
          {"source", k.source},
          {"prepared", utc_timestamp()},
          {"fetch_seconds", k.fetch_seconds},
          {"download_bytes", k.download_bytes}};
}

PreparedKernel from_json(const nlohmann::json& j, const std::string& dir) {
  auto path = [&](const char* key) {
    const std::string rel = j.value(key, "");
    return rel.empty() ? std::string() : dir + "/" + rel;
  };
  PreparedKernel k;
  k.id = j.at("id").get<std::string>();
  k.release = j.at("release").get<std::string>();
  k.version = j.at("version").get<std::string>();
  k.image = path("image");
  k.config = path("config");
  k.modules_dir = path("modules_dir");
  for (const auto& m : j.at("modules_in_load_order"))
    k.modules_in_load_order.push_back(dir + "/" + m.get<std::string>());
  k.modules_builtin = j.value("modules_builtin", std::vector<std::string>{});
  k.modules_absent = j.value("modules_absent", std::vector<std::string>{});
  k.source = j.at("source");
  k.fetch_seconds = j.value("fetch_seconds", 0.0);
  k.download_bytes = j.value("download_bytes", 0LL);
  return k;
}

// Checks what every prepared kernel must be: a bzImage, a readable config; fills release
// from the image when the source did not say it, and sorts the wanted-but-not-module
// modules into built in / absent by the config when modules.builtin did not.
void finish(PreparedKernel& k) {
  const BzImageInfo info = read_bzimage(k.image);
  if (k.release.empty()) k.release = info.release;
  if (!k.config.empty()) {
    const KernelConfig config = KernelConfig::load(k.config);
    if (k.version.empty() && config.header_version()) {
      const auto v = KernelVersion::parse(*config.header_version());
      if (v) k.version = v->numbers();
    }
    std::vector<std::string> still_absent;
    for (const auto& name : k.modules_absent) {
      bool builtin = false;
      for (const auto& [module, symbol] : guest_module_symbols()) {
        if (module == name && config.tristate(symbol) == Tristate::Yes) builtin = true;
      }
      (builtin ? k.modules_builtin : still_absent).push_back(name);
    }
    k.modules_absent = still_absent;
  }
  if (k.version.empty()) {
    if (auto v = KernelVersion::parse(k.release)) k.version = v->numbers();
  }
}

}  // namespace

std::string cache_dir() {
  if (const char* dir = std::getenv("NSMATRIX_CACHE"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/nsmatrix";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/nsmatrix";
  throw InputError("no cache directory: set NSMATRIX_CACHE (or HOME)");
}

const std::vector<std::string>& guest_modules() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [module, symbol] : guest_module_symbols()) out.push_back(module);
    return out;
  }();
  return names;
}

std::string cache_key(const KernelEntry& entry) {
  std::string text = fmt::format("{}\n{}\n", source_type_name(entry.type), entry.id);
  switch (entry.type) {
    case SourceType::Debian:
      text += fmt::format("fetch {}\n{}\n{}\n", kFetchRecipe, entry.package, entry.suite);
      for (const auto& m : guest_modules()) text += m + ",";
      break;
    case SourceType::Build:
      text += fmt::format("build {}\n{}\n{}\n{}\n{}\n", kBuildRecipe, entry.source_package, entry.suite,
                          sha256_hex(guest_base_fragment()), sha256_hex(entry.fragment_text));
      break;
    case SourceType::File:
      text += fmt::format("{}\n{}\n", entry.image, entry.modules_dir);
      break;
  }
  // The exact uploads: a track that moved, or a build's newer linux-source, is a miss.
  for (const auto& p : entry.locked) text += fmt::format("{}={} {}\n", p.name, p.version, p.sha256);
  return sha256_hex(text);
}

namespace {
// The key an nsmatrix before the lock wrote (package name, no upload): still a hit when the
// cached upload is the locked one, so a cache survives the change to tracks.
bool legacy_hit(const KernelEntry& entry, const nlohmann::json& prepared) {
  if (entry.locked.empty()) return false;
  KernelEntry old = entry;
  old.locked.clear();
  if (old.type == SourceType::Debian) old.package = entry.locked.front().name;
  const auto& source = prepared.at("source");
  return prepared.value("cache_key", "") == cache_key(old) &&
         source.value("package", "") == entry.locked.front().name &&
         source.value("package_version", "") == entry.locked.front().version;
}
}  // namespace

std::optional<PreparedKernel> cached_kernel(const KernelEntry& entry_in) {
  if (entry_in.type == SourceType::File) return std::nullopt;
  // Which upload the entry means is the lock's answer; without one nothing is known offline.
  KernelEntry entry = entry_in;
  if (entry.locked.empty()) {
    try {
      const auto lock = read_locked(entry_in);
      if (!lock) return std::nullopt;
      entry = apply_lock(entry_in, *lock);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  const std::string dir = entry_dir(entry.id);
  const std::string file = dir + "/" + std::string(kPreparedFile);
  if (!fs::exists(file)) return std::nullopt;
  try {
    const auto j = read_json_file(file, kPreparedKind);
    if (j.value("cache_key", "") != cache_key(entry) && !legacy_hit(entry, j)) return std::nullopt;
    PreparedKernel k = from_json(j, dir);
    if (!fs::exists(k.image)) return std::nullopt;
    // Cached before the lock: the same name and version, so the locked hash is its hash.
    if (!k.source.contains("sha256") && !entry.locked.empty()) k.source["sha256"] = entry.locked.front().sha256;
    if (entry.type == SourceType::Build && k.modules_builtin.empty() && !k.config.empty()) {
      // Builds cached by an earlier nsmatrix did not record this; a build's config says it.
      k.modules_builtin.clear();
      k.modules_absent = guest_modules();
      finish(k);
    }
    for (const auto& m : k.modules_in_load_order) {
      if (!fs::exists(m)) return std::nullopt;
    }
    k.cache_hit = true;
    return k;
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged cache entry is simply prepared again
  }
}

PreparedKernel prepare_kernel(const KernelEntry& entry, const Progress& progress) {
  return prepare_kernel(entry, progress, PrepareOptions{});
}

PreparedKernel prepare_kernel(const KernelEntry& entry, const Progress& progress, const PrepareOptions& options) {
  Stopwatch watch;
  if (entry.type == SourceType::File) {
    PreparedKernel k = prepare_kernel_file(
        entry.image, entry.modules_dir.empty() ? std::nullopt : std::optional<std::string>(entry.modules_dir));
    k.id = entry.id;
    return k;
  }
  FileLock lock(cache_dir() + "/locks/kernel-" + entry.id + ".lock");
  // What a killed run of this id left in tmp/ (its staging dirs die with it only on errors).
  remove_stale_staging(cache_dir(), entry.id);
  auto serve_cached = [&](const KernelEntry& resolved) -> std::optional<PreparedKernel> {
    if (options.refresh) return std::nullopt;
    auto cached = cached_kernel(resolved);
    if (cached) {
      if (progress) progress(fmt::format("{}: cached ({})", entry.id, entry_dir(entry.id)));
      cached->prepare_seconds = watch.seconds();
    }
    return cached;
  };
  // A cached kernel of the locked uploads is served without asking the archive.
  const std::optional<LockEntry> locked = read_locked(entry);
  if (locked) {
    if (auto cached = serve_cached(apply_lock(entry, *locked))) return *cached;
  }
  // Else the archive decides: the locked uploads while it has them, else the track again.
  LockChoice choice;
  {
    AptSession apt(entry.suite, progress);
    choice = check_lock(entry, locked, apt);
  }
  if (choice.changed) {
    write_locked(entry, choice.lock);
    if (progress) progress(choice.note);
  }
  const KernelEntry resolved = apply_lock(entry, choice.lock);
  if (auto cached = serve_cached(resolved)) return *cached;

  StagingDir staging(cache_dir(), entry.id);
  PreparedKernel k;
  k.id = entry.id;
  if (entry.type == SourceType::Debian) {
    if (progress) progress(fmt::format("{}: fetching {} from {}", entry.id, lock_summary(choice.lock), entry.suite));
    fetch_debian_kernel(resolved, staging.path(), k, progress);
  } else {
    if (progress) {
      progress(fmt::format("{}: building from {} ({}) with {}", entry.id, lock_summary(choice.lock), entry.suite,
                           entry.fragment));
    }
    build_kernel(resolved, staging.path(), k, progress, options);
  }
  finish(k);
  k.fetch_seconds = watch.seconds();
  write_json_file(staging.path() + "/" + std::string(kPreparedFile), to_json(k, staging.path(), cache_key(resolved)));
  const std::string dest = entry_dir(entry.id);
  staging.commit(dest);
  PreparedKernel done = from_json(read_json_file(dest + "/" + std::string(kPreparedFile), kPreparedKind), dest);
  done.prepare_seconds = watch.seconds();
  if (progress) {
    progress(fmt::format("{}: ready: {} ({}), {} module(s), {:.1f} MB downloaded, {:.1f} s", entry.id, done.release,
                         done.version, done.modules_in_load_order.size(), done.download_bytes / 1e6,
                         done.prepare_seconds));
  }
  return done;
}

PreparedKernel prepare_kernel_file(const std::string& image, const std::optional<std::string>& modules_dir) {
  const std::string abs_image = fs::absolute(image).lexically_normal().string();
  if (!fs::exists(abs_image)) throw InputError(fmt::format("{}: no such kernel image", image));
  if (!fs::is_regular_file(abs_image)) throw InputError(fmt::format("{}: not a regular file", image));
  PreparedKernel k;
  k.id = fs::path(abs_image).filename().string();
  k.image = abs_image;
  k.source = {{"type", "file"}, {"path", abs_image}};
  const BzImageInfo info = read_bzimage(abs_image);
  k.release = info.release;

  std::vector<std::string> config_candidates = {fs::path(abs_image).parent_path() / ".config",
                                                fs::path(abs_image).parent_path() / "config"};
  if (modules_dir) {
    const std::string abs_modules = fs::absolute(*modules_dir).lexically_normal().string();
    if (!fs::is_directory(abs_modules)) throw InputError(fmt::format("{}: no such modules directory", *modules_dir));
    config_candidates.push_back(abs_modules + "/config");
    config_candidates.push_back(abs_modules + "/build/.config");
    k.source["modules_dir"] = abs_modules;
    ModuleFiles files;
    files.add_tree(abs_modules);
    std::set<std::string> builtin;
    if (auto text = read_file(abs_modules + "/modules.builtin")) builtin = parse_modules_builtin(*text);
    // Decompressed copies live in the cache, keyed by the tree's path and the image.
    const std::string dest =
        fmt::format("{}/files/{}/modules", cache_dir(), sha256_hex(abs_image + "\n" + abs_modules).substr(0, 16));
    remove_tree(dest);
    const auto installed = install_modules(files, guest_modules(), dest, builtin);
    k.modules_dir = installed.load_order.empty() ? "" : dest;
    k.modules_in_load_order = installed.load_order;
    k.modules_builtin = installed.builtin;
    k.modules_absent = installed.absent;
  } else {
    k.modules_absent = guest_modules();
  }
  for (const auto& candidate : config_candidates) {
    if (fs::exists(candidate)) {
      k.config = candidate;
      break;
    }
  }
  finish(k);
  return k;
}

std::vector<std::string> verify_kernel(const PreparedKernel& k) {
  std::vector<std::string> report;
  const BzImageInfo info = read_bzimage(k.image);
  if (info.release != k.release) {
    throw ToolError(fmt::format("{}: the image says release {}, the cache says {}", k.image, info.release, k.release));
  }
  report.push_back(
      fmt::format("bzImage {} (boot protocol {}.{:02})", info.release, info.protocol >> 8, info.protocol & 0xff));
  if (!k.config.empty()) {
    const KernelConfig config = KernelConfig::load(k.config);
    report.push_back(fmt::format("config {} symbols, header {}, CONFIG_TIME_NS={} CONFIG_USER_NS={}",
                                 config.symbol_count(), config.header_version().value_or("none"),
                                 tristate_name(config.tristate("CONFIG_TIME_NS")),
                                 tristate_name(config.tristate("CONFIG_USER_NS"))));
  } else {
    report.push_back("config: none");
  }
  std::vector<std::string> names;
  for (const auto& path : k.modules_in_load_order) {
    const ModuleInfo m = parse_module(must_read_file(path), path);
    if (!m.vermagic.starts_with(k.release + " ")) {
      throw ToolError(fmt::format("{}: vermagic '{}' is not for release {}", path, m.vermagic, k.release));
    }
    names.push_back(m.name);
  }
  report.push_back(
      fmt::format("modules in load order: {}", names.empty() ? "none" : fmt::format("{}", fmt::join(names, " "))));
  report.push_back(
      fmt::format("built in: {}; absent: {}",
                  k.modules_builtin.empty() ? "none" : fmt::format("{}", fmt::join(k.modules_builtin, " ")),
                  k.modules_absent.empty() ? "none" : fmt::format("{}", fmt::join(k.modules_absent, " "))));
  return report;
}

}  // namespace nsm::vm
