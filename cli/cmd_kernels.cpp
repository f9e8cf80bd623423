// nsmatrix kernels list | fetch [ID...] | build ID: the kernel manifest and its cache.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
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
    case SourceType::Debian: return fmt::format("debian {} ({})", e.package, e.suite);
    case SourceType::File: return fmt::format("file {}", e.image);
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
  for (const auto& e : kernels) {
    std::string cached = "not cached";
    if (e.type == SourceType::File) {
      cached = fs::exists(e.image) ? "file present" : "file missing";
    } else if (auto k = vm::cached_kernel(e)) {
      cached = fmt::format("cached: {}, {} module(s), {:.1f} MB on disk", k->release, k->modules_in_load_order.size(),
                           tree_bytes(vm::cache_dir() + "/kernels/" + e.id) / 1e6);
    }
    fmt::print("  {:<24} {}\n  {:<24} {}\n", e.id, describe_source(e), "", cached);
  }
  return kExitOk;
}

// Prepares each kernel, going on after a failure; one summary line per kernel at the end.
int prepare_all(const std::vector<const KernelEntry*>& entries, const KernelsOptions& o) {
  struct Outcome {
    std::string id, line;
    bool ok;
    bool bad_input;
  };
  std::vector<Outcome> outcomes;
  vm::PrepareOptions options;
  options.refresh = o.refresh;
  options.jobs = o.jobs;
  for (const KernelEntry* e : entries) {
    try {
      const auto k = vm::prepare_kernel(*e, print_line, options);
      outcomes.push_back({e->id,
                          k.cache_hit ? fmt::format("cached   {} (fetched in {:.1f} s, {:.1f} MB downloaded)", k.release,
                                                    k.fetch_seconds, k.download_bytes / 1e6)
                                      : fmt::format("ready    {} in {:.1f} s, {:.1f} MB downloaded", k.release,
                                                    k.prepare_seconds, k.download_bytes / 1e6),
                          true, false});
    } catch (const Error& err) {
      outcomes.push_back({e->id, fmt::format("FAILED   {}", err.what()), false, true});
    } catch (const std::exception& err) {
      outcomes.push_back({e->id, fmt::format("FAILED   {}", err.what()), false, false});
    }
    if (!outcomes.back().ok) print_line(fmt::format("{}: {}", e->id, outcomes.back().line));
  }
  fmt::print("\n");
  int code = kExitOk;
  for (const auto& out : outcomes) {
    fmt::print("{:<24} {}\n", out.id, out.line);
    if (!out.ok) code = std::max(code, out.bad_input ? kExitBadInput : kExitBroken);
  }
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
      throw Error(fmt::format("kernel '{}' is a {} kernel, not a build: use 'nsmatrix kernels fetch {}'", id,
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
              ? vm::prepare_kernel_file(e->image, e->modules_dir.empty() ? std::nullopt
                                                                          : std::optional<std::string>(e->modules_dir))
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

void add_kernels_command(CLI::App& app, Runner& selected) {
  auto* kernels = app.add_subcommand("kernels", "The kernel manifest and its cache ($NSMATRIX_CACHE, default ~/.cache/nsmatrix)");
  kernels->require_subcommand(1);
  auto options = std::make_shared<KernelsOptions>();
  auto add_manifest = [&](CLI::App* sub) {
    sub->add_option("--kernels", options->manifest, "A kernel manifest (JSON) instead of the built-in one")
        ->check(CLI::ExistingFile);
  };

  auto* list = kernels->add_subcommand("list", "List the manifest's kernels and what is cached");
  add_manifest(list);
  list->callback([&selected, options] { selected = [options] { return run_list(*options); }; });

  auto* fetch = kernels->add_subcommand(
      "fetch", "Fetch kernels with apt into the cache (default: every Debian kernel of the manifest)");
  add_manifest(fetch);
  fetch->add_option("ID", options->ids, "Manifest ids (a build id builds it)");
  fetch->add_flag("--refresh", options->refresh, "Fetch again even when cached");
  fetch->callback([&selected, options] { selected = [options] { return run_fetch(*options); }; });

  auto* verify = kernels->add_subcommand(
      "verify", "Check cached kernels again: bzImage header, config, modules (default: all)");
  add_manifest(verify);
  verify->add_option("ID", options->ids, "Manifest ids");
  verify->callback([&selected, options] { selected = [options] { return run_verify(*options); }; });

  auto* build = kernels->add_subcommand("build", "Build kernel variants from Debian's linux-source with their fragment");
  add_manifest(build);
  build->add_option("ID", options->ids, "Manifest ids of build entries")->required();
  build->add_flag("--refresh", options->refresh, "Build again even when cached");
  build->add_option("-j,--jobs", options->jobs, "make -j (default: the number of CPUs)")->check(CLI::PositiveNumber);
  build->callback([&selected, options] { selected = [options] { return run_build(*options); }; });
}

}  // namespace nsm::cli
