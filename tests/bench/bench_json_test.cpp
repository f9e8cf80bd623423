// bench.json from a catalogue and Google Benchmark's JSON: no benchmark runs here.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "benchmarks/bench_json.h"
#include "benchmarks/outcome_marker.h"
#include "core/error.h"

namespace nsm::bench {
namespace {

using nlohmann::json;

json catalogue() {
  return json::parse(R"({"kind": "bench-catalogue", "checks": [
    {"id": "bench.create.net", "kind": "bench", "type": "net", "title": "create a child in a new net namespace",
     "requirements": {}, "benchmarks": [
       {"name": "create/net", "metrics": [{"name": "time", "source": "time", "unit": "us", "lower_is_better": true}]}]},
    {"id": "bench.tcp.rr.veth", "kind": "bench", "type": "net", "title": "TCP request-response",
     "requirements": {}, "benchmarks": [
       {"name": "tcp-rr/veth/64B", "metrics": [
          {"name": "rtt_p50_64B", "source": "rtt_p50_us", "unit": "us", "lower_is_better": true}]},
       {"name": "tcp-rr/veth/1KiB", "metrics": [
          {"name": "rtt_p50_1KiB", "source": "rtt_p50_us", "unit": "us", "lower_is_better": true}]}]},
    {"id": "bench.create.time", "kind": "bench", "type": "time", "title": "time", "requirements": {},
     "benchmarks": [{"name": "create/time", "metrics": [{"name": "time", "source": "time", "unit": "us", "lower_is_better": true}]}]},
    {"id": "bench.link.veth-create", "kind": "bench", "type": "net", "title": "veth", "requirements": {},
     "benchmarks": [{"name": "link/veth-create", "metrics": [{"name": "time", "source": "time", "unit": "us", "lower_is_better": true}]}]},
    {"id": "bench.filtered.out", "kind": "bench", "type": null, "title": "not run", "requirements": {},
     "benchmarks": [{"name": "never/ran", "metrics": [{"name": "time", "source": "time", "unit": "us", "lower_is_better": true}]}]}
  ]})");
}

json run(const std::string& run_name, double real_time, const std::string& unit, json extra = json::object()) {
  json r = {{"name", run_name}, {"run_name", run_name},   {"run_type", "iteration"}, {"repetitions", 2},
            {"iterations", 10}, {"real_time", real_time}, {"cpu_time", 1.0},         {"time_unit", unit}};
  r.update(extra);
  return r;
}

json failed(const std::string& run_name, const std::string& message) {
  return {{"name", run_name},
          {"run_name", run_name},
          {"run_type", "iteration"},
          {"error_occurred", true},
          {"error_message", message}};
}

json gbench() {
  json runs = json::array();
  runs.push_back(run("create/net/manual_time", 300000, "ns"));
  runs.push_back(run("create/net/manual_time", 340000, "ns"));
  json aggregate = run("create/net/manual_time", 999, "ns");
  aggregate["name"] = "create/net/manual_time_mean";
  aggregate["run_type"] = "aggregate";
  runs.push_back(aggregate);
  runs.push_back(run("tcp-rr/veth/64B/manual_time", 20, "us", {{"rtt_p50_us", 18.0}}));
  runs.push_back(run("tcp-rr/veth/64B/manual_time", 20, "us", {{"rtt_p50_us", 22.0}}));
  runs.push_back(failed("tcp-rr/veth/1KiB/manual_time", "skip: not needed"));
  runs.push_back(failed("create/time/manual_time", "skip: time namespaces unsupported: CONFIG_TIME_NS is not set"));
  runs.push_back(failed("link/veth-create/iterations:200/manual_time", "broken: RTM_NEWLINK veth nsm-a: EEXIST"));
  return {{"context", {{"host_name", "test"}}}, {"benchmarks", runs}};
}

const json& check(const json& doc, const std::string& id) {
  for (const auto& c : doc["checks"])
    if (c["id"] == id) return c;
  static const json none;
  return none;
}

TEST(BaseBenchmarkName, DropsWhatGoogleBenchmarkAppends) {
  EXPECT_EQ(base_benchmark_name("create/net/iterations:200/repeats:5/manual_time"), "create/net");
  EXPECT_EQ(base_benchmark_name("tcp-rr/veth/64B/min_time:0.500/real_time"), "tcp-rr/veth/64B");
  EXPECT_EQ(base_benchmark_name("netns-rate/2_creators/iterations:1/threads:1/manual_time"), "netns-rate/2_creators");
  EXPECT_EQ(base_benchmark_name("create/none"), "create/none");
}

TEST(MarkedOutcome, ReadsSkipAndBrokenAndTreatsTheRestAsBroken) {
  EXPECT_EQ(read_marked_outcome(skip_message("no root")).outcome, Outcome::Skip);
  EXPECT_EQ(read_marked_outcome(skip_message("no root")).reason, "no root");
  EXPECT_EQ(read_marked_outcome(broken_message("EEXIST")).outcome, Outcome::Broken);
  EXPECT_EQ(read_marked_outcome("Benchmark returned early").outcome, Outcome::Broken);
  EXPECT_EQ(read_marked_outcome("Benchmark returned early").reason, "Benchmark returned early");
}

