#include "reports/html_report.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "reports/html_parts.h"
#include "reports/symbols.h"

namespace nsm::reports {

namespace html {

std::string kernel_anchor(const KernelResults& k) { return "k-" + identifier(k.id); }

std::string kernel_header_cells(const RunResults& run) {
  std::string out;
  for (const auto& k : run.kernels) {
    const KernelStatus s = k.effective_status();
    out +=
        fmt::format("<th scope=\"col\" class=\"kcol\"><a href=\"#{}\">{}</a>", kernel_anchor(k), html_breakable(k.id));
    const std::string release = k.release();
    if (!release.empty() && release != k.id)
      out += fmt::format("<span class=\"rel\">{}</span>", html_breakable(release));
    if (k.accel())
      out +=
          fmt::format("<span class=\"badge accel-{}\">{}</span>", accel_name(*k.accel()), h(accel_label(*k.accel())));
    // A kernel without some namespace type is the one a reader looks for: say so in every table.
    if (auto tally = namespace_tally(k))
      for (const auto& missing : tally->not_supported)
        out += fmt::format("<span class=\"lack\" title=\"{}\">no {}</span>", h(missing),
                           h(missing.substr(0, missing.find(' '))));
    if (s != KernelStatus::Ok)
      out += fmt::format("<span class=\"st st-{}\" title=\"{}\">{} {}</span>", status_name(s), h(k.effective_reason()),
                         status_symbol(s), status_name(s));
    out += "</th>";
  }
  return out;
}

std::string no_data_cell(std::string_view why) {
  return fmt::format(
      "<td class=\"c none\" title=\"{0}\"><span class=\"sym\" aria-hidden=\"true\">{1}</span>"
      "<span class=\"word\">no data</span><span class=\"sr\">: {0}</span></td>",
      h(why), kNoDataSymbol);
}

}  // namespace html

namespace {

using html::h;

constexpr size_t kDenseFrom = 6;

std::string title_of(const RunResults& run) {
  if (run.kernels.size() == 1) {
    const auto& k = run.kernels.front();
    const std::string release = k.release();
    return release.empty() ? fmt::format("Linux namespaces on {}", k.id)
                           : fmt::format("Linux namespaces on {} ({})", release, k.id);
  }
  return fmt::format("Linux namespaces on {} kernels", run.kernels.size());
}

void stat_tile(std::string& out, std::string_view cls, const std::string& number, std::string_view label,
               const std::string& detail) {
  out += fmt::format("<div class=\"tile {}\"><span class=\"num\">{}</span><span class=\"lbl\">{}</span>", cls,
                     h(number), h(label));
  if (!detail.empty()) out += fmt::format("<span class=\"det\">{}</span>", h(detail));
  out += "</div>";
}

// "a, b and 3 more": names in a tile stay short with 20 kernels.
std::string few(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < 2; ++i) text += (i ? "; " : "") + names[i];
  if (names.size() > 2) text += fmt::format("; and {} more", names.size() - 2);
  return text;
}

// "a: 5; b: 4" for the kernels with a non-zero count, the largest first.
std::string per_kernel(std::vector<std::pair<std::string, int>> counts) {
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> names;
  for (const auto& [id, n] : counts) names.push_back(fmt::format("{}: {}", id, n));
  return few(names);
}

void headline(std::string& out, const html::Context& ctx) {
  const auto& run = ctx.run;
  const int n = static_cast<int>(run.kernels.size());
  std::vector<std::string> not_ok, lacking;
  int with_probe = 0, with_checks = 0;
  OutcomeCounts total;
  std::vector<std::pair<std::string, int>> fails;
  std::set<std::string> leaks;
  std::set<std::string> leaking_kernels;
  std::vector<std::pair<std::string, int>> closed;  // gap id, kernels where it is closed
  for (const auto& k : run.kernels) {
    if (const KernelStatus s = k.effective_status(); s != KernelStatus::Ok)
      not_ok.push_back(fmt::format("{}: {}", k.id, status_name(s)));
    if (auto t = namespace_tally(k)) {
      ++with_probe;
      std::string missing;
      for (const auto& name : t->not_supported)
        missing += (missing.empty() ? "" : ", ") + name.substr(0, name.find(' '));
      if (t->probed < static_cast<int>(ns_types().size()))
        missing += (missing.empty() ? "" : ", ") + std::string("some not probed");
      if (!missing.empty()) lacking.push_back(fmt::format("{}: no {}", k.id, missing));
    }
    if (!k.conformance) continue;
    ++with_checks;
    const auto counts = count_outcomes(*k.conformance);
    for (size_t i = 0; i < total.n.size(); ++i) total.n[i] += counts.n[i];
    if (counts[Outcome::Fail]) fails.emplace_back(k.id, counts[Outcome::Fail]);
    for (const auto& c : k.conformance->checks) {
      if (c.outcome == Outcome::GapConfirmed) leaks.insert(c.id), leaking_kernels.insert(k.id);
      if (c.outcome != Outcome::GapClosed) continue;
      auto it = std::find_if(closed.begin(), closed.end(), [&](const auto& p) { return p.first == c.id; });
      if (it == closed.end())
        closed.emplace_back(c.id, 1);
      else
        ++it->second;
    }
  }
  const int ok = n - static_cast<int>(not_ok.size());
  const int complete = with_probe - static_cast<int>(lacking.size());
  out += "<div class=\"tiles\">";
  stat_tile(out, ok == n ? "good" : "bad", fmt::format("{}/{}", ok, n),
            n == 1 ? "kernel ran to the end" : "kernels ran to the end", ok == n ? "every run came back" : few(not_ok));
  stat_tile(out, complete == with_probe && with_probe == n ? "good" : "warn",
            fmt::format("{}/{}", complete, with_probe), "have all 8 namespace types",
            lacking.empty() ? (with_probe < n ? fmt::format("{} not probed", n - with_probe) : "") : few(lacking));
  const std::string tally = fmt::format(
      "{} {} pass \u00B7 {} {} skip \u00B7 {} {} broken", outcome_symbol(Outcome::Pass), total[Outcome::Pass],
      outcome_symbol(Outcome::Skip), total[Outcome::Skip], outcome_symbol(Outcome::Broken), total[Outcome::Broken]);
  stat_tile(out, total[Outcome::Fail] ? "bad" : "good", fmt::format("{}", total[Outcome::Fail]),
            total[Outcome::Fail] == 1 ? "check failed" : "checks failed",
            fails.empty() ? tally : fmt::format("{} \u2014 {}", per_kernel(fails), tally));
  std::string leak_detail =
      leaks.empty() ? "" : fmt::format("on {} of {} kernels", leaking_kernels.size(), with_checks);
  if (!closed.empty()) {
    std::vector<std::string> names;
    for (const auto& [id, kernels] : closed)
      names.push_back(fmt::format("{} on {}", id, kernels == 1 ? "1 kernel" : fmt::format("{} kernels", kernels)));
    leak_detail +=
        fmt::format("{}{} closed: {}", leak_detail.empty() ? "" : "; ", outcome_symbol(Outcome::GapClosed), few(names));
  }
  stat_tile(out, closed.empty() ? "leak" : "news", fmt::format("{}", leaks.size()), "known leaks confirmed",
            leak_detail);
  out += "</div>\n";
}

void problems_box(std::string& out, const RunResults& run) {
  const auto problems = run.all_problems();
  if (problems.empty()) return;
  out += fmt::format(
      "<section id=\"problems\" class=\"alert\" aria-labelledby=\"problems-h\"><h2 id=\"problems-h\">{} {} unusable "
      "file{}</h2><p>These files could not be used; their kernels are shown as <strong>infra-error</strong> "
      "rather than guessed.</p><ul>",
      status_symbol(KernelStatus::InfraError), problems.size(), problems.size() == 1 ? "" : "s");
  for (const auto& p : problems) out += fmt::format("<li><code>{}</code></li>", h(p));
  out += "</ul></section>\n";
}

// Run-level text repaired to be shown (a run.json with bytes that are not UTF-8).
void notes_box(std::string& out, const RunResults& run) {
  if (run.notes.empty()) return;
  out += "<section id=\"notes\" aria-label=\"notes\"><ul class=\"problems limits\">";
  for (const auto& n : run.notes) out += fmt::format("<li>{}</li>", h(n));
  out += "</ul></section>\n";
}

void legend(std::string& out) {
  out += "<details class=\"legend\" open><summary>Symbols</summary><ul>";
  auto item = [&](std::string_view cls, std::string_view sym, std::string_view word, std::string_view meaning) {
    out += fmt::format("<li><span class=\"chip {}\"><span aria-hidden=\"true\">{}</span> {}</span> {}</li>", cls, sym,
                       word, meaning);
  };
  item("v-supported", verdict_symbol(Verdict::Supported), "supported", "the kernel has it and it works here");
  item("v-unsupported", verdict_symbol(Verdict::Unsupported), "unsupported",
       "not built in, too old, or the syscall refuses it");
  item("v-restricted", verdict_symbol(Verdict::Restricted), "restricted",
       "exists, but policy forbids it (sysctl, LSM, limits)");
  item("v-faulty", verdict_symbol(Verdict::Faulty), "faulty",
       "kernel fault: the call said yes, yet no new namespace (both identities in the evidence)");
  item("o-pass", outcome_symbol(Outcome::Pass), "pass", "the guarantee held");
  item("o-fail", outcome_symbol(Outcome::Fail), "fail", "the kernel broke the guarantee");
  item("o-skip", outcome_symbol(Outcome::Skip), "skip", "not applicable here; the reason is one click away");
  item("o-broken", outcome_symbol(Outcome::Broken), "broken", "the test's own setup failed: not a kernel verdict");
  item("o-gap-confirmed", outcome_symbol(Outcome::GapConfirmed), "gap confirmed",
       "a known leak is there, as documented");
  item("o-gap-closed", outcome_symbol(Outcome::GapClosed), "gap closed", "a known leak no longer leaks: news");
  item("none", kNoDataSymbol, "no data", "the kernel has no result for this row");
  out += "</ul></details>\n";
}

}  // namespace

