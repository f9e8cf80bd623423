// nsmatrix clean [--dry-run]
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "conformance/driver/residue.h"

namespace nsm::cli {

namespace {

int run_clean_command(bool dry_run) {
  if (dry_run) {
    size_t marked = 0;
    for (const auto& item : conformance::find_residue()) {
      // Only what carries the suite's marker is ours; a name alone is anyone's.
      if (item.marked) ++marked;
      fmt::print("{} {:<8} {}\n", item.marked ? "would remove" : "not ours    ", item.kind, item.name);
    }
    fmt::print("nsmatrix clean: {} object(s) of the suite found\n", marked);
    return marked == 0 ? kExitOk : kExitFailures;  // CI's residue check
  }
  const conformance::CleanReport report = conformance::clean_residue();
  for (const auto& item : report.removed) fmt::print("removed {:<8} {}\n", item.kind, item.name);
  for (const auto& [item, why] : report.failed)
    fmt::print(stderr, "could not remove {} {}: {}\n", item.kind, item.name, why);
  fmt::print("nsmatrix clean: {} removed, {} left\n", report.removed.size(), report.failed.size());
  return report.failed.empty() ? kExitOk : kExitFailures;
}

}  // namespace

void add_clean_command(CLI::App& app, Action& selected) {
  auto dry_run = std::make_shared<bool>(false);
  CLI::App* sub =
      app.add_subcommand("clean", "Remove what a killed run left behind (only what carries the suite's marker)");
  sub->description(
      "Removes what a run killed half way could leave on this machine, and nothing else:\n"
      "only objects carrying the marker the suite records when it makes them, never one\n"
      "merely named nsm* (a user's nsmvpn link, /home/nsmith): network devices whose\n"
      "ifalias is \"nsmatrix pid=<pid> pidns=<ns>\", mounts of an nsm-* source (unmounted\n"
      "with UMOUNT_NOFOLLOW), the suite's cgroups (nsm-<pid>-<n>-p<ns>) and keys\n"
      "(nsm-...-p<ns>-<pid>) when <pid> is gone from that pid namespace. Of a killed\n"
      "`nsmatrix runtimes` run (marker nsm-rt-<pid>-p<ns>): the processes whose command\n"
      "line carries the marker (its dockerd, containerd, shims, conmon, the held\n"
      "containers) are killed first, then the mounts below /var/lib/nsm-rt-<pid>-p<ns>\n"
      "detached and that directory removed (its daemons' containers, images, networks and\n"
      "volumes live there), its top-level cgroups nsm-rt-<pid>-p<ns>-* and its bridges\n"
      "(marked links) removed. Named network\n"
      "namespaces are never removed (the suite names none). Through netlink and system\n"
      "calls. A hostname starting with nsm- is reported, not changed. Files in /tmp are\n"
      "never touched (the suite makes none).\n"
      "Exit 0 when nothing is left; 1 when something could not be removed (with --dry-run:\n"
      "when anything is there, so that CI can check a machine for residue).");
  sub->add_flag("--dry-run", *dry_run, "Only list what would be removed; exit 1 if anything is there");
  sub->callback([dry_run, &selected] { selected = [dry_run] { return run_clean_command(*dry_run); }; });
}

}  // namespace nsm::cli
