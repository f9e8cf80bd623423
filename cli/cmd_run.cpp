// nsmatrix run --out DIR [--id ID] [--stages LIST] [--bench quick|full|none] [--stage-timeout SECONDS]
//              [--no-report] [--filter PATTERN] [--runtimes]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/host_run.h"
#include "conformance/driver/check_filter.h"
#include "conformance/driver/run_suite.h"
#include "core/error.h"
#include "core/results.h"
#include "pipeline/stages.h"

namespace nsm::cli {

std::string default_out_dir() {
  std::string stamp = utc_timestamp();  // 2026-11-29T09:11:34Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':' && c != 'Z') compact += c == 'T' ? '-' : c;
  return "results/" + compact;
}

namespace {

struct RunFlags {
  HostRunOptions options;
  std::string stages = "probe,conformance,bench";
  std::string bench = "quick";
  int stage_timeout = 1800;
};

int run_run_command(const RunFlags& flags) {
  HostRunOptions options = flags.options;
  if (options.runtimes && ::geteuid() != 0)
    throw InputError("--runtimes starts daemons and containers as root: run it as root");
  if (options.out_dir.empty()) options.out_dir = default_out_dir();
  options.stages.clear();
  std::istringstream list(flags.stages);
  for (std::string stage; std::getline(list, stage, ',');) {
    if (!pipeline::known_stage(stage))
      throw InputError(fmt::format("--stages: unknown stage \"{}\" (probe, conformance, bench)", stage));
    if (stage != "bench" || flags.bench != "none") options.stages.push_back(stage);
  }
  if (options.stages.empty()) throw InputError("--stages: no stage to run");
  // A filter that selects no check is bad input (exit 2) before any stage runs, not a
  // conformance stage that refused it.
  if (options.test_filter &&
      std::find(options.stages.begin(), options.stages.end(), "conformance") != options.stages.end())
    conformance::gtest_filter_for(*options.test_filter,
                                  conformance::list_checks(conformance::suite_binary_next_to_self()));
  options.bench_quick = flags.bench == "quick";
  options.stage_timeout = std::chrono::seconds(flags.stage_timeout);
  const HostRunResult result = run_on_host(options, stdout);
  if (result.interrupted) {
    // Ended as a Ctrl-C ends a command, once status.json says what ran.
    std::fflush(nullptr);
    ::signal(result.interrupted, SIG_DFL);
    ::raise(result.interrupted);
  }
  fmt::print("\nresults in {}/\n", options.out_dir);
  for (const auto& path : result.report_paths) fmt::print("  {}\n", path);
  if (!result.report_paths.empty()) fmt::print("report: {}\n", result.report_paths.back());
  return result.exit_code;
}

}  // namespace

void add_run_command(CLI::App& app, Action& selected) {
  auto flags = std::make_shared<RunFlags>();
  HostRunOptions* options = &flags->options;
  CLI::App* sub = app.add_subcommand("run", "Probe, conformance and benchmarks on the running kernel, then the report");
  sub->description(
      "The main job: on the running kernel, runs the stages the guest of `nsmatrix vm` runs:\n"
      "the probe, the conformance suite and the benchmarks (quick by default), each as\n"
      "`nsmatrix probe|test|bench`, writes them into DIR/ID/ in the results layout\n"
      "(docs/results-format.md) with kernel.json and status.json, then writes the report\n"
      "(report.html, summary.md, junit.xml, kcidb.json) into DIR and prints its path.\n"
      "A stage still running after --stage-timeout is killed and recorded as broken, and\n"
      "the run goes on. Ctrl-C reaches the running stage, starts no other, and ends the run\n"
      "once status.json is written.\n"
      "With --runtimes (as root), then `nsmatrix runtimes` into DIR/runtimes.json: every\n"
      "container runtime installed here runs the inside view, and the report gets the\n"
      "runtime axis (runtimes/README.md).\n"
      "Exit 0 when every check passed, skipped or showed its gap; 1 when a check failed or\n"
      "broke (or a runtime's container broke); 3 when a stage gave no usable results\n"
      "(killed, refused, or could not run).\n\n"
      "Examples:\n"
      "  nsmatrix run --out results/host            then open results/host/report.html\n"
      "  nsmatrix run --out results/host --bench full\n"
      "  nsmatrix run --out results/probe --stages probe\n"
      "  nsmatrix run --out results/quick --bench none --filter 'net.*'\n"
      "  nsmatrix run --out results/host --runtimes  (and docker, podman, ... as a second axis)");
  sub->add_option("-o,--out", options->out_dir, "The results directory (default: results/<date>-<time>)")
      ->option_text("DIR");
  sub->add_option("--id", options->id, "The kernel directory's name inside DIR")->capture_default_str();
  sub->add_option("--stages", flags->stages, "What runs, in order: probe,conformance,bench or some of them")
      ->option_text("LIST")
      ->capture_default_str();
  sub->add_option("--bench", flags->bench, "Benchmarks: quick (CI, seconds), full (repetitions, minutes) or none")
      ->check(CLI::IsMember({"quick", "full", "none"}))
      ->capture_default_str();
  sub->add_option("--stage-timeout", flags->stage_timeout,
                  "Kill a stage still running after this long (it is then broken)")
      ->option_text("SECONDS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_flag("!--no-report", options->report, "Do not write the report");
  sub->add_flag("--runtimes", options->runtimes,
                "Also run every installed container runtime (nsmatrix runtimes) into DIR");
  sub->add_option(
         "--filter", options->test_filter,
         "Only these conformance checks: ids or globs of them (net.*, *.gap.*), or GoogleTest names (as nsmatrix test)")
      ->option_text("PATTERN");
  sub->callback([flags, &selected] { selected = [flags] { return run_run_command(*flags); }; });
}

}  // namespace nsm::cli
