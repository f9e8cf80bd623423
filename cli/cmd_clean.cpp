// nsmatrix clean [--dry-run]
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "conformance/runner/residue.h"

namespace nsm::cli {

namespace {

int run_clean_command(bool dry_run) {
  if (dry_run) {
    const auto found = conformance::find_residue();
    for (const auto& item : found) fmt::print("would remove {:<8} {}\n", item.kind, item.name);
    fmt::print("nsmatrix clean: {} nsm-prefixed object(s) found\n", found.size());
    return found.empty() ? kExitOk : kExitFailures;  // CI's residue check
  }
  const conformance::CleanReport report = conformance::clean_residue();
  for (const auto& item : report.removed) fmt::print("removed {:<8} {}\n", item.kind, item.name);
  for (const auto& [item, why] : report.failed) fmt::print(stderr, "could not remove {} {}: {}\n", item.kind, item.name, why);
  fmt::print("nsmatrix clean: {} removed, {} left\n", report.removed.size(), report.failed.size());
  return report.failed.empty() ? kExitOk : kExitFailures;
}

}  // namespace

void add_clean_command(CLI::App& app, Runner& selected) {
  auto dry_run = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("clean", "Remove what a killed run left behind (only nsm-prefixed objects)");
  sub->description(
      "Removes what a run killed half way could leave on this machine, and nothing else:\n"
      "network devices named nsm* in this network namespace, named network namespaces\n"
      "/run/netns/nsm*, mounts at a path with an nsm* component (or of an nsm-* source),\n"
      "the suite's cgroups (nsm-<pid>-<n>) and keys (nsm-...-<pid>) when <pid> is gone.\n"
      "Through netlink and system calls. A hostname starting with nsm- is reported, not\n"
      "changed. Files in /tmp are never touched (the suite makes none).\n"
      "Exit 0 when nothing is left; 1 when something could not be removed (with --dry-run:\n"
      "when anything is there, so that CI can check a machine for residue).");
  sub->add_flag("--dry-run", *dry_run, "Only list what would be removed; exit 1 if anything is there");
  sub->callback([dry_run, &selected] { selected = [dry_run] { return run_clean_command(*dry_run); }; });
}

}  // namespace nsm::cli
