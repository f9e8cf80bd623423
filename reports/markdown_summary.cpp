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
  for (const auto& p : run.problems) lines.push_back(fmt::format("{} unusable: {}", status_symbol(KernelStatus::InfraError), md_escape(p)));
  std::vector<CheckAttention> checks;
  for (const auto& k : run.kernels) {
    for (const auto& p : k.problems)
      lines.push_back(fmt::format("{} `{}` infra-error: {}", status_symbol(KernelStatus::InfraError), k.id, md_escape(p)));
    if (k.problems.empty() && k.effective_status() != KernelStatus::Ok)
      lines.push_back(fmt::format("{} `{}` {}: {}", status_symbol(k.effective_status()), k.id, status_name(k.effective_status()),
                                  md_escape(first_line(k.effective_reason()))));
    for (const CheckFile* file : {k.conformance ? &*k.conformance : nullptr, k.bench ? &*k.bench : nullptr}) {
      if (!file) continue;
      for (const auto& c : file->checks) {
        if (c.outcome != Outcome::Fail && c.outcome != Outcome::Broken && c.outcome != Outcome::GapClosed) continue;
        std::string why = c.reason.empty() ? failure_gist(c.message, 160) : failure_gist(c.reason, 160);
        auto same = std::find_if(checks.begin(), checks.end(), [&](const CheckAttention& a) {
          return a.check->id == c.id && a.check->outcome == c.outcome && a.why == why;
        });
        if (same == checks.end()) checks.push_back({&c, std::move(why), {k.id}});
        else same->kernels.push_back(k.id);
      }
    }
  }
  // Failures first, then broken tests, then closed gaps (news, not trouble).
  auto rank = [](Outcome o) { return o == Outcome::Fail ? 0 : o == Outcome::Broken ? 1 : 2; };
  std::stable_sort(checks.begin(), checks.end(),
                   [&](const CheckAttention& a, const CheckAttention& b) { return rank(a.check->outcome) < rank(b.check->outcome); });
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

}  // namespace

std::string markdown_summary(const RunResults& run) {
  std::string out;
  const size_t n = run.kernels.size();
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
    if (lines.size() > kMaxAttention) out += fmt::format("- … and {} more in report.html\n", lines.size() - kMaxAttention);
  }
  out += fmt::format("\n{} pass · {} fail · {} skip · {} broken · {} gap confirmed (a known leak is there) · {} gap closed (news)  \n",
                     outcome_symbol(Outcome::Pass), outcome_symbol(Outcome::Fail), outcome_symbol(Outcome::Skip),
                     outcome_symbol(Outcome::Broken), outcome_symbol(Outcome::GapConfirmed), outcome_symbol(Outcome::GapClosed));
  out += "Details, evidence and costs: `report.html` (one file, opens offline).\n";
  return out;
}

}  // namespace nsm::reports
