// Guarantees and gaps: each conformance check x kernels with DESIGN.md's outcome words,
// counts per kernel, and a failure's message and output expandable in place. Gaps have
// their own table, so the leaks each kernel still has show at a glance.
#include <fmt/format.h>

#include "reports/html_parts.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

constexpr Outcome kOutcomes[] = {Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Broken, Outcome::GapConfirmed, Outcome::GapClosed};

std::string outcome_cell(const CheckResult& c) {
  const std::string_view token = outcome_name(c.outcome);
  const std::string_view words = outcome_words(c.outcome);
  std::string tip(words);
  if (!c.reason.empty()) tip += ": " + c.reason;
  const bool has_detail = !c.reason.empty() || !c.message.empty();
  const std::string face = fmt::format("<span class=\"sym\" aria-hidden=\"true\">{}</span><span class=\"word\">{}</span>",
                                       outcome_symbol(c.outcome), words);
  if (!has_detail) return fmt::format("<td class=\"c o-{}\" title=\"{}\">{}</td>", token, h(tip), face);
  std::string out = fmt::format("<td class=\"c o-{}\"><details{}><summary title=\"{}\">{}</summary><div class=\"ev\">", token,
                                "", h(tip), face);
  if (!c.reason.empty()) out += fmt::format("<p class=\"why\">{}</p>", h(c.reason));
  if (!c.message.empty()) out += fmt::format("<pre>{}</pre>", h(c.message));
  std::string foot;
  if (!c.test.empty()) foot += fmt::format("<code>{}</code>", h(c.test));
  if (c.duration_seconds) foot += fmt::format("{}{}", foot.empty() ? "" : " \u00B7 ", h(format_seconds(*c.duration_seconds)));
  if (!foot.empty()) out += fmt::format("<p class=\"muted\">{}</p>", foot);
  out += "</div></details>";
  if (c.outcome != Outcome::Pass && c.outcome != Outcome::GapConfirmed && !c.reason.empty())
    out += fmt::format("<span class=\"print-why\">{}</span>", h(c.reason));
  out += "</td>";
  return out;
}

std::string check_header(const CheckRow& row) {
  std::string out = fmt::format("<th scope=\"row\" class=\"rowh\"><span class=\"title\">{}</span><code class=\"id\">{}</code>",
                                h(row.title.empty() ? row.id : row.title), h(row.id));
  if (row.differs) out += "<span class=\"differs-badge\" title=\"the kernels do not agree on this row\">\u2260 differs</span>";
  return out + "</th>";
}

