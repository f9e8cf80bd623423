// nsmatrix probe [--json] [--config FILE] [-o FILE]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/terminal.h"
#include "core/results.h"
#include "probes/probe_report.h"
#include "probes/probe_table.h"

namespace nsm::cli {

namespace {
struct ProbeArgs {
  bool json = false;
  std::string config;
  std::string output;
};

int run_probe_command(const ProbeArgs& args) {
  ProbeOptions options;
  if (!args.config.empty()) options.config_only = args.config;
  if (const char* path = std::getenv("KCONFIG_PATH"); path && *path) options.kconfig_path = path;

  const ProbeReport report = run_probe(options);  // nsm::InputError (bad config) -> exit 2 in main
  if (!args.output.empty()) {
    write_json_file(args.output, report.to_json());
    if (!args.json) fmt::print(stderr, "nsmatrix probe: wrote {}\n", args.output);
  }
  if (args.json && args.output.empty()) {
    fmt::print("{}\n", report.to_json().dump(2));
  } else if (!args.json) {
    fmt::print("{}", render_probe_table(report, use_colour(stdout)));
  }
  return kExitOk;
}
}  // namespace

void add_probe_command(CLI::App& app, Action& selected) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* sub = app.add_subcommand("probe", "Which namespace types and features this kernel supports, and why");
  sub->description(
      "Which of the eight namespace types (cgroup ipc net mnt pid time user uts) and which\n"
      "features the running kernel supports, and why: Kconfig, /proc/self/ns, the kernel\n"
      "version, and real attempts in throwaway children, as the caller and rootless.\n"
      "Verdicts: supported, unsupported (not in this kernel), restricted (policy forbids),\n"
      "faulty (kernel fault: the call succeeded, yet the namespace identities show it did nothing).\n"
      "Exit 0 whenever probing worked, whatever is unsupported.\n\n"
      "Examples:\n"
      "  nsmatrix probe                          the table for the running kernel\n"
      "  nsmatrix probe --json -o probe.json     probe.json of the results format\n"
      "  nsmatrix probe --config /boot/config-6.1.0-28-amd64\n"
      "                                          judge a kernel that is not running\n"
      "Environment: KCONFIG_PATH names the running kernel's config (else /proc/config.gz,\n"
      "/lib/modules/R/build/.config, /lib/modules/R/config, /boot/config-R); NO_COLOR.");
  sub->add_flag("--json", args->json, "Print probe.json instead of the table (with -o: write only the file)");
  sub->add_option("--config", args->config,
                  "Judge this kernel config (plain or gzip) from Kconfig and its version alone, running nothing")
      ->option_text("FILE");
  sub->add_option("-o,--output", args->output, "Also write probe.json to FILE")->option_text("FILE");
  sub->callback([args, &selected] { selected = [args] { return run_probe_command(*args); }; });
}

}  // namespace nsm::cli
