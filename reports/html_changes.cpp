// What changed: each kernel against the previous column, only the rows whose support
// verdict or outcome differs. Precomputed, so the page needs no script.
#include <algorithm>

#include <fmt/format.h>

#include "reports/html_parts.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

// Open every comparison when there are few; with many kernels a reader picks the pairs.
constexpr size_t kOpenPairsUpTo = 4;

std::string chip(const std::string& words) {
  if (auto v = verdict_from_name(words))
    return fmt::format("<span class=\"chip v-{0}\"><span aria-hidden=\"true\">{1}</span> {0}</span>", words,
                       verdict_symbol(*v));
  std::string token = words;
  std::replace(token.begin(), token.end(), ' ', '-');
  if (auto o = outcome_from_name(token))
    return fmt::format("<span class=\"chip o-{}\"><span aria-hidden=\"true\">{}</span> {}</span>", token,
                       outcome_symbol(*o), h(words));
  return h(words);
}

}  // namespace

void changes_section(std::string& out, const Context& ctx) {
  const auto& kernels = ctx.run.kernels;
  out += "<section id=\"changes\" aria-labelledby=\"changes-h\"><h2 id=\"changes-h\">What changed</h2>\n";
  if (kernels.size() < 2) {
    out +=
        "<p class=\"empty\">One kernel: nothing to compare. A matrix run compares each kernel with the previous "
        "one.</p>\n</section>\n";
    return;
  }
  out +=
      "<p class=\"lede\">Each kernel against the previous column: only the rows whose support or outcome differs. Rows "
      "one of the two kernels has no result for are left out; the reason is listed.</p>\n";
  const bool open = kernels.size() - 1 <= kOpenPairsUpTo;
  for (size_t i = 1; i < kernels.size(); ++i) {
    const auto& a = kernels[i - 1];
    const auto& b = kernels[i];
    const Changes changes = changes_between(ctx.run, a, b);
    const size_t n = changes.rows.size();
    out += fmt::format(
        "<details class=\"pair{}\"{}><summary><strong>{}</strong> \u2192 <strong>{}</strong>: {}</summary>\n",
        n == 0 ? " same" : "", open ? " open" : "", h(a.id), h(b.id),
        n > 0 ? fmt::format("<span class=\"count\">{} row{} differ{}</span>", n, n == 1 ? "" : "s", n == 1 ? "s" : "")
        : changes.missing.empty() ? std::string("no row differs")
                                  : std::string("nothing to compare"));
    for (const auto& m : changes.missing) out += fmt::format("<p class=\"muted\">No results: {}</p>\n", h(m));
    if (n > 0) {
      out += fmt::format(
          "<table class=\"diff\"><thead><tr><th scope=\"col\">row</th><th scope=\"col\">{}</th><th "
          "scope=\"col\">{}</th>"
          "</tr></thead><tbody>\n",
          h(a.id), h(b.id));
      for (const auto& c : changes.rows)
        out += fmt::format(
            "<tr><th scope=\"row\"><span class=\"title\">{}</span> <code class=\"id\">{}</code> "
            "<span class=\"muted\">{}</span></th><td>{}</td><td>{}</td></tr>\n",
            h(c.label), h(c.id), h(c.section), chip(c.before), chip(c.after));
      out += "</tbody></table>\n";
    }
    out += "</details>\n";
  }
  out += "</section>\n";
}

}  // namespace nsm::reports::html