std::string html_report(const RunResults& run) {
  const html::Context ctx{run, support_rows(run), check_rows(run, false), metric_rows(run)};
  const std::string title = title_of(run);
  std::string out;
  out.reserve(256 * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n"
      // Nothing may load from anywhere: the page is complete as it is.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src "
      "data:\">\n";
  // Many kernels: narrower columns, so more of the matrix is in view at once.
  out +=
      fmt::format("<title>nsmatrix \u2014 {} \u2014 run {}</title>\n<style>\n{}</style>\n</head>\n<body{}>\n", h(title),
                  h(run.run_id()), html::stylesheet(), run.kernels.size() > kDenseFrom ? " class=\"dense\"" : "");
  out += "<a class=\"skip\" href=\"#main\">Skip to the report</a>\n<header class=\"top\">\n";
  out += fmt::format("<p class=\"brand\">nsmatrix <span>compatibility report</span></p>\n<h1>{}</h1>\n", h(title));
  std::string meta = fmt::format("run <code>{}</code>", h(run.run_id()));
  if (run.run) {
    const auto& r = *run.run;
    if (!r.hostname.empty())
      meta += fmt::format(
          " \u00B7 host <code>{}</code>{}", h(r.hostname),
          r.host_release.empty()
              ? ""
              : fmt::format(" ({}{})", h(r.host_release), r.host_cpus ? fmt::format(", {} CPUs", *r.host_cpus) : ""));
    if (!r.started.empty()) meta += fmt::format(" \u00B7 {}", h(describe_run_time(r.started, r.ended)));
    if (r.matrix && r.matrix->collected) {
      meta += " \u00B7 matrix collected from its directories";
    } else if (r.matrix) {
      std::string how;
      if (r.matrix->jobs) how += fmt::format("{} at a time", *r.matrix->jobs);
      if (!r.matrix->accel.empty()) how += fmt::format("{}accel {}", how.empty() ? "" : ", ", r.matrix->accel);
      if (!r.matrix->machine.empty()) how += fmt::format("{}machine {}", how.empty() ? "" : ", ", r.matrix->machine);
      if (r.matrix->timeout_seconds)
        how += fmt::format("{}timeout {}", how.empty() ? "" : ", ", format_seconds(*r.matrix->timeout_seconds));
      meta += fmt::format(" \u00B7 matrix: {}", h(how));
    }
    if (!r.tool_version.empty()) meta += fmt::format(" \u00B7 nsmatrix {}", h(r.tool_version));
  }
  out += fmt::format("<p class=\"meta\">{}</p>\n", meta);
  headline(out, ctx);
  out +=
      "</header>\n<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#support\">Support</a><a href=\"#guarantees\">"
      "Guarantees</a><a href=\"#gaps\">Gaps</a><a href=\"#costs\">Costs</a><a href=\"#changes\">What changed</a>"
      "<a href=\"#kernels\">Kernels</a></nav>\n<main id=\"main\">\n";
  problems_box(out, run);
  notes_box(out, run);
  legend(out);
  html::support_section(out, ctx);
  html::guarantees_section(out, ctx);
  html::gaps_section(out, ctx);
  html::costs_section(out, ctx);
  html::changes_section(out, ctx);
  html::kernels_section(out, ctx);
  out += "</main>\n<footer>Made by <code>nsmatrix report</code> from <code>";
  out += h(run.dir);
  out += "</code>. One file: no script, no network; it prints.</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace nsm::reports
