// Costs: for each benchmark figure, a table `value ± stddev | %change` against a baseline
// kernel (the 0-day robot's style) and a chart across kernels with the spread. Figures are
// always labelled native / KVM / TCG; kernels under different accelerators get separate
// charts with their own axes and are never compared, and TCG figures are marked emulated.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/results.h"
#include "reports/html_parts.h"
#include "reports/svg_chart.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

std::string accel_of(const KernelResults& k) { return k.accel() ? std::string(accel_name(*k.accel())) : "unknown"; }
std::string accel_words(const KernelResults& k) {
  return k.accel() ? std::string(accel_label(*k.accel())) : "accelerator unknown";
}

std::string change_text(const Metric& base, const Metric& m, bool lower_is_better) {
  const auto pct = percent_change(base.value, m.value);
  if (!pct) return "<span class=\"chg\">n/a</span>";
  const double diff = m.value - base.value;
  // A difference inside the two spreads is noise, not a change.
  if (base.stddev && m.stddev) {
    if (std::fabs(diff) <= *base.stddev + *m.stddev)
      return fmt::format("<span class=\"chg same\" title=\"within the spread of both runs\">\u2248 {}</span>",
                         format_percent(*pct));
    const bool worse = lower_is_better ? diff > 0 : diff < 0;
    return fmt::format(
        "<span class=\"chg {0}\" title=\"{0}, beyond the spread of both runs\">{1} <span "
        "class=\"tag\">{0}</span></span>",
        worse ? "worse" : "better", format_percent(*pct));
  }
  return fmt::format("<span class=\"chg\" title=\"no spread known: cannot tell noise from change\">{}</span>",
                     format_percent(*pct));
}

// One display unit per figure, from its largest value: every kernel's cell and the chart
// read in the same unit.
UnitScale row_scale(const Context& ctx, const MetricRow& row) {
  double largest = 0;
  for (const auto& k : ctx.run.kernels)
    if (const Metric* m = metric_cell(k, row)) largest = std::max(largest, std::fabs(m->value));
  return unit_scale(row.unit, largest);
}

std::string metric_value(const Metric& m, const UnitScale& scale) {
  std::string out = fmt::format("<span class=\"val\">{}</span>", h(format_number(m.value / scale.divisor)));
  if (m.stddev) out += fmt::format(" <span class=\"sd\">\u00B1 {}</span>", h(format_spread(*m.stddev / scale.divisor)));
  return out;
}

std::string metric_cell_html(const Context& ctx, const KernelResults& k, const MetricRow& row) {
  const Metric* m = metric_cell(k, row);
  if (!m) {
    if (k.bench) {
      if (const CheckResult* c = k.bench->find(row.check_id); c && c->outcome != Outcome::Pass)
        return fmt::format(
            "<td class=\"c o-{}\" title=\"{}: {}\"><span class=\"sym\" aria-hidden=\"true\">{}</span>"
            "<span class=\"word\">{}</span></td>",
            outcome_name(c->outcome), outcome_words(c->outcome), h(c->reason), outcome_symbol(c->outcome),
            outcome_words(c->outcome));
      return no_data_cell("this kernel's run has no such figure");
    }
    return no_data_cell(no_data_reason(k, result_files::kBench));
  }
  const UnitScale scale = row_scale(ctx, row);
  std::string tip =
      fmt::format("{} {} on {}, {}", format_number(m->value / scale.divisor), scale.unit, k.id, accel_words(k));
  if (m->repetitions) tip += fmt::format(", {} repetitions", *m->repetitions);
  std::string out =
      fmt::format("<td class=\"m accel-{}\" title=\"{}\">{}", accel_of(k), h(tip), metric_value(*m, scale));
  if (const KernelResults* base = baseline_for(ctx.run, k, row)) {
    out += "<br>" + change_text(*metric_cell(*base, row), *m, row.lower_is_better);
  } else {
    // A baseline only when some other kernel is compared with it.
    bool compared = false;
    for (const auto& other : ctx.run.kernels) compared |= baseline_for(ctx.run, other, row) == &k;
    if (compared) out += "<br><span class=\"chg base\">baseline</span>";
  }
  return out + "</td>";
}

std::string row_header(const MetricRow& row, const UnitScale& scale) {
  return fmt::format(
      "<th scope=\"row\" class=\"rowh\"><span class=\"title\">{}</span><code class=\"id\">{}</code>"
      "<span class=\"sub\">{} in {} \u00B7 {} is better</span></th>",
      h(row.check_title.empty() ? row.check_id : row.check_title), h(row.check_id), h(row.metric), h(scale.unit),
      row.lower_is_better ? "lower" : "higher");
}

void cost_table(std::string& out, const Context& ctx) {
  out +=
      "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Costs table\"><table class=\"matrix costs\">\n"
      "<thead><tr><th scope=\"col\" class=\"corner\">figure</th>";
  out += kernel_header_cells(ctx.run);
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : ctx.metrics) {
    out += "<tr>" + row_header(row, row_scale(ctx, row));
    for (const auto& k : ctx.run.kernels) out += metric_cell_html(ctx, k, row);
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
}

