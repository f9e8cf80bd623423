// The support matrix: namespace types and other probed features x kernels, caniuse-style.
// Row headers come from core/ns_types.h (flag, what it isolates, first kernel); each cell
// is a verdict with its symbol, and its evidence one click (or a hover) away.
#include <fmt/format.h>

#include "reports/html_parts.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

std::string attempt_text(const AttemptEvidence& a) {
  if (!a.tried) return "not tried";
  std::string text = fmt::format("<code>{}</code> ", h(a.call.empty() ? "?" : a.call));
  if (a.ok)
    text += "\u2192 worked";
  else
    text += fmt::format("\u2192 <strong>{}</strong>", h(a.err.value_or("failed")));
  if (!a.meaning.empty()) text += fmt::format(" <span class=\"muted\">({})</span>", h(a.meaning));
  if (a.uid) text += fmt::format(" <span class=\"muted\">as uid {}</span>", *a.uid);
  if (a.before)
    text += fmt::format("<br>identity {} \u2192 {}", h(*a.before), h(a.after.value_or("(new, no process yet)")));
  if (a.setns_after) text += fmt::format("; after setns back {}", h(*a.setns_after));
  if (a.fault) text += fmt::format("<br><strong>kernel fault:</strong> {}", h(*a.fault));
  return text;
}

std::string namespace_evidence(const NamespaceProbe& ns) {
  std::string out = "<dl>";
  auto row = [&](std::string_view term, const std::string& value) {
    out += fmt::format("<dt>{}</dt><dd>{}</dd>", term, value);
  };
  if (ns.kconfig) {
    const auto& k = *ns.kconfig;
    std::string value =
        k.line.empty() ? fmt::format("{} {}", h(k.symbol), h(k.value)) : fmt::format("<code>{}</code>", h(k.line));
    if (!k.source.empty()) value += fmt::format(" <span class=\"muted\">in {}</span>", h(k.source));
    row("Kconfig", value);
  }
  if (ns.proc_ns_present)
    row("proc", fmt::format("<code>{}</code> {}", h(ns.proc_ns_path.value_or("")),
                            *ns.proc_ns_present ? "present" : "<strong>absent</strong>"));
  if (ns.attempt) row("attempt", attempt_text(*ns.attempt));
  if (ns.rootless) row("rootless", attempt_text(*ns.rootless));
  if (ns.kernel_version || ns.first_version) {
    std::string value =
        fmt::format("{} (needs {})", h(ns.kernel_version.value_or("?")), h(ns.first_version.value_or("?")));
    if (ns.new_enough && !*ns.new_enough) value += " <strong>too old</strong>";
    row("version", value);
  }
  if (!ns.believed.empty()) row("verdict from", h(ns.believed));
  for (const auto& d : ns.disagreements) row("disagree", h(d));
  out += "</dl>";
  return out;
}

std::string feature_evidence(const FeatureProbe& f) {
  std::string out = "<dl>";
  for (const auto& [key, value] : f.evidence)
    out += fmt::format("<dt>{}</dt><dd><code>{}</code></dd>", h(key), h(value));
  if (!f.first_version.empty()) out += fmt::format("<dt>since</dt><dd>{}</dd>", h(f.first_version));
  out += "</dl>";
  return out;
}

std::string verdict_cell(const SupportCell& cell) {
  if (!cell.verdict) return no_data_cell(cell.why_none);
  const Verdict v = *cell.verdict;
  const std::string& reason = cell.ns ? cell.ns->reason : cell.feature->reason;
  std::string out = fmt::format(
      "<td class=\"c v-{0}\"><details><summary title=\"{0}: {1}\"><span class=\"sym\" aria-hidden=\"true\">{2}</span>"
      "<span class=\"word\">{0}</span></summary><div class=\"ev\">",
      verdict_name(v), h(reason), verdict_symbol(v));
  if (!reason.empty()) out += fmt::format("<p class=\"why\">{}</p>", h(reason));
  out += cell.ns ? namespace_evidence(*cell.ns) : feature_evidence(*cell.feature);
  out += "</div></details>";
  // On paper nothing opens: what is not supported says why under its symbol.
  if (v != Verdict::Supported && !reason.empty()) out += fmt::format("<span class=\"print-why\">{}</span>", h(reason));
  out += "</td>";
  return out;
}

std::string row_header(const SupportRow& row) {
  std::string out = "<th scope=\"row\" class=\"rowh\">";
  if (row.type) {
    const auto& info = ns_info(*row.type);
    out += fmt::format(
        "<span class=\"name\">{}</span> <code class=\"flag\">{}</code><span class=\"sub\">{} \u00B7 "
        "<span class=\"since\">since {}</span>",
        h(info.name), h(info.clone_flag_name), h(info.isolates), h(info.first_version));
  } else {
    out += fmt::format("<span class=\"name\">{}</span><span class=\"sub\"><code class=\"flag\">{}</code>", h(row.label),
                       h(row.feature_id));
    if (!row.first_version.empty())
      out += fmt::format(" \u00B7 <span class=\"since\">since {}</span>", h(row.first_version));
  }
  if (row.differs)
    out += "<span class=\"differs-badge\" title=\"the kernels do not agree on this row\">\u2260 differs</span>";
  out += "</span>";
  out += "</th>";
  return out;
}

}  // namespace

void support_section(std::string& out, const Context& ctx) {
  out +=
      "<section id=\"support\" aria-labelledby=\"support-h\"><h2 id=\"support-h\">Support matrix</h2>\n"
      "<p class=\"lede\">Which namespace types and related features each kernel has. Rows where kernels disagree are "
      "marked <span class=\"differs-badge\">\u2260 differs</span>. Open a cell for its evidence: the Kconfig line and "
      "where it "
      "came from, <code>/proc/self/ns</code>, and the errno of a real attempt.</p>\n";
  out +=
      "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Support matrix\"><table "
      "class=\"matrix\">\n<thead><tr>"
      "<th scope=\"col\" class=\"corner\">namespace type</th>";
  out += kernel_header_cells(ctx.run);
  out += "</tr></thead>\n<tbody>\n";
  bool features_started = false;
  for (const auto& row : ctx.support) {
    if (!row.type && !features_started) {
      features_started = true;
      out += fmt::format(
          "</tbody>\n<tbody><tr class=\"group\"><th scope=\"rowgroup\" colspan=\"{}\">other probed "
          "features</th></tr>\n",
          ctx.run.kernels.size() + 1);
    }
    out += fmt::format("<tr{}>", row.differs ? " class=\"row-differs\"" : "");
    out += row_header(row);
    for (const auto& k : ctx.run.kernels) out += verdict_cell(support_cell(k, row));
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n</section>\n";
}

}  // namespace nsm::reports::html
