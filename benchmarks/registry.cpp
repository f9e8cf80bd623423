#include "benchmarks/registry.h"

#include <exception>

#include <nlohmann/json.hpp>

#include "benchmarks/outcome_marker.h"
#include "probes/requirements.h"

namespace nsm::bench {

namespace {

struct RegisteredBenchmark {
  std::string name;
  std::vector<MetricSpec> metrics;
};

struct RegisteredCheck {
  CheckInfo info;
  std::vector<RegisteredBenchmark> benchmarks;
};

// In registration order, which is the order the suite runs in.
std::vector<RegisteredCheck>& checks() {
  static std::vector<RegisteredCheck> registered;
  return registered;
}

RegisteredCheck& check_entry(const CheckInfo& info) {
  for (auto& c : checks())
    if (c.info.id == info.id) return c;
  checks().push_back({info, {}});
  return checks().back();
}

}  // namespace

MetricSpec time_metric(std::string unit) { return {"time", "time", std::move(unit), true}; }

MetricSpec median_metric() { return {"time_median", "p50_us", "us", true}; }

Requirements as_root(std::vector<NsType> namespaces, std::vector<std::string> link_kinds,
                     std::optional<std::string> min_kernel) {
  Requirements needs;
  needs.namespaces = std::move(namespaces);
  needs.link_kinds = std::move(link_kinds);
  needs.min_kernel = std::move(min_kernel);
  needs.root = true;
  return needs;
}

CheckInfo bench_check(std::string id, std::optional<NsType> type, std::string title, Requirements needs) {
  return {std::move(id), CheckKind::Bench, type, std::move(title), std::move(needs), {}};
}

benchmark::internal::Benchmark* add(const CheckInfo& check, const std::string& name, std::vector<MetricSpec> metrics,
                                    Body body) {
  check_entry(check).benchmarks.push_back({name, std::move(metrics)});
  const Requirements needs = check.needs;
  return benchmark::RegisterBenchmark(name.c_str(), [needs, body = std::move(body)](benchmark::State& state) {
    try {
      // Probed once per process; repetitions ask again for free.
      if (auto why = unmet_requirement(needs)) {
        state.SkipWithError(skip_message(*why).c_str());
        return;
      }
      body(state);
    } catch (const std::exception& e) {
      state.SkipWithError(broken_message(e.what()).c_str());
    } catch (...) {
      state.SkipWithError(broken_message("unknown exception").c_str());
    }
  });
}

nlohmann::json catalogue_json() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : checks()) {
    nlohmann::json entry = to_json(c.info);
    auto& benchmarks = entry["benchmarks"] = nlohmann::json::array();
    for (const auto& b : c.benchmarks) {
      nlohmann::json metrics = nlohmann::json::array();
      for (const auto& m : b.metrics)
        metrics.push_back(
            {{"name", m.name}, {"source", m.source}, {"unit", m.unit}, {"lower_is_better", m.lower_is_better}});
      benchmarks.push_back({{"name", b.name}, {"metrics", std::move(metrics)}});
    }
    list.push_back(std::move(entry));
  }
  return {{"kind", "bench-catalogue"}, {"checks", std::move(list)}};
}

}  // namespace nsm::bench
