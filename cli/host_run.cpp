#include "cli/host_run.h"

#include <sys/utsname.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "benchmarks/runner/bench_runner.h"
#include "cli/command.h"
#include "cli/terminal.h"
#include "conformance/runner/conformance_json.h"
#include "conformance/runner/suite_runner.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/results.h"
#include "probes/probe_report.h"
#include "probes/probe_table.h"
#include "reports/report.h"

namespace nsm::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What one stage left behind: whether it ran to the end, and a one-line summary.
struct StageEnd {
  bool ran = true;          // false: the stage itself could not run (infra-error)
  bool failures = false;    // a check failed or broke
  std::string summary;
};

// Runs one stage, timing it and turning an exception into a stage that did not run.
StageEnd timed_stage(const std::string& name, int number, int count, nlohmann::json& durations, std::FILE* out,
                     const std::function<StageEnd()>& body) {
  fmt::print(out, "[{}/{}] {} ...\n", number, count, name);
  std::fflush(out);
  const auto started = Clock::now();
  StageEnd end;
  try {
    end = body();
  } catch (const std::exception& e) {
    end.ran = false;
    end.summary = e.what();
  }
  const double secs = seconds_since(started);
  durations[name + "_seconds"] = secs;
  fmt::print(out, "[{}/{}] {}: {} ({:.1f} s)\n", number, count, name, end.ran ? end.summary : "could not run: " + end.summary, secs);
  std::fflush(out);
  return end;
}

StageEnd probe_stage(const std::string& dir, nlohmann::json& kernel, std::FILE* out) {
  ProbeOptions options;
  if (const char* path = std::getenv("KCONFIG_PATH"); path && *path) options.kconfig_path = path;
  const ProbeReport report = run_probe(options);
  const nlohmann::json doc = report.to_json();
  write_json_file(dir + "/probe.json", doc);
  fmt::print(out, "{}", render_probe_table(report, use_colour(out)));
  kernel["config_source"] = doc["config"]["source"];
  int supported = 0;
  std::vector<std::string> not_supported;
  for (const auto& p : report.namespaces) {
    if (p.verdict == Verdict::Supported) ++supported;
    else not_supported.push_back(fmt::format("{} {}", ns_name(p.type), verdict_name(p.verdict)));
  }
  int features = 0;
  for (const auto& f : report.features) features += f.verdict == Verdict::Supported;
  return {true, false,
          fmt::format("{}/8 namespace types supported{}; {}/{} features", supported,
                      not_supported.empty() ? "" : fmt::format(" ({})", fmt::join(not_supported, ", ")), features, report.features.size())};
}

StageEnd conformance_stage(const std::string& dir, const std::optional<std::string>& filter) {
  conformance::SuiteOptions options;
  options.binary = conformance::suite_binary_next_to_self();
  options.filter = filter;
  options.scratch_path = dir + "/.conformance.gtest.tmp";
  const conformance::SuiteResult result = conformance::run_conformance(options);
  write_json_file(dir + "/conformance.json", result.document);
  const auto counts = conformance::count_outcomes(result.document);
  StageEnd end;
  end.ran = !result.document["gtest"].is_null();
  end.failures = counts.at(Outcome::Fail) + counts.at(Outcome::Broken) > 0;
  end.summary = fmt::format("{} pass, {} fail, {} skip, {} broken, {} gap confirmed, {} gap closed", counts.at(Outcome::Pass),
                            counts.at(Outcome::Fail), counts.at(Outcome::Skip), counts.at(Outcome::Broken),
                            counts.at(Outcome::GapConfirmed), counts.at(Outcome::GapClosed));
  if (!end.ran) end.summary = fmt::format("the suite {}", result.status.describe());
  return end;
}

