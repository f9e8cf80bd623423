// nsmatrix run --out DIR [--id ID] [--bench quick|full|none] [--no-report] [--filter PATTERN]
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/host_run.h"
#include "core/results.h"

namespace nsm::cli {

std::string default_out_dir() {
  std::string stamp = utc_timestamp();  // 2026-11-29T09:11:34Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':' && c != 'Z') compact += c == 'T' ? '-' : c;
  return "results/" + compact;
}

namespace {

int run_run_command(HostRunOptions options) {
  if (options.out_dir.empty()) options.out_dir = default_out_dir();
  const HostRunResult result = run_on_host(options, stdout);
  fmt::print("\nresults in {}/\n", options.out_dir);
  for (const auto& path : result.report_paths) fmt::print("  {}\n", path);
  if (!result.report_paths.empty()) fmt::print("report: {}\n", result.report_paths.back());
  return result.exit_code;
}

}  // namespace

void add_run_command(CLI::App& app, Runner& selected) {
  auto options = std::make_shared<HostRunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Probe, conformance and benchmarks on the running kernel, then the report");
  sub->description(
      "The main job: on the running kernel, runs the probe, the conformance suite and the\n"
      "benchmarks (quick by default), writes them into DIR/ID/ in the results layout\n"
      "(docs/results-format.md) with kernel.json and status.json, then writes the report\n"
      "(report.html, summary.md, junit.xml, kcidb.json) into DIR and prints its path.\n"
      "Exit 0 when every check passed, skipped or showed its gap; 1 when a check failed or\n"
      "broke; 3 when a stage could not run at all.\n\n"
      "Examples:\n"
      "  nsmatrix run --out results/host            then open results/host/report.html\n"
      "  nsmatrix run --out results/host --bench full\n"
      "  nsmatrix run --out results/quick --bench none --filter 'NetNamespace.*'");
  sub->add_option("-o,--out", options->out_dir, "The results directory (default: results/<date>-<time>)")->option_text("DIR");
  sub->add_option("--id", options->id, "The kernel directory's name inside DIR")->capture_default_str();
  sub->add_option("--bench", options->bench, "Benchmarks: quick (CI, seconds), full (repetitions, minutes) or none")
      ->check(CLI::IsMember({"quick", "full", "none"}))
      ->capture_default_str();
  sub->add_flag("!--no-report", options->report, "Do not write the report");
  sub->add_option("--filter", options->test_filter, "Only the conformance checks matching this GoogleTest filter")
      ->option_text("PATTERN");
  sub->callback([options, &selected] { selected = [options] { return run_run_command(*options); }; });
}

}  // namespace nsm::cli
