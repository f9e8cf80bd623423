#include "vm/kernels/kernel_build.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/exec.h"
#include "core/kernel_config.h"
#include "core/results.h"
#include "core/sha256.h"
#include "vm/kernels/apt_session.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/deb_archive.h"
#include "vm/kernels/fragment.h"
#include "vm/kernels/run_command.h"

namespace nsm::vm {

namespace fs = std::filesystem;

namespace {

bool safe_relative(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

// The unpacked tree of one source package version, shared by every variant built from it.
std::string source_tree(const AptPackage& package, AptSession& apt, const Progress& progress) {
  const std::string root = cache_dir() + "/sources";
  const std::string dest = root + "/" + package.name + "_" + package.version;
  FileLock lock(cache_dir() + "/locks/source-" + package.name + "_" + package.version + ".lock");
  if (fs::exists(dest + "/.nsm-complete")) {
    for (const auto& entry : fs::directory_iterator(dest)) {
      if (entry.is_directory()) return entry.path().string();
    }
  }
  const std::string label = "source-" + package.name + "_" + package.version;
  remove_stale_staging(cache_dir(), label);
  StagingDir staging(cache_dir(), label);
  if (progress)
    progress(fmt::format("downloading {} {} ({:.0f} MB)", package.name, package.version, package.size / 1e6));
  const std::string deb = apt.client().download(package, staging.path(), progress);
  if (const auto sha = file_sha256(deb); !package.sha256.empty() && sha != package.sha256) {
    throw ToolError(fmt::format("{}: SHA-256 {} is not the locked {} of {} {}", deb, sha, package.sha256, package.name,
                                package.version));
  }
  const std::string tree_dir = staging.path() + "/tree";
  const std::string top = unpack_kernel_source(deb, tree_dir, progress);
  fs::remove(deb);
  write_whole_file(tree_dir + "/.nsm-complete", package.version + "\n");
  // Commit the tree directory (not the staging dir) as the cached source.
  make_directories(root);
  remove_tree(dest);
  if (::rename(tree_dir.c_str(), dest.c_str()) != 0) throw_sys("rename", tree_dir + " -> " + dest);
  return dest + "/" + fs::path(top).filename().string();
}

class BuildLog {
 public:
  BuildLog(const std::string& path, const Progress& progress) : out_(path), path_(path), progress_(progress) {
    if (!out_) throw ToolError("cannot write " + path);
  }
  void step(const std::string& what) {
    out_ << "### " << what << "\n";
    if (progress_) progress_(fmt::format("  {} ({:.0f} s)", what, watch_.seconds()));
  }
  // Make's "  CC  kernel/fork.o" lines, condensed into a line every 250 objects.
  void line(std::string_view text) {
    out_ << text << "\n";
    if (text.starts_with("  CC ") || text.starts_with("  AS ") || text.starts_with("  LD ") ||
        text.starts_with("  AR ")) {
      if (++objects_ % 250 == 0 && progress_) {
        progress_(fmt::format("  make: {} objects ({:.0f} s)", objects_, watch_.seconds()));
      }
    }
  }
  void run(const std::vector<std::string>& argv, const CommandOptions& options) {
    out_ << "$ " << fmt::format("{}", fmt::join(argv, " ")) << "\n";
    const auto result = run_command(argv, options, [&](std::string_view l) { line(l); });
    out_.flush();
    if (!result.ok()) {
      throw ToolError(fmt::format("{} {} (full log: {})", fmt::join(argv, " "), result.describe(), path_));
    }
  }
  size_t objects() const { return objects_; }

 private:
  std::ofstream out_;
  std::string path_;
  Progress progress_;
  Stopwatch watch_;
  size_t objects_ = 0;
};

// Makes the directories of an unpacked tree, never through a symlink: a tarball holding
// "a -> /etc" and then "a/passwd" must not write outside the tree (as root). Directories
// already checked are remembered, so a tree of 80,000 files costs one lstat per directory.
class TreeDirs {
 public:
  explicit TreeDirs(std::string root) : root_(std::move(root)) {}
  // `rel` (relative, safe_relative) and each directory above it exist as real directories.
  void make(const std::string& rel) {
    std::string prefix;
    for (const auto& part : fs::path(rel)) {
      prefix = prefix.empty() ? part.string() : prefix + "/" + part.string();
      if (checked_.count(prefix)) continue;
      const std::string path = root_ + "/" + prefix;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) throw_sys("lstat", path);
        if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_sys("mkdir", path);
        if (::lstat(path.c_str(), &st) != 0) throw_sys("lstat", path);
      }
      if (!S_ISDIR(st.st_mode))
        throw ToolError(fmt::format("{}: not a directory (a symlink or a file in the tarball's way)", path));
      checked_.insert(prefix);
    }
  }
  // An entry is about to be written at `path`: one already there (a repeated entry, or a
  // symlink an earlier entry made) is removed rather than written through.
  static void clear(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && ::unlink(path.c_str()) != 0)
      throw_sys("unlink", path);
  }