TEST(MakeBenchJson, HasTheResultsFileHeaderAndKeepsGoogleBenchmarkVerbatim) {
  const json doc = make_bench_json(catalogue(), gbench(), "quick");
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["kind"], "bench");
  EXPECT_EQ(doc["mode"], "quick");
  EXPECT_TRUE(doc["tool_version"].is_string());
  EXPECT_EQ(doc["gbench"], gbench());
}

TEST(MakeBenchJson, MetricIsTheMeanOverRepetitionsInTheMetricsUnit) {
  const json c = check(make_bench_json(catalogue(), gbench(), "full"), "bench.create.net");
  ASSERT_EQ(c["outcome"], "pass");
  EXPECT_EQ(c["reason"], "");
  EXPECT_EQ(c["kind"], "bench");
  EXPECT_EQ(c["type"], "net");
  ASSERT_EQ(c["metrics"].size(), 1u);
  const json& m = c["metrics"][0];
  EXPECT_EQ(m["name"], "time");
  EXPECT_EQ(m["unit"], "us");
  EXPECT_DOUBLE_EQ(m["value"].get<double>(), 320.0);      // (300 + 340) / 2, ns -> us; the aggregate is ignored
  EXPECT_NEAR(m["stddev"].get<double>(), 28.2843, 1e-3);  // sample standard deviation
  EXPECT_NEAR(m["cv"].get<double>(), 28.2843 / 320.0, 1e-5);
  EXPECT_EQ(m["repetitions"], 2);
  EXPECT_EQ(m["lower_is_better"], true);
  EXPECT_EQ(m["benchmark"], "create/net");
}

TEST(MakeBenchJson, CounterMetricsAndPartlySkippedChecksPass) {
  const json c = check(make_bench_json(catalogue(), gbench(), "full"), "bench.tcp.rr.veth");
  ASSERT_EQ(c["outcome"], "pass");
  ASSERT_EQ(c["metrics"].size(), 1u);
  EXPECT_EQ(c["metrics"][0]["name"], "rtt_p50_64B");
  EXPECT_DOUBLE_EQ(c["metrics"][0]["value"].get<double>(), 20.0);
}

TEST(MakeBenchJson, SkipCarriesTheProbesReason) {
  const json c = check(make_bench_json(catalogue(), gbench(), "full"), "bench.create.time");
  EXPECT_EQ(c["outcome"], "skip");
  EXPECT_EQ(c["reason"], "time namespaces unsupported: CONFIG_TIME_NS is not set");
  EXPECT_TRUE(c["metrics"].empty());
}

TEST(MakeBenchJson, BrokenNamesTheBenchmarkAndTheError) {
  const json c = check(make_bench_json(catalogue(), gbench(), "full"), "bench.link.veth-create");
  EXPECT_EQ(c["outcome"], "broken");
  EXPECT_EQ(c["reason"], "link/veth-create: RTM_NEWLINK veth nsm-a: EEXIST");
}

TEST(MakeBenchJson, ChecksThatDidNotRunAreLeftOut) {
  const json doc = make_bench_json(catalogue(), gbench(), "full");
  EXPECT_TRUE(check(doc, "bench.filtered.out").is_null());
  EXPECT_EQ(doc["checks"].size(), 4u);
}

TEST(MakeBenchJson, OneRepetitionHasNoSpread) {
  json g = gbench();
  g["benchmarks"].erase(1);
  const json m = check(make_bench_json(catalogue(), g, "quick"), "bench.create.net")["metrics"][0];
  EXPECT_DOUBLE_EQ(m["value"].get<double>(), 300.0);
  EXPECT_TRUE(m["stddev"].is_null());
  EXPECT_TRUE(m["cv"].is_null());
  EXPECT_EQ(m["repetitions"], 1);
}

TEST(MakeBenchJson, MalformedInputIsAnErrorNamingWhatIsWrong) {
  EXPECT_THROW(make_bench_json(json::object(), gbench(), "full"), Error);
  EXPECT_THROW(make_bench_json(catalogue(), json::array(), "full"), Error);
  EXPECT_THROW(make_bench_json(catalogue(), json{{"benchmarks", 3}}, "full"), Error);
  json g = gbench();
  g["benchmarks"][0]["time_unit"] = "fortnights";
  try {
    make_bench_json(catalogue(), g, "full");
    FAIL() << "an unknown time unit was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fortnights"), std::string::npos) << e.what();
  }
  json missing_counter = gbench();
  missing_counter["benchmarks"][3].erase("rtt_p50_us");
  EXPECT_THROW(make_bench_json(catalogue(), missing_counter, "full"), Error);
}

}  // namespace
}  // namespace nsm::bench
