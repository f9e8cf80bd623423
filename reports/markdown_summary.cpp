#include "reports/markdown_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "reports/symbols.h"
#include "reports/text.h"
#include "reports/views.h"

namespace nsm::reports {

namespace {

std::string first_line(std::string_view text) {
  const auto nl = text.find('\n');
  return std::string(text.substr(0, nl));
}

std::string namespaces_cell(const KernelResults& k) {
  auto tally = namespace_tally(k);
  if (!tally) return std::string(kNoDataSymbol);
  std::string cell = fmt::format("{}/{}", tally->supported, tally->probed);
  if (!tally->not_supported.empty()) {
    std::string names;
    for (const auto& n : tally->not_supported) names += (names.empty() ? "" : ", ") + n;
    cell += " — **no " + md_escape(names) + "**";
  }
  return cell;
}

std::string status_cell(const KernelResults& k) {
  const KernelStatus s = k.effective_status();
  std::string cell = fmt::format("{} {}", status_symbol(s), status_name(s));
  if (s != KernelStatus::Ok) {
    std::string reason = first_line(k.effective_reason());
    if (reason.size() > 120) reason = reason.substr(0, 117) + "...";
    if (!reason.empty()) cell += ": " + md_escape(reason);
  }
  return cell;
}

std::string count_cell(const std::optional<OutcomeCounts>& counts, Outcome o) {
  if (!counts) return std::string(kNoDataSymbol);
  const int n = (*counts)[o];
  // Numbers that need a look are bold.
  const bool loud = n > 0 && (o == Outcome::Fail || o == Outcome::Broken || o == Outcome::GapClosed);
  return loud ? fmt::format("**{}**", n) : fmt::format("{}", n);
}

// A check that needs a look, with every kernel where it ended the same way for the same
// reason: one line, not one per kernel.
struct CheckAttention {
  const CheckResult* check;
  std::string why;
  std::vector<std::string> kernels;
};

std::vector<std::string> attention(const RunResults& run) {
  std::vector<std::string> lines;
  for (const auto& p : run.problems)
    lines.push_back(fmt::format("{} unusable: {}", status_symbol(KernelStatus::InfraError), md_escape(p)));
  std::vector<CheckAttention> checks;
  for (const auto& k : run.kernels) {
    for (const auto& p : k.problems)
      lines.push_back(
          fmt::format("{} `{}` infra-error: {}", status_symbol(KernelStatus::InfraError), k.id, md_escape(p)));
    if (k.problems.empty() && k.effective_status() != KernelStatus::Ok)
      lines.push_back(fmt::format("{} `{}` {}: {}", status_symbol(k.effective_status()), k.id,
                                  status_name(k.effective_status()), md_escape(first_line(k.effective_reason()))));
    for (const CheckFile* file : {k.conformance ? &*k.conformance : nullptr, k.bench ? &*k.bench : nullptr}) {
      if (!file) continue;
      for (const auto& c : file->checks) {
        if (c.outcome != Outcome::Fail && c.outcome != Outcome::Broken && c.outcome != Outcome::GapClosed) continue;
        std::string why = c.reason.empty() ? failure_gist(c.message, 160) : failure_gist(c.reason, 160);
        auto same = std::find_if(checks.begin(), checks.end(), [&](const CheckAttention& a) {
          return a.check->id == c.id && a.check->outcome == c.outcome && a.why == why;
        });
        if (same == checks.end())
          checks.push_back({&c, std::move(why), {k.id}});
        else
          same->kernels.push_back(k.id);
      }
    }
  }
  // Failures first, then broken tests, then closed gaps (news, not trouble).
  auto rank = [](Outcome o) { return o == Outcome::Fail ? 0 : o == Outcome::Broken ? 1 : 2; };
  std::stable_sort(checks.begin(), checks.end(), [&](const CheckAttention& a, const CheckAttention& b) {
    return rank(a.check->outcome) < rank(b.check->outcome);
  });
  for (const auto& a : checks) {
    std::string where;
    for (const auto& id : a.kernels) where += fmt::format("{}`{}`", where.empty() ? "" : ", ", id);
    // What a failure reopens (CVE, fixing commit, peer test), when the check names it.
    std::string refs;
    for (const auto& ref : a.check->refs) refs += (refs.empty() ? "" : " · ") + md_escape(ref);
    lines.push_back(fmt::format("{} {}{} **{}** on {}{}", outcome_symbol(a.check->outcome), md_code(a.check->id),
                                refs.empty() ? "" : " (" + refs + ")", outcome_words(a.check->outcome), where,
                                a.why.empty() ? "" : ": " + md_escape(a.why)));
  }
  return lines;
}

// The runtime axis: what each runtime's defaults isolate, then who closes which gap.
std::string runtimes_section(const RuntimesReport& rt) {
  std::string out =
      fmt::format("\n### Container runtimes{}\n\n", rt.kernel.empty() ? "" : " on " + md_escape(rt.kernel));
  out += "| runtime | ";
  for (const auto& info : ns_types()) out += std::string(info.name) + " | ";
  out += "capabilities | seccomp | user ns | gaps \u25C6/\u2605 |\n|---|";
  for (size_t i = 0; i < ns_types().size(); ++i) out += ":-:|";
  out += "---|---|---|--:|\n";
  for (const auto& c : rt.cases) {
    out += fmt::format("| {} | ", md_code(c.name()));
    if (c.outcome != Outcome::Pass) {
      out += fmt::format("{} {}: {} |", outcome_symbol(c.outcome), outcome_name(c.outcome),
                         md_escape(failure_gist(c.why, 200)));
      for (size_t i = 0; i < ns_types().size() + 3; ++i) out += " |";
      out += "\n";
      continue;
    }
    for (const auto& [type, is_new] : c.namespaces) out += fmt::format("{} | ", runtime_ns_symbol(is_new));
    const auto [confirmed, closed] = gap_counts(c);
    out += fmt::format("{} | {} | {} | {}/{} |\n", md_escape(key_capabilities(c.capabilities)),
                       md_escape(seccomp_text(c)), userns_text(c), confirmed, closed);
  }
  out += "\n\u2713 a namespace of its own · \u2717 the host's · capabilities: how many, and the key ones held\n";

  // Who closes which gap: one row per gap, one column per runtime that ran.
  std::vector<const RuntimeCase*> ran;
  for (const auto& c : rt.cases)
    if (c.outcome == Outcome::Pass) ran.push_back(&c);
  const auto gaps = rt.gap_ids();
  if (ran.empty() || gaps.empty()) return out;
  out += "\n**Who closes which gap** (\u25C6 open in that runtime, \u2605 closed by it)\n\n| gap |";
  for (const auto* c : ran) out += fmt::format(" {} |", md_escape(c->name()));
  out += "\n|---|";
  for (size_t i = 0; i < ran.size(); ++i) out += ":-:|";
  out += "\n";
  for (const auto& [id, title] : gaps) {
    out += fmt::format("| {} |", md_code(id));
    for (const auto* c : ran) {
      const RuntimeGap* g = c->find_gap(id);
      out += fmt::format(" {} |", g ? outcome_symbol(g->outcome) : kNoDataSymbol);
    }
    out += "\n";
  }
  for (const auto& t : rt.teardown) out += fmt::format("\nTeardown: {}", md_escape(t));
  if (!rt.teardown.empty()) out += "\n";
  return out;
}

}  // namespace

std::string markdown_summary(const RunResults& run) {
  std::string out;
  const size_t n = run.kernels.size();
  if (n == 0 && run.runtimes) {
    out += fmt::format("## nsmatrix: container runtimes · run {}\n", md_escape(run.run_id()));
    out += runtimes_section(*run.runtimes);
    out += fmt::format("\n{} pass · {} skip · {} broken · {} gap confirmed (a known leak is there) · {} gap closed\n",
                       outcome_symbol(Outcome::Pass), outcome_symbol(Outcome::Skip), outcome_symbol(Outcome::Broken),
                       outcome_symbol(Outcome::GapConfirmed), outcome_symbol(Outcome::GapClosed));
    return out;
  }
  out += fmt::format("## nsmatrix: {} kernel{} · run {}\n\n", n, n == 1 ? "" : "s", md_escape(run.run_id()));
  out += "| kernel | release | accel | status | namespaces | pass | fail | skip | broken | gaps open | gaps closed |\n";
  out += "|---|---|---|---|---|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& k : run.kernels) {
    std::optional<OutcomeCounts> counts;
    if (k.conformance) counts = count_outcomes(*k.conformance);
    const std::string release = k.release();
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md_code(k.id),
                       release.empty() ? std::string(kNoDataSymbol) : md_escape(release),
                       k.accel() ? std::string(accel_label(*k.accel())) : std::string(kNoDataSymbol), status_cell(k),
                       namespaces_cell(k), count_cell(counts, Outcome::Pass), count_cell(counts, Outcome::Fail),
                       count_cell(counts, Outcome::Skip), count_cell(counts, Outcome::Broken),
                       count_cell(counts, Outcome::GapConfirmed), count_cell(counts, Outcome::GapClosed));
  }
  const auto lines = attention(run);
  if (lines.empty()) {
    out += "\nNothing needs a look: no failure, no broken test, no closed gap, every file usable.\n";
  } else {
    out += "\n**Needs a look**\n\n";
    for (size_t i = 0; i < lines.size() && i < kMaxAttention; ++i) out += "- " + lines[i] + "\n";
    if (lines.size() > kMaxAttention)
      out += fmt::format("- … and {} more in report.html\n", lines.size() - kMaxAttention);
  }
  out += fmt::format(
      "\n{} pass · {} fail · {} skip · {} broken · {} gap confirmed (a known leak is there) · {} gap closed (news)  \n",
      outcome_symbol(Outcome::Pass), outcome_symbol(Outcome::Fail), outcome_symbol(Outcome::Skip),
      outcome_symbol(Outcome::Broken), outcome_symbol(Outcome::GapConfirmed), outcome_symbol(Outcome::GapClosed));
  if (run.runtimes) out += runtimes_section(*run.runtimes);
  out += "Details, evidence and costs: `report.html` (one file, opens offline).\n";
  return out;
}

}  // namespace nsm::reports
