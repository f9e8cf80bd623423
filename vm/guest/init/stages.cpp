#include "vm/guest/init/stages.h"

#include <sys/stat.h>

#include <chrono>

#include <fmt/format.h>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"

namespace nsm::vm::init {

namespace {

// The end of a stage's log as one line for the status reason: ": <lines joined>", at most
// 300 chars (the last ones: a failing command says why last).
std::string summarize(const std::string& text) {
  std::string line;
  for (char c : trim(text)) line += (c == '\n') ? ' ' : c;
  if (line.size() > 300) line = "..." + line.substr(line.size() - 297);
  return line.empty() ? "" : ": " + line;
}

}  // namespace

StageSpec stage_spec(const std::string& name, const std::string& nsmatrix, const std::string& results_dir, bool bench_quick) {
  const std::string file(result_files::of_stage(name));
  const std::string path = results_dir + "/" + file;
  if (name == "probe") return {name, file, {nsmatrix, "probe", "--json", "-o", path}};
  if (name == "conformance") return {name, file, {nsmatrix, "test", "-o", path}};
  if (name == "bench") {
    StageSpec spec{name, file, {nsmatrix, "bench"}};
    if (bench_quick) spec.argv.push_back("--quick");
    spec.argv.insert(spec.argv.end(), {"-o", path});
    return spec;
  }
  throw InputError(fmt::format("unknown stage \"{}\"", name));
}

nlohmann::json run_stage(const StageSpec& stage, const std::string& results_dir, int timeout_seconds) {
  const std::string log = fmt::format("{}/{}.log", results_dir, stage.name);
  const std::string output = fmt::format("{}/{}", results_dir, stage.results_file);
  ProgramOptions options;
  options.timeout = std::chrono::seconds(timeout_seconds);
  options.output = Output::File;  // one log, stdout and stderr in the order they came
  options.output_path = log;
  options.environment = {{"HOME", "/tmp"}, {"PATH", "/usr/lib/nsmatrix:/usr/bin"}};
  const auto started = std::chrono::steady_clock::now();
  const ProgramResult r = run_program(stage.argv, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  struct stat st {};
  const bool results = ::stat(output.c_str(), &st) == 0 && st.st_size > 0;
  const bool exited = r.status.end == ChildStatus::End::Exited && !r.status.error;
  // Exit 0 (done) and 1 (failures found) are verdicts; 2 (bad input) and 3 (broken) are not.
  std::string error;
  if (!exited) {
    error = fmt::format("`{}` {}", describe_command(stage.argv), r.status.describe());
  } else if (!results) {
    error = fmt::format("`{}` exited with status {} and wrote no {}{}", describe_command(stage.argv), r.status.exit_code,
                        stage.results_file, summarize(read_file(log).value_or("")));
  } else if (r.status.exit_code > 1) {
    error = fmt::format("`{}` exited with status {}", describe_command(stage.argv), r.status.exit_code);
  }
  return {{"name", stage.name},
          {"command", describe_command(stage.argv)},
          {"exit_code", exited ? nlohmann::json(r.status.exit_code) : nlohmann::json()},
          {"end", r.status.describe()},
          {"seconds", seconds},
          {"results", results},
          {"error", error.empty() ? nlohmann::json() : nlohmann::json(error)}};
}

}  // namespace nsm::vm::init
