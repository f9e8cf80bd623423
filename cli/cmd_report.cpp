// nsmatrix report RESULTS [-o DIR]: turns a results directory (one kernel or a matrix) into
// report.html, summary.md, junit.xml and kcidb.json. Prints the paths it wrote, the HTML
// last. Unusable files are named on stderr and their kernels shown as infra-error; the
// report is still written (exit 0). A missing or unreadable directory is bad input (exit 2).
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "reports/report.h"

namespace nsm::cli {

namespace {

struct ReportOptions {
  std::string results;
  std::string out;
};

int run_report(const ReportOptions& opts) {
  // A missing or unreadable directory throws ResultsError: main() makes it exit 2.
  for (const auto& path : reports::report_directory(opts.results, opts.out.empty() ? opts.results : opts.out, stderr))
    fmt::print("{}\n", path);
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, Action& selected) {
  auto opts = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand("report",
                                 "Write report.html, summary.md, junit.xml and kcidb.json from a results directory "
                                 "(a run of one kernel or a matrix, or one kernel's directory).");
  cmd->add_option("RESULTS", opts->results, "the results directory (results/<run-id>, or one kernel's directory in it)")
      ->required();
  cmd->add_option("-o,--out", opts->out, "where to write the reports (default: RESULTS itself)");
  cmd->footer(
      "Exit codes: 0 the report was written (even when it shows failures, or kernels shown as\n"
      "infra-error because a file was unusable: those files are named on stderr); 2 the results\n"
      "directory is missing or unreadable; 3 the reports could not be written.");
  cmd->callback([opts, &selected] { selected = [opts] { return run_report(*opts); }; });
}

}  // namespace nsm::cli