StageEnd bench_stage(const std::string& dir, bool quick) {
  bench::SuiteRunOptions options;
  options.binary = bench::bench_binary_next_to_self();
  options.output = dir + "/bench.json";
  options.quick = quick;
  const bench::SuiteRunResult result = bench::run_bench_suite(options);
  StageEnd end;
  end.failures = result.broken > 0;
  end.summary = fmt::format("{} pass, {} skip, {} broken", result.pass, result.skip, result.broken);
  return end;
}

nlohmann::json kernel_document(const std::string& id) {
  struct utsname u {};
  if (::uname(&u) != 0) throw_sys("uname");
  const auto version = KernelVersion::parse(u.release);
  return {{"schema_version", kSchemaVersion},
          {"kind", "kernel"},
          {"id", id},
          {"release", u.release},
          {"version", version ? nlohmann::json(version->numbers()) : nlohmann::json(nullptr)},
          {"source", {{"type", "running"}}},
          {"accel", "native"},
          {"qemu_version", nullptr},
          {"machine", nullptr},
          {"boot_seconds", nullptr},
          {"config_source", nullptr}};
}

// A previous run's files in this kernel directory must not mix with this run's.
void clear_kernel_dir(const std::string& dir) {
  for (auto name : {result_files::kKernel, result_files::kProbe, result_files::kConformance, result_files::kBench, result_files::kStatus}) {
    std::error_code ec;
    std::filesystem::remove(dir + "/" + std::string(name), ec);
  }
}

}  // namespace

HostRunResult run_on_host(const HostRunOptions& options, std::FILE* out) {
  const std::string dir = options.out_dir + "/" + options.id;
  make_directories(dir);
  clear_kernel_dir(dir);
  const std::string started_at = utc_timestamp();
  const auto started = Clock::now();
  write_json_file(options.out_dir + "/run.json", run_document(options.out_dir, started_at, nullptr, {options.id}));

  nlohmann::json kernel = kernel_document(options.id);
  nlohmann::json durations = nlohmann::json::object();
  const bool bench = options.bench != "none";
  const int count = bench ? 3 : 2;
  std::vector<std::string> not_run;
  bool failures = false;
  nlohmann::json stages = nlohmann::json::array();
  auto account = [&](const std::string& stage, const StageEnd& end) {
    if (!end.ran) not_run.push_back(fmt::format("stage {}: {}", stage, end.summary));
    failures = failures || end.failures;
    stages.push_back({{"name", stage},
                      {"seconds", durations[stage + "_seconds"]},
                      {"results", std::filesystem::exists(dir + "/" + std::string(result_files::of_stage(stage)))},
                      {"error", end.ran ? nlohmann::json(nullptr) : nlohmann::json(end.summary)}});
  };

  account("probe", timed_stage("probe", 1, count, durations, out, [&] { return probe_stage(dir, kernel, out); }));
  account("conformance", timed_stage("conformance", 2, count, durations, out, [&] { return conformance_stage(dir, options.test_filter); }));
  if (bench)
    account("bench", timed_stage("bench", 3, count, durations, out, [&] { return bench_stage(dir, options.bench == "quick"); }));

  write_json_file(dir + "/kernel.json", kernel);
  durations["total_seconds"] = seconds_since(started);
  write_json_file(dir + "/status.json", {{"schema_version", kSchemaVersion},
                                         {"kind", "status"},
                                         {"status", not_run.empty() ? "ok" : "infra-error"},
                                         {"reason", fmt::format("{}", fmt::join(not_run, "; "))},
                                         {"durations", durations},
                                         {"splats", nlohmann::json::array()},
                                         {"stages", stages},
                                         {"guest_exit_code", nullptr}});
  write_json_file(options.out_dir + "/run.json", run_document(options.out_dir, started_at, utc_timestamp(), {options.id}));

  HostRunResult result;
  if (options.report) result.report_paths = reports::report_directory(options.out_dir, options.out_dir, stderr);
  result.exit_code = !not_run.empty() ? kExitBroken : failures ? kExitFailures : kExitOk;
  return result;
}

}  // namespace nsm::cli
