#include "benchmarks/driver/run_suite.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "benchmarks/bench_json.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"

namespace nsm::bench {

namespace {

// A scratch directory next to the output, removed with everything in it on scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& output) {
    auto parent = std::filesystem::path(output).parent_path();
    if (parent.empty()) parent = ".";
    make_directories(parent.string());
    std::string pattern = (parent / ".nsmatrix-bench.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw_sys(fmt::format("mkdtemp({})", pattern));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

nlohmann::json read_google_benchmark_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ToolError(fmt::format("nsmatrix-bench wrote no results ({} is missing)", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ToolError(fmt::format("nsmatrix-bench's results are not JSON: {}", e.what()));
  }
}

}  // namespace

std::string bench_binary_next_to_self() {
  const std::string path = own_bin_dir() + "/nsmatrix-bench";
  if (::access(path.c_str(), X_OK) != 0)
    throw ToolError(fmt::format("the benchmark suite is missing: {} ({}); build the nsmatrix-bench target", path,
                                errno_name(errno)));
  return path;
}

SuiteRunResult run_bench_suite(const SuiteRunOptions& options) {
  const ScratchDir scratch(options.output);
  std::vector<std::string> argv{options.binary, "--benchmark_out=" + scratch.file("gbench.json"),
                                "--benchmark_out_format=json", "--catalogue-out=" + scratch.file("catalogue.json")};
  if (options.quick) argv.push_back("--quick");
  if (options.pin >= 0) argv.push_back(fmt::format("--pin={}", options.pin));
  if (!options.filter.empty()) argv.push_back("--benchmark_filter=" + options.filter);

  ProgramOptions program;
  program.output = Output::Inherit;
  program.timeout = options.timeout;
  program.forward_interrupts = true;
  const ChildStatus status = run_program(argv, program).status;
  if (status.end == ChildStatus::End::Exited && status.exit_code == 2 && !status.error)
    throw BadBenchArguments("nsmatrix-bench refused its arguments");
  if (status.end == ChildStatus::End::TimedOut)
    throw TimeoutError(fmt::format("the benchmark suite {}; no {} written", status.describe(), options.output));
  if (!status.ok())
    throw ToolError(fmt::format("the benchmark suite {}; no {} written", status.describe(), options.output));

  SuiteRunResult result;
  try {
    result.document =
        make_bench_json(read_json_file(scratch.file("catalogue.json"), "bench-catalogue"),
                        read_google_benchmark_json(scratch.file("gbench.json")), options.quick ? "quick" : "full");
  } catch (const Error& e) {
    throw ToolError(fmt::format("{}; no {} written", e.what(), options.output));
  }
  write_json_file(options.output, result.document);
  for (const auto& check : result.document["checks"]) {
    const std::string outcome = check["outcome"].get<std::string>();
    result.pass += outcome == "pass";
    result.skip += outcome == "skip";
    result.broken += outcome == "broken";
  }
  return result;
}

}  // namespace nsm::bench
