// nsmatrix runtimes [--runtime NAME,..] [--profile NAME,..] [--out DIR]
#include <signal.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "core/proc.h"
#include "runtimes/driver.h"

namespace nsm::cli {

namespace {

int run_runtimes_command(runtimes::DriverOptions options) {
  if (options.out_dir.empty()) options.out_dir = default_out_dir();
  options.bin_dir = own_bin_dir();
  const auto result = runtimes::run_runtimes(options, stdout);
  fmt::print("\n{} ran, {} skipped, {} broken{}\nresults in {}\n", result.ran, result.skipped, result.broken,
             result.broken_gaps ? fmt::format("; {} gap verdicts broken", result.broken_gaps) : "", result.path);
  for (const auto& line : result.doc["teardown"]) fmt::print("teardown: {}\n", line.get<std::string>());
  if (result.interrupted) {
    // Ended as the signal ends a command, once the run has cleaned up and said so.
    std::fflush(nullptr);
    ::signal(result.interrupted, SIG_DFL);
    ::raise(result.interrupted);
  }
  return result.broken == 0 && result.broken_gaps == 0 && result.host_problems == 0 ? kExitOk : kExitFailures;
}

}  // namespace

void add_runtimes_command(CLI::App& app, Action& selected) {
  auto options = std::make_shared<runtimes::DriverOptions>();
  CLI::App* sub = app.add_subcommand(
      "runtimes", "What real container runtimes isolate here: each runs the inside view, compared from outside");
  std::string names, all_profiles;
  for (const auto& [runtime, profiles] : runtimes::runtime_profiles()) {
    std::string list;
    for (const auto& p : profiles) {
      list += (list.empty() ? "" : ", ") + p;
      if (all_profiles.find(p) == std::string::npos) all_profiles += (all_profiles.empty() ? "" : ", ") + p;
    }
    names += fmt::format("  {:<15} {}\n", runtime, list);
  }
  sub->description(
      "For each container runtime installed here and each of its profiles, starts one\n"
      "container with the runtime's defaults from a rootfs built of nsmatrix and the shared\n"
      "libraries it loads (imported as a tarball: no image registry), runs `nsmatrix inside\n"
      "--hold` in it, and compares from outside: which of the eight namespace types are new\n"
      "(the container process's /proc/PID/ns against the host's), where its veth's peer is\n"
      "(a host link on which bridge), and each gap judged against the host's readings taken\n"
      "before and after. Writes DIR/runtimes.json (docs/results-format.md) and each\n"
      "runtime's own output in DIR/logs/. A runtime that is not installed, or that cannot\n"
      "start a container here, is a skip that quotes why.\n\n"
      "Runtimes and profiles:\n" +
      names +
      "\n"
      "Safety: a daemon the run needs (dockerd) is one of its own — its own socket, data,\n"
      "bridge, no firewall rules and no IP forwarding — started and stopped by the run.\n"
      "Everything the run makes is named nsm-rt-<pid>-p<pidns> (containers, images,\n"
      "networks, /var/lib/nsm-rt-..., cgroups) or is a bridge nsm-<pid>-<tag> marked for\n"
      "`nsmatrix clean`, and is removed when the run ends, Ctrl-C included; after a\n"
      "SIGKILL, `nsmatrix clean` removes it. Containers of anyone else are never touched.\n"
      "Needs root. Runtime packages: scripts/install-deps.sh --runtimes.\n"
      "SIGINT, SIGTERM or SIGHUP stops the run: it cleans up, writes runtimes.json, then\n"
      "ends by that signal.\n"
      "Exit 0 when every container ran or was skipped with its reason; 1 when one broke\n"
      "(the view did not come, inside and outside disagree, or a gap had no verdict) or the\n"
      "host was left changed (something not removed, net.ipv4.ip_forward turned on: set\n"
      "back, and said); 2 bad input; 3 the rootfs could not be built.\n\n"
      "Examples:\n"
      "  nsmatrix runtimes --out results/rt                      every runtime, every profile\n"
      "  nsmatrix runtimes --runtime docker,bwrap --profile default\n"
      "  nsmatrix report results/rt                  summary.md: the table, who closes which gap");
  sub->add_option("--runtime", options->runtimes, "Only these runtimes (comma-separated)")
      ->delimiter(',')
      ->option_text("NAME[,NAME..]");
  sub->add_option("--profile", options->profiles, fmt::format("Only these profiles ({})", all_profiles))
      ->delimiter(',')
      ->option_text("NAME[,NAME..]");
  sub->add_option("-o,--out", options->out_dir, "Where runtimes.json and logs/ go (default: results/<date>-<time>)")
      ->option_text("DIR");
  sub->callback([options, &selected] { selected = [options] { return run_runtimes_command(*options); }; });
}

}  // namespace nsm::cli