 private:
  std::string root_;
  std::unordered_set<std::string> checked_;
};

}  // namespace

std::string unpack_kernel_source(const std::string& deb, const std::string& dest, const Progress& progress) {
  make_directories(dest);
  TreeDirs dirs(dest);
  std::string top;
  size_t files = 0;
  bool found = false;
  for_each_deb_entry(deb, [&](const DebEntry& outer, EntryReader& tarball) {
    if (!outer.is_file || !outer.path.starts_with("usr/src/linux-source-") ||
        outer.path.find(".tar") == std::string::npos) {
      return;
    }
    found = true;
    for_each_tar_entry(tarball, deb + ":" + outer.path, [&](const DebEntry& e, EntryReader& reader) {
      std::string path = e.path;
      while (!path.empty() && path.back() == '/') path.pop_back();
      if (path.empty()) return;
      if (!safe_relative(path))
        throw ToolError(fmt::format("{}: unsafe path in the source tarball: '{}'", deb, e.path));
      if (top.empty()) top = path.substr(0, path.find('/'));
      const std::string target = dest + "/" + path;
      const std::string parent = fs::path(path).parent_path().string();
      if (e.is_dir) {
        dirs.make(path);
      } else if (e.is_symlink) {
        if (!parent.empty()) dirs.make(parent);
        TreeDirs::clear(target);
        if (::symlink(e.link_target.c_str(), target.c_str()) != 0) throw_sys("symlink", target);
      } else if (e.is_file) {
        if (!parent.empty()) dirs.make(parent);
        TreeDirs::clear(target);
        reader.copy_to(target);
        if (::chmod(target.c_str(), e.mode & 0777) != 0) throw_sys("chmod", target);
        if (++files % 20000 == 0 && progress) progress(fmt::format("  unpacked {} files", files));
      }
    });
  });
  if (!found)
    throw ToolError(fmt::format("{}: no usr/src/linux-source-*.tar.* inside: not a linux-source package", deb));
  if (top.empty()) throw ToolError(fmt::format("{}: the source tarball is empty", deb));
  if (progress) progress(fmt::format("  unpacked {} files into {}", files, top));
  return dest + "/" + top;
}

namespace {

// ccache's counters of compilations served from its cache and compiled, from
// `ccache --print-stats` (tab-separated, ccache >= 4.x); nullopt when it cannot tell.
struct CcacheCounts {
  long hits = 0;
  long misses = 0;
};
std::optional<CcacheCounts> ccache_counts(const CommandOptions& run) {
  CommandOptions quiet = run;
  quiet.keep_lines = 200;
  const auto r = run_command({"ccache", "--print-stats"}, quiet, {});
  if (!r.ok()) return std::nullopt;
  CcacheCounts c;
  bool seen = false;
  for (const auto& line : r.last_lines) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string key = line.substr(0, tab);
    long value = 0;
    try {
      value = std::stol(line.substr(tab + 1));
    } catch (const std::exception&) {
      continue;
    }
    if (key == "direct_cache_hit" || key == "preprocessed_cache_hit") c.hits += value, seen = true;
    if (key == "cache_miss") c.misses += value, seen = true;
  }
  return seen ? std::optional(c) : std::nullopt;
}

}  // namespace

