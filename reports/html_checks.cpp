// Guarantees and gaps: each conformance check x kernels with DESIGN.md's outcome words,
// counts per kernel, and a failure's message and output expandable in place. Gaps have
// their own table, so the leaks each kernel still has show at a glance.
#include <algorithm>
#include <initializer_list>
#include <unordered_map>

#include <fmt/format.h>

#include "core/results.h"
#include "reports/html_parts.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

constexpr Outcome kOutcomes[] = {Outcome::Pass,   Outcome::Fail,         Outcome::Skip,
                                 Outcome::Broken, Outcome::GapConfirmed, Outcome::GapClosed};

std::string outcome_cell(const CheckResult& c) {
  const std::string_view token = outcome_name(c.outcome);
  const std::string_view words = outcome_words(c.outcome);
  std::string tip(words);
  if (!c.reason.empty()) tip += ": " + c.reason;
  const bool has_detail = !c.reason.empty() || !c.message.empty();
  const std::string face =
      fmt::format("<span class=\"sym\" aria-hidden=\"true\">{}</span><span class=\"word\">{}</span>",
                  outcome_symbol(c.outcome), words);
  if (!has_detail) return fmt::format("<td class=\"c o-{}\" title=\"{}\">{}</td>", token, h(tip), face);
  std::string out = fmt::format("<td class=\"c o-{}\"><details{}><summary title=\"{}\">{}</summary><div class=\"ev\">",
                                token, "", h(tip), face);
  if (!c.reason.empty())
    out += fmt::format("<p class=\"why\">{}</p>", h(c.reason));
  else if (!c.message.empty())
    out += fmt::format("<p class=\"why\">{}</p>", h(failure_gist(c.message)));
  if (!c.message.empty()) out += fmt::format("<pre>{}</pre>", h(c.message));
  std::string foot;
  if (!c.test.empty()) foot += fmt::format("<code>{}</code>", h(c.test));
  if (c.duration_seconds)
    foot += fmt::format("{}{}", foot.empty() ? "" : " \u00B7 ", h(format_seconds(*c.duration_seconds)));
  if (!foot.empty()) out += fmt::format("<p class=\"muted\">{}</p>", foot);
  out += "</div></details>";
  // On paper nothing opens: what needs a look says why under its symbol.
  const std::string why = c.reason.empty() ? failure_gist(c.message, 120) : c.reason;
  if (c.outcome != Outcome::Pass && c.outcome != Outcome::GapConfirmed && !why.empty())
    out += fmt::format("<span class=\"print-why\">{}</span>", h(why));
  out += "</td>";
  return out;
}

// `badge`: say "differs" in words too; not needed where every row shown differs.
std::string check_header(const CheckRow& row, bool badge) {
  std::string out =
      fmt::format("<th scope=\"row\" class=\"rowh\"><span class=\"title\">{}</span><code class=\"id\">{}</code>",
                  h(row.title.empty() ? row.id : row.title), h(row.id));
  if (row.differs && badge)
    out += "<span class=\"differs-badge\" title=\"the kernels do not agree on this row\">\u2260 differs</span>";
  // Why the check exists (CVE, fixing commit, peer test), so a failure reads as what it reopens.
  if (!row.refs.empty()) {
    std::string refs;
    for (const auto& ref : row.refs)
      refs += fmt::format("{}<span class=\"ref\">{}</span>", refs.empty() ? "" : " \u00B7 ", h(ref));
    out += fmt::format("<span class=\"refs\">{}</span>", refs);
  }
  return out + "</th>";
}

// A row that passed on every kernel that ran the suite: with 100 checks and many kernels
// these are most rows, and they hide the few that need a look, so they fold away.
bool passed_everywhere(const Context& ctx, const CheckRow& row) {
  bool any = false;
  for (const auto& k : ctx.run.kernels) {
    if (!k.conformance) continue;
    const CheckResult* c = check_cell(k, row);
    if (!c || c->outcome != Outcome::Pass) return false;
    any = true;
  }
  return any;
}

std::string group_header(const Context& ctx, const std::optional<NsType>& type, int rows, int folded) {
  std::string name = "about no single type";
  if (type) {
    const auto& info = ns_info(*type);
    name = fmt::format("{} <span class=\"muted\">{} \u00B7 {}</span>", h(info.name), h(info.clone_flag_name),
                       h(info.isolates));
  }
  std::string count = fmt::format("{} check{}", rows, rows == 1 ? "" : "s");
  if (folded == rows)
    count += rows == 1 ? ", passed on every kernel" : ", all passed on every kernel";
  else if (folded > 0)
    count += fmt::format(", {} passed on every kernel (folded)", folded);
  return fmt::format(
      "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"{}\">{} <span class=\"gcount\">{}</span></th></tr>\n",
      ctx.run.kernels.size() + 1, name, count);
}

