#include "benchmarks/bench_json.h"

#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/outcome_marker.h"
#include "core/checks.h"
#include "core/error.h"
#include "core/results.h"
#include "core/version.h"

namespace nsm::bench {

namespace {

using nlohmann::json;

bool is_gbench_decoration(std::string_view part) {
  for (std::string_view prefix : {"min_time:", "min_warmup_time:", "iterations:", "repeats:", "threads:"})
    if (part.starts_with(prefix)) return true;
  return part == "real_time" || part == "manual_time" || part == "process_time";
}

// Seconds per unit of Google Benchmark's time_unit and of our metric units.
std::optional<double> seconds_per(std::string_view unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1.0;
  return std::nullopt;
}

const json& field(const json& object, const char* key, std::string_view where) {
  auto it = object.find(key);
  if (it == object.end()) throw ToolError(fmt::format("{}: no \"{}\"", where, key));
  return *it;
}

std::string string_field(const json& object, const char* key, std::string_view where) {
  const json& value = field(object, key, where);
  if (!value.is_string()) throw ToolError(fmt::format("{}: \"{}\" is not a string", where, key));
  return value.get<std::string>();
}

// The per-repetition runs of one benchmark (Google Benchmark's aggregates are recomputed
// from these, so that a single repetition is handled the same way).
struct Runs {
  std::vector<const json*> measured;
  std::vector<const json*> failed;
};

double metric_sample(const json& run, const json& metric, std::string_view where) {
  const std::string source = string_field(metric, "source", where);
  const std::string unit = string_field(metric, "unit", where);
  if (source == "time") {
    const std::string run_unit = string_field(run, "time_unit", where);
    auto from = seconds_per(run_unit);
    auto to = seconds_per(unit);
    if (!from) throw ToolError(fmt::format("{}: unknown time_unit \"{}\"", where, run_unit));
    if (!to) throw ToolError(fmt::format("{}: metric unit \"{}\" is not a time unit", where, unit));
    const json& t = field(run, "real_time", where);
    if (!t.is_number()) throw ToolError(fmt::format("{}: real_time is not a number", where));
    return t.get<double>() * *from / *to;
  }
  const json& value = field(run, source.c_str(), where);
  if (!value.is_number()) throw ToolError(fmt::format("{}: counter \"{}\" is not a number", where, source));
  return value.get<double>();
}

json metric_entry(const std::string& benchmark, const json& metric, const std::vector<const json*>& runs) {
  const std::string where = fmt::format("benchmark {}", benchmark);
  std::vector<double> samples;
  for (const json* run : runs) samples.push_back(metric_sample(*run, metric, where));
  double sum = 0;
  for (double v : samples) sum += v;
  const double n = static_cast<double>(samples.size());
  const double mean = sum / n;
  json stddev = nullptr, cv = nullptr;
  if (samples.size() > 1) {
    double squares = 0;
    for (double v : samples) squares += (v - mean) * (v - mean);
    const double sd = std::sqrt(squares / (n - 1));  // sample stddev, as Google Benchmark's
    stddev = sd;
    cv = mean != 0 ? json(sd / std::fabs(mean)) : json(nullptr);
  }
  return {{"name", string_field(metric, "name", where)},
          {"value", mean},
          {"unit", string_field(metric, "unit", where)},
          {"stddev", stddev},
          {"cv", cv},
          {"repetitions", samples.size()},
          {"lower_is_better", field(metric, "lower_is_better", where).get<bool>()},
          {"benchmark", benchmark}};
}

}  // namespace

std::string base_benchmark_name(std::string_view run_name) {
  std::string_view rest = run_name;
  for (;;) {
    const auto slash = rest.rfind('/');
    if (slash == std::string_view::npos || !is_gbench_decoration(rest.substr(slash + 1))) break;
    rest = rest.substr(0, slash);
  }
  return std::string(rest);
}

namespace {
json build_bench_json(const json& catalogue, const json& gbench, std::string_view mode) {
  if (!catalogue.is_object() || catalogue.value("kind", "") != "bench-catalogue")
    throw ToolError("the benchmark catalogue is not a bench-catalogue document");
  if (!gbench.is_object()) throw ToolError("Google Benchmark's output is not a JSON object");
  const json& benchmarks = field(gbench, "benchmarks", "Google Benchmark's output");
  if (!benchmarks.is_array()) throw ToolError("Google Benchmark's output: \"benchmarks\" is not an array");

  std::map<std::string, Runs> runs;  // by base benchmark name
  for (const json& run : benchmarks) {
    if (!run.is_object()) throw ToolError("Google Benchmark's output: a benchmark entry is not an object");
    if (run.value("run_type", "iteration") != "iteration") continue;  // aggregates: recomputed
    const std::string name = base_benchmark_name(string_field(run, "run_name", "a benchmark entry"));
    if (run.value("error_occurred", false))
      runs[name].failed.push_back(&run);
    else
      runs[name].measured.push_back(&run);
  }

  json checks = json::array();
  for (const json& check : field(catalogue, "checks", "the benchmark catalogue")) {
    const std::string id = string_field(check, "id", "a catalogue check");
    json metrics = json::array();
    bool ran = false;
    std::optional<std::string> skip_reason, broken_reason;
    for (const json& benchmark : field(check, "benchmarks", id)) {
      const std::string name = string_field(benchmark, "name", id);
      auto it = runs.find(name);
      if (it == runs.end()) continue;  // not selected by --filter
      ran = true;
      for (const json* failed : it->second.failed) {
        const auto marked = read_marked_outcome(failed->value("error_message", ""));
        if (marked.outcome == Outcome::Broken && !broken_reason)
          broken_reason = fmt::format("{}: {}", name, marked.reason);
        if (marked.outcome == Outcome::Skip && !skip_reason) skip_reason = marked.reason;
      }
      if (it->second.measured.empty()) continue;
      for (const json& metric : field(benchmark, "metrics", name))
        metrics.push_back(metric_entry(name, metric, it->second.measured));
    }
    if (!ran) continue;
    Outcome outcome = Outcome::Pass;
    std::string reason;
    if (broken_reason) {
      outcome = Outcome::Broken;
      reason = *broken_reason;
    } else if (metrics.empty()) {
      outcome = skip_reason ? Outcome::Skip : Outcome::Broken;
      reason = skip_reason ? *skip_reason : "no benchmark of this check reported a measurement";
    }
    checks.push_back({{"id", id},
                      {"kind", "bench"},
                      {"type", field(check, "type", id)},
                      {"title", string_field(check, "title", id)},
                      {"outcome", outcome_name(outcome)},
                      {"reason", reason},
                      {"metrics", std::move(metrics)}});
  }
  return {{"schema_version", kSchemaVersion},
          {"kind", "bench"},
          {"tool_version", std::string(kToolVersion)},
          {"mode", mode},
          {"checks", checks},
          {"gbench", gbench}};
}

}  // namespace

json make_bench_json(const json& catalogue, const json& gbench, std::string_view mode) {
  try {
    return build_bench_json(catalogue, gbench, mode);
  } catch (const json::exception& e) {
    throw ToolError(fmt::format("malformed benchmark output: {}", e.what()));
  }
}

}  // namespace nsm::bench
