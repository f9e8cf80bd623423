// conformance.json and bench.json: one result per check.
#include <array>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/json_fields.h"
#include "reports/parse.h"

namespace nsm::reports {

namespace {

constexpr std::string_view kOutcomes = "pass, fail, skip, broken, gap-confirmed, gap-closed";
constexpr std::string_view kKinds = "probe, guarantee, gap, bench";

bool is_gap_outcome(Outcome o) { return o == Outcome::GapConfirmed || o == Outcome::GapClosed; }

// The fields common to conformance checks and benchmarks. Only a gap is confirmed or
// closed; a gap never passes (it ends confirmed, closed, or broken without a verdict), but
// it fails when an assertion it stands on fails (a fresh sysfs that is not the container's
// own). A mix-up would be a silently wrong cell, so it is rejected; skip and broken fit
// every kind.
CheckResult parse_check(const JsonFields& c) {
  CheckResult r;
  r.id = c.id("id");
  r.kind = c.word<CheckKind>("kind", check_kind_from_name, kKinds);
  r.type = c.opt_word<NsType>("type", ns_type_from_name, "cgroup, ipc, net, mnt, pid, time, user, uts or null");
  r.title = c.str_or_empty("title");
  r.test = c.str_or_empty("test");
  r.refs = c.opt_strings("refs");
  r.outcome = c.word<Outcome>("outcome", outcome_from_name, kOutcomes);
  if (r.kind == CheckKind::Gap && r.outcome == Outcome::Pass)
    c.fail("outcome", "\"pass\" for a gap (expected gap-confirmed, gap-closed, fail, skip or broken)");
  if (r.kind != CheckKind::Gap && is_gap_outcome(r.outcome))
    c.fail("outcome", fmt::format("\"{}\" for a {} (only gaps are confirmed or closed)", outcome_name(r.outcome),
                                  check_kind_name(r.kind)));
  r.reason = c.str_or_empty("reason");
  r.message = c.str_or_empty("message");
  r.duration_seconds = c.opt_number("duration_seconds");
  return r;
}

void reject_duplicate(std::set<std::string>& seen, const JsonFields& c, const std::string& id) {
  if (!seen.insert(id).second) c.fail("id", "\"" + id + "\" appears twice");
}

Metric parse_metric(const JsonFields& m) {
  Metric out;
  out.name = m.str("name");
  out.value = m.number("value");
  out.unit = m.str("unit");
  out.stddev = m.opt_number("stddev");
  out.cv = m.opt_number("cv");
  out.repetitions = m.opt_integer("repetitions");
  out.lower_is_better = m.boolean("lower_is_better");
  out.benchmark = m.str_or_empty("benchmark");
  if (out.stddev && *out.stddev < 0) m.fail("stddev", "negative");
  return out;
}

}  // namespace

CheckFile parse_conformance(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  CheckFile out;
  out.tool_version = top.str_or_empty("tool_version");
  std::set<std::string> seen;
  std::array<long, 6> counted{};
  for (const auto& c : top.objects("checks")) {
    auto r = parse_check(c);
    if (r.kind == CheckKind::Bench) c.fail("kind", "\"bench\" in conformance.json (benchmarks belong in bench.json)");
    reject_duplicate(seen, c, r.id);
    ++counted[static_cast<size_t>(r.outcome)];
    out.checks.push_back(std::move(r));
  }
  // The summary is redundant with the checks; when they disagree one of them is wrong, and
  // the report cannot know which.
  if (auto summary = top.opt_object("summary")) {
    for (Outcome o :
         {Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Broken, Outcome::GapConfirmed, Outcome::GapClosed}) {
      const std::string key(outcome_name(o));
      auto n = summary->opt_integer(key);
      if (n && *n != counted[static_cast<size_t>(o)])
        summary->fail(key, fmt::format("says {} but the checks hold {}", *n, counted[static_cast<size_t>(o)]));
    }
  }
  return out;
}

CheckFile parse_bench(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  CheckFile out;
  out.tool_version = top.str_or_empty("tool_version");
  out.mode = top.str_or_empty("mode");
  std::set<std::string> seen;
  for (const auto& c : top.objects("checks")) {
    auto r = parse_check(c);
    if (r.kind != CheckKind::Bench)
      c.fail("kind", fmt::format("\"{}\" in bench.json (expected bench)", check_kind_name(r.kind)));
    reject_duplicate(seen, c, r.id);
    std::set<std::string> names;
    for (const auto& m : c.opt_objects("metrics")) {
      auto metric = parse_metric(m);
      if (!names.insert(metric.name).second) m.fail("name", "\"" + metric.name + "\" appears twice");
      r.metrics.push_back(std::move(metric));
    }
    if (r.outcome == Outcome::Pass && r.metrics.empty())
      c.fail("metrics", "a passed benchmark has no metrics (a benchmark that measured nothing is skip or broken)");
    out.checks.push_back(std::move(r));
  }
  return out;
}

}  // namespace nsm::reports
