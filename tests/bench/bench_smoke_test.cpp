// The benchmark suite's smoke test (ctest -L bench): `nsmatrix bench --quick` has run (the
// bench.quick-run fixture) and every check either measured something or was skipped with a
// reason. It asserts no time: numbers are the suite's output, not its pass criterion.
#include <cmath>
#include <cstdlib>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "benchmarks/bench_json.h"
#include "core/results.h"

namespace {

nlohmann::json load() {
  const char* path = std::getenv("NSM_BENCH_JSON");
  if (!path) throw std::runtime_error("NSM_BENCH_JSON is not set (run through ctest)");
  return nsm::read_json_file(path, "bench");
}

TEST(BenchSmoke, RanInQuickModeWithChecks) {
  const auto doc = load();
  EXPECT_EQ(doc["mode"], "quick");
  EXPECT_FALSE(doc["checks"].empty());
  EXPECT_TRUE(doc["gbench"].contains("benchmarks"));
}

TEST(BenchSmoke, EveryCheckMeasuredOrWasSkippedWithAReason) {
  const auto doc = load();
  for (const auto& check : doc["checks"]) {
    const std::string id = check["id"];
    const std::string outcome = check["outcome"];
    if (outcome == "skip") {
      EXPECT_FALSE(check["reason"].get<std::string>().empty()) << id << " was skipped without a reason";
      continue;
    }
    EXPECT_EQ(outcome, "pass") << id << " is " << outcome << ": " << check["reason"];
    EXPECT_FALSE(check["metrics"].empty()) << id << " passed without a metric";
    for (const auto& metric : check["metrics"]) {
      const double value = metric["value"];
      EXPECT_TRUE(std::isfinite(value) && value > 0) << id << " " << metric["name"] << " = " << value;
    }
  }
}

TEST(BenchSmoke, EveryBenchmarkThatRanBelongsToACheck) {
  const auto doc = load();
  std::set<std::string> measured;
  for (const auto& check : doc["checks"])
    for (const auto& metric : check["metrics"]) measured.insert(metric["benchmark"].get<std::string>());
  for (const auto& run : doc["gbench"]["benchmarks"]) {
    if (run.value("run_type", "") != "iteration" || run.value("error_occurred", false)) continue;
    const std::string name = nsm::bench::base_benchmark_name(run["run_name"].get<std::string>());
    EXPECT_TRUE(measured.count(name)) << name << " ran but no check reports it";
  }
}

}  // namespace
