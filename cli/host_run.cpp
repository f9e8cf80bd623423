#include "cli/host_run.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/kernel_version.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/run_documents.h"
#include "pipeline/stages.h"
#include "reports/report.h"
#include "runtimes/driver.h"

namespace nsm::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

KernelDocument running_kernel(const std::string& id) {
  struct utsname u {};
  if (::uname(&u) != 0) throw_sys("uname");
  KernelDocument k;
  k.id = id;
  k.release = u.release;
  if (const auto version = KernelVersion::parse(u.release)) k.version = version->numbers();
  k.source = {{"type", "running"}};
  k.accel = "native";
  return k;
}

// Where the probe found the kernel's config, from the probe.json it wrote (none without one).
std::optional<std::string> config_source(const std::string& probe_json) {
  if (!std::filesystem::exists(probe_json)) return std::nullopt;
  try {
    const nlohmann::json doc = read_json_file(probe_json, "probe");
    if (doc.contains("config") && doc["config"].is_object() && doc["config"].contains("source") &&
        doc["config"]["source"].is_string())
      return doc["config"]["source"].get<std::string>();
  } catch (const std::exception&) {
    // a probe.json the report will show as unusable: kernel.json just does not name the source
  }
  return std::nullopt;
}

// This nsmatrix, whose subcommands are the stages.
std::string own_executable() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw SysError("readlink(/proc/self/exe)", ec.value());
  return exe.string();
}

// A previous run's files in this kernel directory must not mix with this run's.
void clear_kernel_dir(const std::string& dir) {
  for (auto name : {result_files::kKernel, result_files::kProbe, result_files::kConformance, result_files::kBench,
                    result_files::kStatus}) {
    std::error_code ec;
    std::filesystem::remove(dir + "/" + std::string(name), ec);
  }
}

// Every container runtime installed here, into the run's directory (runtimes.json, logs/): a
// run-level stage after the kernel's, whose failure is the runtimes' (status.json says nothing
// of it). Returns the exit code it contributes; `interrupted` the signal that stopped it.
int runtimes_stage(const std::string& out_dir, std::FILE* out, int& interrupted) {
  fmt::print(out, "[runtimes] ...\n");
  std::fflush(out);
  const auto started = Clock::now();
  runtimes::DriverOptions options;
  options.out_dir = out_dir;
  options.bin_dir = own_bin_dir();
  try {
    const auto result = runtimes::run_runtimes(options, out);
    fmt::print(
        out, "[runtimes] {} ran, {} skipped, {} broken{} ({:.1f} s)\n", result.ran, result.skipped, result.broken,
        result.host_problems ? fmt::format(", {} host problem(s): see runtimes.json's teardown", result.host_problems)
                             : "",
        seconds_since(started));
    interrupted = result.interrupted;
    return result.broken > 0 || result.host_problems > 0 ? kExitFailures : kExitOk;
  } catch (const ToolError& e) {
    fmt::print(out, "[runtimes] could not run: {} ({:.1f} s)\n", e.what(), seconds_since(started));
    return kExitBroken;
  }
}

}  // namespace

HostRunResult run_on_host(const HostRunOptions& options, std::FILE* out) {
  const std::string dir = options.out_dir + "/" + options.id;
  make_directories(dir);
  clear_kernel_dir(dir);
  const std::string started_at = utc_timestamp();
  const auto started = Clock::now();
  write_json_file(options.out_dir + "/" + std::string(result_files::kRun),
                  run_document(options.out_dir, started_at, nullptr, {options.id}));

  pipeline::PipelineOptions stages;
  stages.stages = options.stages;
  stages.nsmatrix = own_executable();
  stages.results_dir = dir;
  stages.args.bench_quick = options.bench_quick;
  stages.args.test_filter = options.test_filter;
  stages.stage_timeout = options.stage_timeout;
  stages.forward_interrupts = true;
  stages.on_start = [out](const pipeline::Stage& stage, size_t number, size_t count) {
    fmt::print(out, "[{}/{}] {} ...\n", number, count, stage.name);
    std::fflush(out);
  };
  stages.on_end = [out](const pipeline::StageRecord& record, size_t number, size_t count) {
    fmt::print(out, "[{}/{}] {}: {} ({:.1f} s)\n", number, count, record.name,
               record.error ? *record.error : fmt::format("{} written", result_files::of_stage(record.name)),
               record.seconds);
    std::fflush(out);
  };
  const pipeline::PipelineResult result = pipeline::run_pipeline(stages);

  KernelDocument kernel = running_kernel(options.id);
  kernel.config_source = config_source(dir + "/" + std::string(result_files::kProbe));
  write_kernel_document(dir, kernel);
  StatusDocument status;
  status.status = result.complete() ? "ok" : "infra-error";
  status.reason = result.reason();
  for (const auto& stage : result.stages)
    if (stage.end != "not started") status.durations[stage.name + "_seconds"] = stage.seconds;
  status.durations["total_seconds"] = seconds_since(started);
  status.stages = result.stages_json();
  write_status_document(dir, status);
  write_json_file(options.out_dir + "/" + std::string(result_files::kRun),
                  run_document(options.out_dir, started_at, utc_timestamp(), {options.id}));

  HostRunResult run;
  run.interrupted = result.interrupted;
  run.exit_code = !result.complete() ? kExitBroken : result.failures() ? kExitFailures : kExitOk;
  if (options.runtimes && !result.interrupted)
    run.exit_code = std::max(run.exit_code, runtimes_stage(options.out_dir, out, run.interrupted));
  if (options.report && !run.interrupted)
    run.report_paths = reports::report_directory(options.out_dir, options.out_dir, stderr);
  return run;
}

}  // namespace nsm::cli