// `fold`: rows that passed everywhere get class "uniform" and hide until the reader asks.
// `counts`: rows of outcome counts under the kernels' names, so they line up with the cells.
void check_table(std::string& out, const Context& ctx, const std::vector<const CheckRow*>& rows, std::string_view label,
                 bool fold, const std::string& counts) {
  out += fmt::format(
      "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"matrix "
      "checks\">\n<thead><tr>"
      "<th scope=\"col\" class=\"corner\">check</th>",
      h(label));
  out += kernel_header_cells(ctx.run);
  out += "</tr></thead>\n<tbody class=\"counts\">\n" + counts + "</tbody>\n<tbody>\n";
  for (size_t begin = 0; begin < rows.size();) {
    size_t end = begin;
    int folded = 0;
    for (; end < rows.size() && rows[end]->type == rows[begin]->type; ++end)
      folded += fold && passed_everywhere(ctx, *rows[end]);
    out += group_header(ctx, rows[begin]->type, static_cast<int>(end - begin), folded);
    for (size_t i = begin; i < end; ++i) {
      const CheckRow* row = rows[i];
      std::string cls;
      if (row->differs)
        cls = "row-differs";
      else if (fold && passed_everywhere(ctx, *row))
        cls = "uniform";
      out += cls.empty() ? "<tr>" : fmt::format("<tr class=\"{}\">", cls);
      out += check_header(*row, !fold);
      for (const auto& k : ctx.run.kernels) {
        if (const CheckResult* c = check_cell(k, *row))
          out += outcome_cell(*c);
        else
          out += no_data_cell(k.conformance ? "this kernel's run has no such check"
                                            : no_data_reason(k, result_files::kConformance));
      }
      out += "</tr>\n";
    }
    begin = end;
  }
  out += "</tbody></table></div>\n";
}

// A bar per kernel, split by outcome: how a kernel did, before reading any row.
std::string outcome_stack(const OutcomeCounts& counts) {
  std::string out = "<div class=\"stack\" aria-hidden=\"true\">";
  for (Outcome o : kOutcomes)
    if (counts[o] > 0) out += fmt::format("<span class=\"o-{}\" style=\"flex:{}\"></span>", outcome_name(o), counts[o]);
  return out + "</div>";
}

// Outcome counts of the gap checks (gaps = true) or of the others, per kernel.
OutcomeCounts count_kind(const CheckFile& file, bool gaps) {
  OutcomeCounts counts;
  for (const auto& c : file.checks)
    if ((c.kind == CheckKind::Gap) == gaps) ++counts.n[static_cast<size_t>(c.outcome)];
  return counts;
}

// Rows of outcome counts (gap checks, or the others), one column per kernel: a bar, then
// a row per outcome. Numbers that need a look are loud.
std::string count_rows(const Context& ctx, bool gaps, std::initializer_list<Outcome> outcomes) {
  std::string out = "<tr class=\"share\"><th scope=\"row\" class=\"rowh\">per kernel</th>";
  for (const auto& k : ctx.run.kernels)
    out += k.conformance ? fmt::format("<td>{}</td>", outcome_stack(count_kind(*k.conformance, gaps)))
                         : no_data_cell(no_data_reason(k, result_files::kConformance));
  out += "</tr>\n";
  for (Outcome o : outcomes) {
    out += fmt::format(
        "<tr><th scope=\"row\" class=\"rowh\"><span class=\"chip o-{}\"><span aria-hidden=\"true\">{}</span> "
        "{}</span></th>",
        outcome_name(o), outcome_symbol(o), outcome_words(o));
    for (const auto& k : ctx.run.kernels) {
      if (!k.conformance) {
        out += "<td class=\"num zero\">\u2013</td>";
        continue;
      }
      const int n = count_kind(*k.conformance, gaps)[o];
      const bool loud = n > 0 && (o == Outcome::Fail || o == Outcome::Broken || o == Outcome::GapClosed ||
                                  o == Outcome::GapConfirmed);
      out += fmt::format("<td class=\"num{}\">{}</td>",
                         loud ? fmt::format(" loud o-{}", outcome_name(o)) : std::string(n ? "" : " zero"), n);
    }
    out += "</tr>\n";
  }
  return out;
}

// "all 9 kernels", "all but host", "build-6.12-no-time-ns, build-6.12-no-user-ns".
std::string which_kernels(const std::vector<std::string>& ids, size_t of) {
  if (ids.size() == of) return of == 1 ? "the kernel" : fmt::format("all {} kernels", of);
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + html_breakable(id);
  return out;
}

