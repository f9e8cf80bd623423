// runtimes.json: one record per runtime and profile (docs/results-format.md, "runtimes.json").
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/json_fields.h"
#include "reports/parse.h"

namespace nsm::reports {

namespace {

constexpr std::string_view kGapOutcomes = "gap-confirmed, gap-closed, skip or broken";

Outcome case_outcome(const JsonFields& r) {
  const std::string word = r.str("outcome");
  if (word == "ran") return Outcome::Pass;
  if (word == "skip") return Outcome::Skip;
  if (word == "broken") return Outcome::Broken;
  r.fail("outcome", fmt::format("unknown word \"{}\" (expected ran, skip or broken)", word));
}

RuntimeCase parse_case(const JsonFields& r) {
  RuntimeCase c;
  c.runtime = r.str("runtime");
  c.profile = r.str("profile");
  c.version = r.str_or_empty("version");
  c.outcome = case_outcome(r);
  c.why = r.str_or_empty("why");
  if (c.outcome != Outcome::Pass) return c;

  const JsonFields ns = r.object("namespaces");
  for (const auto& info : ns_types()) {
    const auto entry = ns.opt_object(info.name);
    c.namespaces.emplace_back(info.type, entry ? entry->opt_bool("new") : std::nullopt);
  }
  for (const auto& link : r.opt_objects("network"))
    if (const auto bridge = link.opt_str("bridge")) c.bridges.push_back(*bridge);
  for (const auto& g : r.opt_objects("gaps")) {
    RuntimeGap gap{g.id("id"), g.str_or_empty("title"), g.word<Outcome>("outcome", outcome_from_name, kGapOutcomes),
                   g.str_or_empty("evidence")};
    if (gap.outcome == Outcome::Pass || gap.outcome == Outcome::Fail)
      g.fail("outcome", fmt::format("\"{}\" for a gap (expected {})", outcome_name(gap.outcome), kGapOutcomes));
    c.gaps.push_back(std::move(gap));
  }
  // The inside view, as the container reported it: shown, never judged here.
  if (const auto view = r.opt_object("view")) {
    if (const auto caps = view->opt_object("capabilities")) c.capabilities = caps->opt_strings("effective");
    if (const auto seccomp = view->opt_object("seccomp")) {
      c.seccomp = seccomp->str_or_empty("mode");
      c.seccomp_refused = seccomp->opt_strings("refused");
    }
    if (const auto ids = view->opt_object("ids"))
      if (const auto map = ids->opt_object("uid_map")) c.uid_identity = map->opt_bool("identity");
  }
  return c;
}

}  // namespace

RuntimesReport parse_runtimes(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  RuntimesReport out;
  out.started = top.str_or_empty("started");
  out.kernel = top.str_or_empty("kernel");
  out.teardown = top.opt_strings("teardown");
  for (const auto& r : top.objects("runtimes")) out.cases.push_back(parse_case(r));
  return out;
}

}  // namespace nsm::reports