void check_table(std::string& out, const Context& ctx, const std::vector<const CheckRow*>& rows, std::string_view label) {
  out += fmt::format("<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"matrix checks\">\n<thead><tr>"
                     "<th scope=\"col\" class=\"corner\">check</th>",
                     h(label));
  out += kernel_header_cells(ctx.run);
  out += "</tr></thead>\n<tbody>\n";
  std::optional<NsType> group;
  bool first = true;
  for (const CheckRow* row : rows) {
    if (first || row->type != group) {
      group = row->type;
      std::string name = "about no single type";
      if (group) {
        const auto& info = ns_info(*group);
        name = fmt::format("{} <span class=\"muted\">{} \u00B7 {}</span>", h(info.name), h(info.clone_flag_name), h(info.isolates));
      }
      out += fmt::format("<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"{}\">{}</th></tr>\n", ctx.run.kernels.size() + 1, name);
      first = false;
    }
    out += fmt::format("<tr{}>", row->differs ? " class=\"row-differs\"" : "");
    out += check_header(*row);
    for (const auto& k : ctx.run.kernels) {
      if (const CheckResult* c = check_cell(k, *row)) out += outcome_cell(*c);
      else out += no_data_cell(k.conformance ? "this kernel's run has no such check" : no_data_reason(k, "conformance.json"));
    }
    out += "</tr>\n";
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

void counts_table(std::string& out, const Context& ctx) {
  out += "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Outcomes per kernel\"><table class=\"matrix counts\">\n"
         "<thead><tr><th scope=\"col\" class=\"corner\">outcome</th>";
  out += kernel_header_cells(ctx.run);
  out += "</tr></thead>\n<tbody><tr><th scope=\"row\" class=\"rowh\">share</th>";
  for (const auto& k : ctx.run.kernels)
    out += k.conformance ? fmt::format("<td>{}</td>", outcome_stack(count_outcomes(*k.conformance)))
                         : no_data_cell(no_data_reason(k, "conformance.json"));
  out += "</tr>\n";
  for (Outcome o : kOutcomes) {
    out += fmt::format("<tr><th scope=\"row\" class=\"rowh\"><span class=\"chip o-{}\"><span aria-hidden=\"true\">{}</span> {}</span></th>",
                       outcome_name(o), outcome_symbol(o), outcome_words(o));
    for (const auto& k : ctx.run.kernels) {
      if (!k.conformance) {
        out += no_data_cell(no_data_reason(k, "conformance.json"));
        continue;
      }
      const int n = count_outcomes(*k.conformance)[o];
      const bool loud = n > 0 && (o == Outcome::Fail || o == Outcome::Broken || o == Outcome::GapClosed);
      out += fmt::format("<td class=\"num{}\">{}</td>", loud ? fmt::format(" loud o-{}", outcome_name(o)) : std::string(n ? "" : " zero"), n);
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

}  // namespace

void guarantees_section(std::string& out, const Context& ctx) {
  out += "<section id=\"guarantees\" aria-labelledby=\"guarantees-h\"><h2 id=\"guarantees-h\">Guarantees</h2>\n"
         "<p class=\"lede\">Each isolation guarantee, checked on each kernel. A skip is not a pass: open it for the reason. "
         "<em>broken</em> means the test's own setup failed, which says nothing about the kernel.</p>\n";
  counts_table(out, ctx);
  std::vector<const CheckRow*> rows;
  for (const auto& row : ctx.checks)
    if (row.kind != CheckKind::Gap) rows.push_back(&row);
  if (rows.empty()) out += "<p class=\"empty\">No conformance results in this run.</p>\n";
  else check_table(out, ctx, rows, "Guarantees");
  out += "</section>\n";
}

void gaps_section(std::string& out, const Context& ctx) {
  out += "<section id=\"gaps\" aria-labelledby=\"gaps-h\"><h2 id=\"gaps-h\">Known gaps</h2>\n"
         "<p class=\"lede\">What namespaces do not isolate, because every container shares one kernel. "
         "<span class=\"chip o-gap-confirmed\"><span aria-hidden=\"true\">\u25C6</span> gap confirmed</span> means the leak is "
         "there, as documented; <span class=\"chip o-gap-closed\"><span aria-hidden=\"true\">\u2605</span> gap closed</span> "
         "means this kernel no longer leaks: news.</p>\n";
  std::vector<const CheckRow*> rows;
  for (const auto& row : ctx.checks)
    if (row.kind == CheckKind::Gap) rows.push_back(&row);
  if (rows.empty()) {
    out += "<p class=\"empty\">No gap checks in this run.</p>\n</section>\n";
    return;
  }
  // Open leaks per kernel, first: the answer to "what still leaks here".
  out += "<ul class=\"leaks\">";
  for (const auto& k : ctx.run.kernels) {
    out += fmt::format("<li><a href=\"#{}\">{}</a> ", kernel_anchor(k), h(k.id));
    if (!k.conformance) {
      out += fmt::format("<span class=\"muted\">no data ({})</span></li>", h(no_data_reason(k, "conformance.json")));
      continue;
    }
    int open = 0, closed = 0, other = 0;
    for (const CheckRow* row : rows) {
      const CheckResult* c = check_cell(k, *row);
      if (!c) continue;
      open += c->outcome == Outcome::GapConfirmed;
      closed += c->outcome == Outcome::GapClosed;
      other += c->outcome != Outcome::GapConfirmed && c->outcome != Outcome::GapClosed;
    }
    out += fmt::format("<span class=\"chip o-gap-confirmed\">\u25C6 {} open</span>", open);
    if (closed) out += fmt::format(" <span class=\"chip o-gap-closed\">\u2605 {} closed</span>", closed);
    if (other) out += fmt::format(" <span class=\"muted\">{} not checked (skip or broken)</span>", other);
    out += "</li>";
  }
  out += "</ul>\n";
  check_table(out, ctx, rows, "Known gaps");
  out += "</section>\n";
}

}  // namespace nsm::reports::html
