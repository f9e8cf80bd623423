// nsmatrix test [-o FILE] [--filter PATTERN] [--verbose] [--timeout SECONDS]
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "conformance/driver/conformance_json.h"
#include "conformance/driver/run_suite.h"
#include "core/checks.h"
#include "core/results.h"

namespace nsm::cli {

namespace {

struct TestArgs {
  std::string output = std::string(result_files::kConformance);
  std::string filter;
  bool verbose = false;
  int timeout_seconds = 900;
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void print_summary(const nlohmann::json& doc, const std::string& output, double seconds) {
  const auto counts = conformance::count_outcomes(doc);
  int total = 0;
  for (const auto& [o, n] : counts) total += n;
  fmt::print(
      "nsmatrix test: {} checks: {} pass, {} fail, {} skip, {} broken, {} gap confirmed, {} gap closed ({:.1f} s) -> "
      "{}\n",
      total, counts.at(Outcome::Pass), counts.at(Outcome::Fail), counts.at(Outcome::Skip), counts.at(Outcome::Broken),
      counts.at(Outcome::GapConfirmed), counts.at(Outcome::GapClosed), seconds, output);
  for (const char* shown : {"fail", "broken", "gap-closed", "skip"}) {
    for (const auto& c : doc["checks"]) {
      if (c["outcome"] != shown) continue;
      const std::string why = c["reason"].get<std::string>().empty() ? first_line(c["message"].get<std::string>())
                                                                     : c["reason"].get<std::string>();
      fmt::print("  {:<10} {:<44} {}\n", outcome_words(*outcome_from_name(shown)), c["id"].get<std::string>(), why);
    }
  }
}

int run_test_command(const TestArgs& args) {
  conformance::SuiteOptions options;
  options.binary = conformance::suite_binary_next_to_self();
  if (!args.filter.empty()) options.filter = args.filter;
  options.verbose = args.verbose;
  options.timeout = std::chrono::seconds(args.timeout_seconds);
  options.scratch_path = args.output + ".gtest.tmp";

  const auto started = std::chrono::steady_clock::now();
  const conformance::SuiteResult result = conformance::run_conformance(options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_json_file(args.output, result.document);
  print_summary(result.document, args.output, seconds);

  if (result.document["gtest"].is_null()) {
    fmt::print(stderr, "nsmatrix test: the conformance suite {}; every check is marked broken\n",
               result.status.describe());
    return kExitBroken;
  }
  const auto counts = conformance::count_outcomes(result.document);
  return counts.at(Outcome::Fail) + counts.at(Outcome::Broken) > 0 ? kExitFailures : kExitOk;
}

}  // namespace

void add_test_command(CLI::App& app, Action& selected) {
  auto args = std::make_shared<TestArgs>();
  CLI::App* sub = app.add_subcommand("test", "Run the conformance suite: every isolation guarantee and known gap");
  sub->description(
      "Runs nsmatrix-conformance (found next to this executable): each guarantee of the\n"
      "eight namespace types and each known gap, on the running kernel, and writes\n"
      "conformance.json (docs/results-format.md). Outcomes: pass, fail, skip (with the\n"
      "reason), broken (the check's own setup failed), gap confirmed, gap closed.\n"
      "--filter takes check ids as the report shows them, and globs of them ('*' any run,\n"
      "'?' one character), or GoogleTest names; ':' separates patterns, and the patterns\n"
      "after a '-' (at the start or after ':') are left out.\n"
      "Exit 0 when nothing failed or broke; 1 when a check failed or broke; 2 when the\n"
      "filter selects no check; 3 when the suite itself could not run to the end (then\n"
      "every check is marked broken).\n\n"
      "Examples:\n"
      "  nsmatrix test                              all checks -> ./conformance.json\n"
      "  nsmatrix test -o results/host/conformance.json\n"
      "  nsmatrix test --filter 'uts.*'             the UTS checks, by id\n"
      "  nsmatrix test --filter '*.gap.*:-net.*'    every known gap but the network's\n"
      "  nsmatrix test --filter 'NetNamespace.*:*Gap.*'   GoogleTest names work too");
  sub->add_option("-o,--output", args->output, "Where to write conformance.json")->option_text("FILE");
  sub->add_option("--filter", args->filter,
                  "Only these checks: ids or globs of them (uts.*, *.gap.*), or GoogleTest names")
      ->option_text("PATTERN");
  sub->add_flag("--verbose", args->verbose, "Show every check's progress, not only failures and gaps");
  sub->add_option("--timeout", args->timeout_seconds, "Kill the suite after this long (every check then broken)")
      ->option_text("SECONDS")
      ->check(CLI::PositiveNumber);
  sub->callback([args, &selected] { selected = [args] { return run_test_command(*args); }; });
}

}  // namespace nsm::cli
