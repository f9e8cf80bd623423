// nsmatrix kernels list | update [ID...] | fetch [ID...] | build ID | verify: the kernel
// manifest, its lock and its cache.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "vm/kernels/apt_session.h"
#include "vm/kernels/kernel_lock.h"
#include "vm/kernels/kernel_store.h"
#include "vm/kernels/manifest.h"

namespace nsm::cli {

namespace {

namespace fs = std::filesystem;
using vm::KernelEntry;
using vm::SourceType;

struct KernelsOptions {
  std::optional<std::string> manifest;
  std::vector<std::string> ids;
  bool refresh = false;
  int jobs = 0;
};

std::string describe_source(const KernelEntry& e) {
  switch (e.type) {
    case SourceType::Debian:
      return e.is_track() ? fmt::format("debian track {}/{}", e.suite, e.flavour)
                          : fmt::format("debian {} ({})", e.package, e.suite);
    case SourceType::File:
      return fmt::format("file {}", e.image);
    case SourceType::Build:
      return fmt::format("build {} ({}) + {}", e.source_package, e.suite, fs::path(e.fragment).filename().string());
  }
  return "";
}

long long tree_bytes(const std::string& dir) {
  long long total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<long long>(it->file_size(ec));
  }
  return total;
}

void print_line(std::string_view line) {
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

int run_list(const KernelsOptions& o) {
  const auto kernels = vm::load_manifest(o.manifest);
  fmt::print("manifest: {}   cache: {}\n", o.manifest.value_or("built-in"), vm::cache_dir());
  const std::string lock_file = vm::lock_path(kernels.front());
  const auto locks = vm::read_lock_file(lock_file);
  fmt::print("lock:     {}{}\n", lock_file, locks.empty() ? " (none yet: `nsmatrix kernels update` writes it)" : "");
  for (const auto& e : kernels) {
    std::string cached = "not cached";
    if (e.type == SourceType::File) {
      cached = fs::exists(e.image) ? "file present" : "file missing";
    } else if (auto k = vm::cached_kernel(e)) {
      cached = fmt::format("cached: {}, {} module(s), {:.1f} MB on disk", k->release, k->modules_in_load_order.size(),
                           tree_bytes(vm::cache_dir() + "/kernels/" + e.id) / 1e6);
    }
    std::string lock_line;
    if (e.type != SourceType::File) {
      const auto it = locks.find(e.id);
      lock_line = it == locks.end() || it->second.spec != vm::entry_spec(e)
                      ? "locked: no"
                      : fmt::format("locked: {} ({})", vm::lock_summary(it->second), it->second.resolved);
    }
    fmt::print("  {:<24} {}\n", e.id, describe_source(e));
    if (!lock_line.empty()) fmt::print("  {:<24} {}\n", "", lock_line);
    fmt::print("  {:<24} {}\n", "", cached);
  }
  return kExitOk;
}

// Prepares each kernel, going on after a failure; one summary line per kernel at the end.
int prepare_all(const std::vector<const KernelEntry*>& entries, const KernelsOptions& o) {
  struct Outcome {
    std::string id, line;
    bool ok;
    int code;  // the exit code its failure asks for
  };
  std::vector<Outcome> outcomes;
  vm::PrepareOptions options;
  options.refresh = o.refresh;
  options.jobs = o.jobs;
  for (const KernelEntry* e : entries) {
    try {
      const auto k = vm::prepare_kernel(*e, print_line, options);
      outcomes.push_back({e->id,
                          k.cache_hit ? fmt::format("cached   {} (fetched in {:.1f} s, {:.1f} MB downloaded)",
                                                    k.release, k.fetch_seconds, k.download_bytes / 1e6)
                                      : fmt::format("ready    {} in {:.1f} s, {:.1f} MB downloaded", k.release,
                                                    k.prepare_seconds, k.download_bytes / 1e6),
                          true, kExitOk});
    } catch (const std::exception& err) {
      outcomes.push_back({e->id, fmt::format("FAILED   {}", err.what()), false, exit_code_of(err)});
    }
    if (!outcomes.back().ok) print_line(fmt::format("{}: {}", e->id, outcomes.back().line));
  }
  fmt::print("\n");
  int code = kExitOk;
  for (const auto& out : outcomes) {
    fmt::print("{:<24} {}\n", out.id, out.line);
    code = std::max(code, out.code);
  }
  return code;
}

// Resolves each entry against the archive and writes the lock. A vanished pin or a missing
// metapackage is bad input (2), an archive that cannot be asked is 3; the other entries
// are still updated.
int run_update(const KernelsOptions& o) {
  const auto kernels = vm::load_manifest(o.manifest);
  std::vector<const KernelEntry*> entries;
  if (o.ids.empty()) {
    for (const auto& e : kernels) {
      if (e.type != SourceType::File) entries.push_back(&e);
    }
  } else {
    for (const auto& id : o.ids) entries.push_back(&vm::find_kernel(kernels, id));
  }
  if (entries.empty()) {
    fmt::print("nothing to resolve: the manifest has only file kernels\n");
    return kExitOk;
  }
  const std::string lock_file = vm::lock_path(*entries.front());
  const auto old = vm::read_lock_file(lock_file);
  int code = kExitOk;
  for (const KernelEntry* e : entries) {
    if (e->type == SourceType::File) {
      fmt::print("{:<24} a file kernel: nothing to lock\n", e->id);
      continue;
    }
    try {
      std::optional<vm::LockEntry> fresh;
      {
        vm::AptSession apt(e->suite, [](std::string_view line) {
          if (line.starts_with("apt-get update")) print_line(line);
        });
        fresh = vm::resolve_entry(*e, apt);
      }
      const auto it = old.find(e->id);
      std::string was = "new";
      if (it != old.end() && it->second.spec == vm::entry_spec(*e)) {
        was = it->second.packages == fresh->packages ? "unchanged" : "was " + vm::lock_summary(it->second);
      }
      vm::write_locked(*e, *fresh);
      fmt::print("{:<24} {} -> {} ({})\n", e->id, vm::entry_spec(*e), vm::lock_summary(*fresh), was);
      for (size_t i = 1; i < fresh->packages.size(); ++i) {
        fmt::print("{:<24}   with {} {}\n", "", fresh->packages[i].name, fresh->packages[i].version);
      }
    } catch (const Error& err) {
      fmt::print("{:<24} FAILED: {}\n", e->id, err.what());
      code = std::max(code, exit_code_of(err));
    }
    std::fflush(stdout);
  }
  fmt::print("lock: {}\n", lock_file);
  return code;
}

int run_fetch(const KernelsOptions& o) {
  const auto kernels = vm::load_manifest(o.manifest);
  std::vector<const KernelEntry*> entries;
  if (o.ids.empty()) {
    for (const auto& e : kernels) {
      if (e.type == SourceType::Debian) entries.push_back(&e);
    }
  } else {
    for (const auto& id : o.ids) entries.push_back(&vm::find_kernel(kernels, id));
  }
  return prepare_all(entries, o);
}

int run_build(const KernelsOptions& o) {
  const auto kernels = vm::load_manifest(o.manifest);
  std::vector<const KernelEntry*> entries;
  for (const auto& id : o.ids) {
    const auto& e = vm::find_kernel(kernels, id);
    if (e.type != SourceType::Build) {
      throw InputError(fmt::format("kernel '{}' is a {} kernel, not a build: use 'nsmatrix kernels fetch {}'", id,
                                   vm::source_type_name(e.type), id));
    }
    entries.push_back(&e);
  }
  return prepare_all(entries, o);
}

int run_verify(const KernelsOptions& o) {
  const auto kernels = vm::load_manifest(o.manifest);
  std::vector<const KernelEntry*> entries;
  if (o.ids.empty()) {
    for (const auto& e : kernels) entries.push_back(&e);
  } else {
    for (const auto& id : o.ids) entries.push_back(&vm::find_kernel(kernels, id));
  }
  int code = kExitOk;
  for (const KernelEntry* e : entries) {
    std::optional<vm::PreparedKernel> k;
    try {
      k = e->type == SourceType::File
              ? vm::prepare_kernel_file(
                    e->image, e->modules_dir.empty() ? std::nullopt : std::optional<std::string>(e->modules_dir))
              : vm::cached_kernel(*e);
      if (!k) {
        fmt::print("{:<24} not cached\n", e->id);
        continue;
      }
      const auto lines = vm::verify_kernel(*k);
      for (size_t i = 0; i < lines.size(); ++i) fmt::print("{:<24} {}\n", i == 0 ? e->id : "", lines[i]);
    } catch (const std::exception& err) {
      fmt::print("{:<24} BROKEN: {}\n", e->id, err.what());
      code = kExitFailures;
    }
  }
  return code;
}

}  // namespace

void add_kernels_command(CLI::App& app, Action& selected) {
  auto* kernels =
      app.add_subcommand("kernels", "The kernel manifest and its cache ($NSMATRIX_CACHE, default ~/.cache/nsmatrix)");
  kernels->require_subcommand(1);
  auto options = std::make_shared<KernelsOptions>();
  auto add_manifest = [&](CLI::App* sub) {
    sub->add_option("--kernels", options->manifest, "A kernel manifest (JSON) instead of the built-in one")
        ->check(CLI::ExistingFile);
  };

  auto* list = kernels->add_subcommand("list", "List the manifest's kernels, their lock and what is cached");
  add_manifest(list);
  list->callback([&selected, options] { selected = [options] { return run_list(*options); }; });

  auto* update = kernels->add_subcommand(
      "update", "Resolve the manifest's tracks and pins against the archive and write the lock (default: all)");
  update->footer(
      "A track ({\"suite\": \"bookworm\", \"flavour\": \"cloud\"}) follows the suite's metapackage\n"
      "(linux-image-cloud-amd64 -> its kernel); a pin ({\"package\": ...}) stays its package; a build\n"
      "locks its linux-source. The lock names each upload (package, version, SHA-256 from apt's\n"
      "index); fetch, build, vm and matrix use it while the archive has it, and resolve a track\n"
      "again (saying old -> new) when it does not. Lock: $NSMATRIX_CACHE/kernels.lock.json for\n"
      "the built-in manifest, FILE.lock.json beside --kernels FILE.json.\n"
      "Exit codes: 0 all resolved, 2 an entry cannot be (a vanished pin, a missing metapackage).");
  add_manifest(update);
  update->add_option("ID", options->ids, "Manifest ids");
  update->callback([&selected, options] { selected = [options] { return run_update(*options); }; });

  auto* fetch = kernels->add_subcommand(
      "fetch", "Fetch kernels with apt into the cache (default: every Debian kernel of the manifest)");
  add_manifest(fetch);
  fetch->add_option("ID", options->ids, "Manifest ids (a build id builds it)");
  fetch->add_flag("--refresh", options->refresh, "Fetch again even when cached");
  fetch->callback([&selected, options] { selected = [options] { return run_fetch(*options); }; });

  auto* verify =
      kernels->add_subcommand("verify", "Check cached kernels again: bzImage header, config, modules (default: all)");
  add_manifest(verify);
  verify->add_option("ID", options->ids, "Manifest ids");
  verify->callback([&selected, options] { selected = [options] { return run_verify(*options); }; });

  auto* build =
      kernels->add_subcommand("build", "Build kernel variants from Debian's linux-source with their fragment");
  add_manifest(build);
  build->add_option("ID", options->ids, "Manifest ids of build entries")->required();
  build->add_flag("--refresh", options->refresh, "Build again even when cached");
  build->add_option("-j,--jobs", options->jobs, "make -j (default: the number of CPUs)")->check(CLI::PositiveNumber);
  build->callback([&selected, options] { selected = [options] { return run_build(*options); }; });
}

}  // namespace nsm::cli