void build_kernel(const KernelEntry& entry, const std::string& dir, PreparedKernel& out, const Progress& progress,
                  const PrepareOptions& options) {
  const auto base = parse_fragment(guest_base_fragment(), "built-in:fragments/guest-base.config");
  const auto variant = parse_fragment(entry.fragment_text, entry.fragment);
  const auto wanted = merge_fragments({base, variant});

  // The apt session (and its lock) lasts only as long as apt is needed, not the build.
  AptPackage package;
  std::string src;
  {
    // The upload the lock names (prepare_kernel resolved it).
    if (entry.locked.empty()) throw InputError(fmt::format("kernel '{}': built before it was resolved", entry.id));
    package.name = entry.locked.front().name;
    package.version = entry.locked.front().version;
    package.sha256 = entry.locked.front().sha256;
    package.size = entry.locked.front().size;
    package.suite = entry.suite;
    AptSession apt(entry.suite, progress);
    src = source_tree(package, apt, progress);
  }

  const std::string fragment_sha = sha256_hex(entry.fragment_text);
  // One build tree per source upload, shared by its variants: Kbuild records which Kconfig
  // symbols each object depends on, so a further variant rebuilds only the objects its
  // config touches (ccache, below, then compiles only those whose text changed). Variants
  // of one source take turns in it.
  const std::string tree = fmt::format("{}_{}-r{}", package.name, package.version, kBuildRecipe);
  const std::string build_dir = fmt::format("{}/builds/{}", cache_dir(), tree);
  if (progress)
    progress(
        fmt::format("  build tree {} (shared by the variants of {} {})", build_dir, package.name, package.version));
  FileLock lock(cache_dir() + "/locks/build-" + tree + ".lock");
  make_directories(build_dir);
  write_whole_file(build_dir + "/nsm-guest-base.config", guest_base_fragment());
  write_whole_file(build_dir + "/nsm-variant.config", entry.fragment_text);

  BuildLog log(dir + "/build.log", progress);
  const int jobs =
      options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CommandOptions run;
  run.cwd = src;
  run.env = {{"LC_ALL", "C"}, {"KBUILD_BUILD_USER", "nsmatrix"}, {"KBUILD_BUILD_HOST", "nsmatrix"}};
  std::vector<std::string> make = {"make", "O=" + build_dir, "ARCH=x86_64", "LOCALVERSION=-nsm-" + entry.id};
  // Kbuild recompiles only the objects whose Kconfig symbols a variant changes, but those
  // are most of the kernel when the symbol sits in a common header (USER_NS in cred.h), and
  // variants taking turns in one tree undo each other. ccache, in its preprocessor mode,
  // serves every object whose preprocessed text some earlier build (any variant, any tree)
  // already compiled: only what the config really changes is compiled again. Its cache is
  // ours (bounded), so a user's own ccache is neither used nor filled.
  const bool ccache = on_path("ccache");
  if (ccache) {
    make.emplace_back("CC=ccache gcc");
    run.env["CCACHE_DIR"] = cache_dir() + "/ccache";
    run.env["CCACHE_MAXSIZE"] = "2G";
    run.env["CCACHE_BASEDIR"] = cache_dir();
  } else if (progress) {
    progress("  ccache is not installed (scripts/install-deps.sh): every object the config touches is compiled");
  }
  auto make_with = [&](std::vector<std::string> targets) {
    auto argv = make;
    argv.insert(argv.end(), targets.begin(), targets.end());
    return argv;
  };
  log.step("make tinyconfig");
  log.run(make_with({"tinyconfig"}), run);
  log.step("merge fragments: guest-base.config, " + fs::path(entry.fragment).filename().string());
  log.run({"scripts/kconfig/merge_config.sh", "-m", "-O", build_dir, build_dir + "/.config",
           build_dir + "/nsm-guest-base.config", build_dir + "/nsm-variant.config"},
          run);
  log.run(make_with({"olddefconfig"}), run);
  const auto config = KernelConfig::load(build_dir + "/.config");
  const auto unmet = unmet_fragment_lines(wanted, config);
  if (!unmet.empty()) {
    throw InputError(
        fmt::format("Kconfig did not keep {} fragment line(s) (a dependency is off, or the symbol "
                    "does not exist in {} {}): {}",
                    unmet.size(), package.name, package.version, fmt::join(unmet, "; ")));
  }
  if (progress) progress(fmt::format("  config verified: all {} fragment lines kept", wanted.size()));
  log.step(fmt::format("make -j{} bzImage", jobs));
  const auto before = ccache ? ccache_counts(run) : std::nullopt;
  Stopwatch compile;
  log.run(make_with({fmt::format("-j{}", jobs), "bzImage"}), run);
  std::string served;
  if (const auto after = ccache ? ccache_counts(run) : std::nullopt; after && before) {
    served = fmt::format(", {} compiled, {} from ccache", after->misses - before->misses, after->hits - before->hits);
  }
  if (progress) progress(fmt::format("  built in {:.0f} s ({} objects{})", compile.seconds(), log.objects(), served));

  copy_file(build_dir + "/arch/x86/boot/bzImage", dir + "/vmlinuz");
  copy_file(build_dir + "/.config", dir + "/config");
  out.image = dir + "/vmlinuz";
  out.config = dir + "/config";
  // tinyconfig has no module support: the guest's modules are built in or absent, which
  // finish() reads from the config.
  out.modules_absent = guest_modules();
  out.version = config.header_version().value_or(package.version.substr(0, package.version.find('-')));
  out.source = {{"type", "build"},
                {"package", package.name},
                {"package_version", package.version},
                {"sha256", package.sha256},
                {"suite", entry.suite},
                {"base_config", "tinyconfig"},
                {"fragment", entry.fragment},
                {"fragment_sha256", fragment_sha},
                {"guest_base_sha256", sha256_hex(guest_base_fragment())}};
}

}  // namespace nsm::vm