// Why checks were skipped: each reason once, with how often and on which kernels. A
// kernel's own release inside a reason (a /lib/modules path) does not make it a new one.
// A kernel without a namespace type shows here as "15 x time namespaces unsupported: ...".
void skip_reasons(std::string& out, const Context& ctx) {
  struct Reason {
    std::string key, text;
    int count = 0;
    std::vector<std::string> kernels;
  };
  std::vector<Reason> reasons;
  std::unordered_map<std::string, size_t> index;  // key -> position in reasons
  size_t with_checks = 0;
  int total = 0;
  for (const auto& k : ctx.run.kernels) {
    if (!k.conformance) continue;
    ++with_checks;
    const std::string release = k.release();
    for (const auto& c : k.conformance->checks) {
      if (c.outcome != Outcome::Skip) continue;
      ++total;
      // One pass (a replace per occurrence moves the rest each time: quadratic), and an
      // index by key (a search through every reason per skip: quadratic again).
      std::string key;
      if (release.size() > 3) {
        key.reserve(c.reason.size());
        size_t from = 0;
        for (size_t at = c.reason.find(release); at != std::string::npos; at = c.reason.find(release, from)) {
          key.append(c.reason, from, at - from).append("<release>");
          from = at + release.size();
        }
        key.append(c.reason, from);
      } else {
        key = c.reason;
      }
      auto [slot, fresh] = index.try_emplace(key, reasons.size());
      if (fresh) reasons.push_back(Reason{key, key, 0, {}});
      Reason* it = &reasons[slot->second];
      ++it->count;
      if (it->kernels.empty() || it->kernels.back() != k.id) it->kernels.push_back(k.id);
    }
  }
  if (reasons.empty()) return;
  std::stable_sort(reasons.begin(), reasons.end(), [](const Reason& a, const Reason& b) { return a.count > b.count; });
  std::string rows;
  for (const auto& r : reasons)
    rows += fmt::format("<tr><td class=\"num\">{}</td><td class=\"why-text\">{}</td><td>{}</td></tr>\n", r.count,
                        h(r.text.empty() ? "(no reason given)" : r.text), which_kernels(r.kernels, with_checks));
  out += fmt::format(
      "<details class=\"skips\" open><summary>Why checks were skipped: {} skip{}, {} reason{}</summary>"
      "<table class=\"reasons\"><thead><tr><th scope=\"col\">skips</th><th scope=\"col\">reason</th>"
      "<th scope=\"col\">on</th></tr></thead><tbody>\n{}</tbody></table></details>\n",
      total, total == 1 ? "" : "s", reasons.size(), reasons.size() == 1 ? "" : "s", rows);
}

}  // namespace

void guarantees_section(std::string& out, const Context& ctx) {
  out +=
      "<section id=\"guarantees\" aria-labelledby=\"guarantees-h\"><h2 id=\"guarantees-h\">Guarantees</h2>\n"
      "<p class=\"lede\">Each isolation guarantee, checked on each kernel. A skip is not a pass: open it for the "
      "reason. "
      "<em>broken</em> means the test's own setup failed, which says nothing about the kernel.</p>\n";
  std::vector<const CheckRow*> rows;
  int folded = 0;
  for (const auto& row : ctx.checks) {
    if (row.kind == CheckKind::Gap) continue;
    rows.push_back(&row);
    folded += passed_everywhere(ctx, row);
  }
  if (rows.empty()) {
    out += "<p class=\"empty\">No conformance results in this run.</p>\n</section>\n";
    return;
  }
  skip_reasons(out, ctx);
  // With one kernel every row is the story; with several, the rows where all passed fold
  // away. Folding needs no script: the checkbox shows them through CSS :has().
  const bool fold = folded > 0 && ctx.run.kernels.size() > 1;
  if (fold)
    out += fmt::format(
        "<p class=\"fold-toggle\"><label><input type=\"checkbox\" id=\"show-uniform\"> Show the {} of {} checks that "
        "passed on every kernel</label> <span class=\"muted\">(shown: the {} with a failure, a skip, or kernels that "
        "disagree)</span></p>\n",
        folded, rows.size(), rows.size() - folded);
  check_table(out, ctx, rows, "Guarantees", fold,
              count_rows(ctx, false, {Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Broken}));
  out += "</section>\n";
}

void gaps_section(std::string& out, const Context& ctx) {
  out +=
      "<section id=\"gaps\" aria-labelledby=\"gaps-h\"><h2 id=\"gaps-h\">Known gaps</h2>\n"
      "<p class=\"lede\">What namespaces do not isolate, because every container shares one kernel. "
      "<span class=\"chip o-gap-confirmed\"><span aria-hidden=\"true\">\u25C6</span> gap confirmed</span> means the "
      "leak is "
      "there, as documented; <span class=\"chip o-gap-closed\"><span aria-hidden=\"true\">\u2605</span> gap "
      "closed</span> "
      "means this kernel no longer leaks: news. The counts under each kernel say which leaks it still has.</p>\n";
  std::vector<const CheckRow*> rows;
  for (const auto& row : ctx.checks)
    if (row.kind == CheckKind::Gap) rows.push_back(&row);
  if (rows.empty()) {
    out += "<p class=\"empty\">No gap checks in this run.</p>\n</section>\n";
    return;
  }
  check_table(out, ctx, rows, "Known gaps", false,
              count_rows(ctx, true,
                         {Outcome::GapConfirmed, Outcome::GapClosed, Outcome::Fail, Outcome::Skip, Outcome::Broken}));
  out += "</section>\n";
}

}  // namespace nsm::reports::html
