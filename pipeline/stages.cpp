#include "pipeline/stages.h"

#include <sys/stat.h>

#include <cstring>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"

namespace nsm::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

// The end of a stage's log as one line for its error: ": <lines joined>", at most 300
// characters, the last ones (a failing command says why last).
std::string log_tail(const std::string& path) {
  std::string line;
  for (char c : trim(read_file(path).value_or(""))) line += (c == '\n') ? ' ' : c;
  if (line.size() > 300) line = "..." + line.substr(line.size() - 297);
  return line.empty() ? "" : ": " + line;
}

StageRecord not_started(const Stage& stage, std::string why) {
  StageRecord record;
  record.name = stage.name;
  record.command = describe_command(stage.argv);
  record.end = "not started";
  record.error = "not started: " + std::move(why);
  return record;
}

StageRecord run_stage(const Stage& stage, const PipelineOptions& options, int& interrupted) {
  const std::string output = options.results_dir + "/" + stage.results_file;
  const std::string log = fmt::format("{}/{}.log", options.results_dir, stage.name);
  // A previous run's file must not pass for this stage's.
  ::unlink(output.c_str());

  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options.stage_timeout);
  if (options.deadline)
    timeout =
        std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(*options.deadline - Clock::now()));
  if (timeout <= std::chrono::milliseconds(0)) return not_started(stage, "the deadline had passed");

  ProgramOptions program;
  program.timeout = timeout;
  program.environment = options.environment;
  program.forward_interrupts = options.forward_interrupts;
  if (options.log_to_files) {
    program.output = Output::File;
    program.output_path = log;
  } else {
    program.output = Output::Inherit;
  }
  const ProgramResult r = run_program(stage.argv, program);
  interrupted = r.interrupted;

  StageRecord record;
  record.name = stage.name;
  record.command = describe_command(stage.argv);

  struct stat st {};
  record.results = ::stat(output.c_str(), &st) == 0 && st.st_size > 0;
  record.end = r.status.describe();
  record.seconds = std::chrono::duration<double>(r.status.elapsed).count();
  const bool exited = r.status.end == ChildStatus::End::Exited && !r.status.error;
  if (exited) record.exit_code = r.status.exit_code;
  // Exit 0 (done) and 1 (a check failed or broke) are verdicts; 2 (bad input) and 3
  // (broken) are not.
  if (!exited) {
    record.error = fmt::format("`{}` {}", record.command, record.end);
  } else if (!record.results) {
    record.error = fmt::format("`{}` exited with status {} and wrote no {}{}", record.command, r.status.exit_code,
                               stage.results_file, options.log_to_files ? log_tail(log) : "");
  } else if (r.status.exit_code > 1) {
    record.error = fmt::format("`{}` exited with status {}", record.command, r.status.exit_code);
  }
  return record;
}

}  // namespace

bool known_stage(std::string_view name) { return name == "probe" || name == "conformance" || name == "bench"; }

Stage stage_command(const std::string& name, const std::string& nsmatrix, const std::string& results_dir,
                    const StageArgs& args) {
  if (!known_stage(name)) throw InputError(fmt::format("unknown stage \"{}\" (probe, conformance, bench)", name));
  const std::string file(result_files::of_stage(name));
  const std::string path = results_dir + "/" + file;
  Stage stage{name, file, {}};
  if (name == "probe") {
    stage.argv = {nsmatrix, "probe", "-o", path};
  } else if (name == "conformance") {
    stage.argv = args.conformance_wrapper;
    stage.argv.insert(stage.argv.end(), {nsmatrix, "test", "-o", path});
    if (args.test_filter) stage.argv.insert(stage.argv.end(), {"--filter", *args.test_filter});
  } else {
    stage.argv = {nsmatrix, "bench", "-o", path};
    if (args.bench_quick) stage.argv.push_back("--quick");
  }
  return stage;
}

nlohmann::json StageRecord::to_json() const {
  return {{"name", name},
          {"command", command},
          {"exit_code", exit_code ? nlohmann::json(*exit_code) : nlohmann::json()},
          {"end", end},
          {"seconds", seconds},
          {"results", results},
          {"error", error ? nlohmann::json(*error) : nlohmann::json()}};
}

bool PipelineResult::complete() const {
  return std::none_of(stages.begin(), stages.end(), [](const StageRecord& s) { return s.error.has_value(); });
}

bool PipelineResult::failures() const {
  return std::any_of(stages.begin(), stages.end(), [](const StageRecord& s) { return s.failures(); });
}

std::string PipelineResult::reason() const {
  std::string text;
  for (const auto& s : stages)
    if (s.error) text += fmt::format("{}stage {}: {}", text.empty() ? "" : "; ", s.name, *s.error);
  return text;
}

nlohmann::json PipelineResult::stages_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : stages) list.push_back(s.to_json());
  return list;
}

PipelineResult run_pipeline(const PipelineOptions& options) {
  PipelineResult result;
  const size_t count = options.stages.size();
  for (size_t i = 0; i < count; ++i) {
    const Stage stage = stage_command(options.stages[i], options.nsmatrix, options.results_dir, options.args);
    if (result.interrupted) {
      result.stages.push_back(
          not_started(stage, fmt::format("interrupted by SIG{}", ::sigabbrev_np(result.interrupted))));
    } else {
      const bool due = !options.deadline || Clock::now() < *options.deadline;
      if (due && options.on_start) options.on_start(stage, i + 1, count);
      result.stages.push_back(run_stage(stage, options, result.interrupted));
    }
    if (options.on_end) options.on_end(result.stages.back(), i + 1, count);
  }
  return result;
}

}  // namespace nsm::pipeline
