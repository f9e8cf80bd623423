// nsmatrix bench: runs the benchmark suite (nsmatrix-bench, next to this executable) and
// writes bench.json (docs/results-format.md): Google Benchmark's JSON under "gbench" and
// one check per benchmarked operation, with its metrics.
#include <sched.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "benchmarks/driver/run_suite.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/results.h"

namespace nsm::cli {

namespace {

int run_bench(const bench::SuiteRunOptions& args) {
  bench::SuiteRunResult result;
  try {
    bench::SuiteRunOptions options = args;
    options.binary = bench::bench_binary_next_to_self();
    result = bench::run_bench_suite(options);
  } catch (const bench::BadBenchArguments&) {
    return kExitBadInput;  // the suite said why
  } catch (const SysError& e) {
    fmt::print(stderr, "nsmatrix: cannot write -o {}: {}\n", args.output, e.what());
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    fmt::print(stderr, "nsmatrix: {}\n", e.what());
    return kExitBroken;
  }
  fmt::print("bench: {} pass, {} skip, {} broken -> {}\n", result.pass, result.skip, result.broken, args.output);
  for (const auto& check : result.document["checks"])
    if (check["outcome"] == "broken")
      fmt::print(stderr, "nsmatrix: {} broken: {}\n", check["id"].get<std::string>(),
                 check["reason"].get<std::string>());
  // A broken benchmark is a result, as a broken check is for `nsmatrix test`: exit 1.
  return result.broken > 0 ? kExitFailures : kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, Action& selected) {
  auto args = std::make_shared<bench::SuiteRunOptions>();
  args->output = std::string(result_files::kBench);
  CLI::App* cmd =
      app.add_subcommand("bench",
                         "Measure what isolation costs: namespace creation, setns, teardown, network setup and "
                         "the data path (runs nsmatrix-bench); writes bench.json");
  cmd->add_flag(
      "--quick", args->quick,
      "For CI and emulated guests: one repetition, a short minimum time, fewer sizes (default: 5 repetitions)");
  cmd->add_option("-o,--output", args->output, "Where to write bench.json")->capture_default_str();
  cmd->add_option("--filter", args->filter,
                  "Only the benchmarks whose names match this regular expression (e.g. 'create/|setns/')");
  cmd->add_option("--pin", args->pin, "Run the whole suite on this CPU only")->check(CLI::Range(0, CPU_SETSIZE - 1));
  cmd->callback([args, &selected] { selected = [args] { return run_bench(*args); }; });
}

}  // namespace nsm::cli