// Benchmarks that produced no figure on any kernel: only their outcomes can be shown.
void not_run_list(std::string& out, const Context& ctx) {
  std::string items;
  for (const auto& row : check_rows(ctx.run, true)) {
    bool measured = false;
    for (const auto& m : ctx.metrics) measured |= m.check_id == row.id;
    if (measured) continue;
    items += fmt::format("<li><code>{}</code> {}", h(row.id), h(row.title));
    // Kernels with the same outcome and reason together: one line, not twenty chips.
    std::vector<std::pair<const CheckResult*, std::vector<std::string>>> groups;
    for (const auto& k : ctx.run.kernels) {
      const CheckResult* c = check_cell(k, row);
      if (!c) continue;
      auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
        return g.first->outcome == c->outcome && g.first->reason == c->reason;
      });
      if (same == groups.end())
        groups.push_back({c, {k.id}});
      else
        same->second.push_back(k.id);
    }
    items += "<ul>";
    for (const auto& [c, ids] : groups) {
      std::string where;
      for (const auto& id : ids) where += (where.empty() ? "" : ", ") + id;
      const std::string on = ids.size() > 3 ? fmt::format("{} kernels", ids.size()) : where;
      items += fmt::format("<li><span class=\"chip o-{}\" title=\"{}\">{} {}</span> on {}{}</li>",
                           outcome_name(c->outcome), h(where), outcome_symbol(c->outcome), outcome_words(c->outcome),
                           h(on), c->reason.empty() ? "" : ": " + h(c->reason));
    }
    items += "</ul></li>";
  }
  if (!items.empty()) out += "<h3>Benchmarks without figures</h3><ul class=\"plain\">" + items + "</ul>\n";
}

void charts(std::string& out, const Context& ctx) {
  out += "<div class=\"figs\">\n";
  for (const auto& row : ctx.metrics) {
    const UnitScale scale = row_scale(ctx, row);
    out += fmt::format(
        "<figure class=\"costfig\"><figcaption><strong>{}</strong> <code>{}</code><span class=\"sub\">{} in {}, "
        "{} is better; whiskers: \u00B1 one standard deviation</span></figcaption>\n",
        h(row.check_title.empty() ? row.check_id : row.check_title), h(row.check_id), h(row.metric), h(scale.unit),
        row.lower_is_better ? "lower" : "higher");
    // One chart per accelerator, in the order the accelerators first appear.
    std::vector<std::string> order;
    std::map<std::string, std::vector<Bar>> groups;
    std::map<std::string, std::string> labels;
    for (const auto& k : ctx.run.kernels) {
      const Metric* m = metric_cell(k, row);
      if (!m) continue;
      const std::string accel = accel_of(k);
      if (!groups.count(accel)) order.push_back(accel), labels[accel] = accel_words(k);
      std::string note = accel_words(k);
      if (m->repetitions) note += fmt::format(", {} repetitions", *m->repetitions);
      std::optional<double> spread;
      if (m->stddev) spread = *m->stddev / scale.divisor;
      groups[accel].push_back({k.id, m->value / scale.divisor, spread, note});
    }
    for (const auto& accel : order) {
      const bool emulated = accel == "tcg";
      out += fmt::format(
          "<div class=\"accel-group g-{0}\"><p><span class=\"badge accel-{0}\">{1}</span>{2}{3}</p>\n", accel,
          h(labels[accel]),
          order.size() > 1 ? " <span class=\"muted\">its own axis: not comparable with the other chart</span>" : "",
          emulated ? " <span class=\"muted\">emulated: slower than hardware, compare only with each other</span>" : "");
      out += bar_chart_svg(groups[accel], scale.unit,
                           fmt::format("{} {} ({}), {}", row.check_id, row.metric, scale.unit, labels[accel]));
      out += "</div>\n";
    }
    out += "</figure>\n";
  }
  out += "</div>\n";
}

}  // namespace

void costs_section(std::string& out, const Context& ctx) {
  out += "<section id=\"costs\" aria-labelledby=\"costs-h\"><h2 id=\"costs-h\">Costs</h2>\n";
  out +=
      "<p class=\"lede\">What isolation costs on each kernel. A figure's name says what one repetition measured "
      "(<code>time</code> the mean iteration, <code>time_median</code> the median one, <code>rtt_p99</code> a "
      "percentile); "
      "the value is its mean over the repetitions, \u00B1 their standard deviation. %change is against the first "
      "kernel in "
      "column order that ran under the same accelerator (its <em>baseline</em>); a change within both spreads is "
      "marked "
      "\u2248. Figures under TCG come from an emulator: far slower than hardware, they only compare with each "
      "other.</p>\n";
  // "quick (TCG (emulated)) on all 8 kernels" when they agree, else each kernel's.
  std::string modes;
  std::set<std::string> distinct;
  int with_mode = 0;
  for (const auto& k : ctx.run.kernels)
    if (k.bench && !k.bench->mode.empty()) {
      const std::string mode = fmt::format("{} ({})", h(k.bench->mode), h(accel_words(k)));
      modes += fmt::format("{}<code>{}</code> {}", modes.empty() ? "" : ", ", h(k.id), mode);
      distinct.insert(mode);
      ++with_mode;
    }
  if (distinct.size() == 1 && with_mode > 1)
    modes = fmt::format("{} on all {} kernels with benchmarks", *distinct.begin(), with_mode);
  if (!modes.empty()) out += fmt::format("<p class=\"muted\">Benchmark mode: {}.</p>\n", modes);
  if (ctx.metrics.empty()) {
    out += "<p class=\"empty\">No benchmark figures in this run.</p>\n";
  } else {
    cost_table(out, ctx);
    charts(out, ctx);
  }
  not_run_list(out, ctx);
  out += "</section>\n";
}

}  // namespace nsm::reports::html
