// Per kernel: release, source, config source, accelerator, boot and run times, status; for
// a kernel that did not finish, its status, the reason and the end of its console log.
#include <algorithm>

#include <fmt/format.h>

#include "core/results.h"
#include "reports/html_parts.h"
#include "reports/load.h"
#include "reports/symbols.h"

namespace nsm::reports::html {

namespace {

void item(std::string& out, std::string_view term, const std::string& value_html) {
  if (!value_html.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>", term, value_html);
}

std::string source_html(const KernelInfo& k) {
  std::string out = fmt::format("<strong>{}</strong>", h(k.source_type));
  for (const auto& [key, value] : k.source)
    out += fmt::format("<br><span class=\"muted\">{}</span> <code>{}</code>", h(key), h(value));
  return out;
}

std::string durations_html(const StatusInfo& s) {
  // In the order things happen, then anything else the run measured.
  static constexpr std::string_view kOrder[] = {"boot_seconds", "probe_seconds", "conformance_seconds", "bench_seconds",
                                                "total_seconds"};
  std::vector<std::pair<std::string, double>> ordered;
  for (auto name : kOrder)
    if (auto d = s.duration(name)) ordered.emplace_back(std::string(name), *d);
  for (const auto& [name, seconds] : s.durations)
    if (std::find(std::begin(kOrder), std::end(kOrder), name) == std::end(kOrder)) ordered.emplace_back(name, seconds);
  std::string out;
  for (const auto& [name, seconds] : ordered) {
    std::string label = name;
    if (label.size() > 8 && label.ends_with("_seconds")) label.resize(label.size() - 8);
    out += fmt::format("{}<span class=\"muted\">{}</span> {}", out.empty() ? "" : " \u00B7 ", h(label),
                       h(format_seconds(seconds)));
  }
  return out;
}

void kernel_card(std::string& out, const KernelResults& k) {
  const KernelStatus s = k.effective_status();
  out += fmt::format("<article class=\"kcard st-{}\" id=\"{}\"><h3>{} <span class=\"st st-{}\">{} {}</span></h3>\n",
                     status_name(s), kernel_anchor(k), h(k.id), status_name(s), status_symbol(s), status_name(s));
  const std::string reason = k.effective_reason();
  if (s != KernelStatus::Ok && !reason.empty()) out += fmt::format("<p class=\"reason\">{}</p>\n", h(reason));
  if (!k.problems.empty()) {
    out += "<ul class=\"problems\">";
    for (const auto& p : k.problems) out += fmt::format("<li><code>{}</code></li>", h(p));
    out += "</ul>\n";
  }
  // What was cut or repaired on the way in: the guest sent more than the host keeps, or
  // text that is not UTF-8. Findings in their own right, never silent.
  std::vector<std::string> notes = k.notes;
  if (k.status) notes.insert(notes.end(), k.status->limits.begin(), k.status->limits.end());
  if (!notes.empty()) {
    out += "<ul class=\"problems limits\">";
    for (const auto& n : notes) out += fmt::format("<li>{}</li>", h(n));
    out += "</ul>\n";
  }
  out += "<dl class=\"facts\">";
  item(out, "release", h(k.release()));
  if (k.kernel) {
    const auto& info = *k.kernel;
    item(out, "version", h(info.version));
    item(out, "source", source_html(info));
    item(out, "config", h(info.config_source));
    if (info.accel) {
      std::string accel =
          fmt::format("<span class=\"badge accel-{}\">{}</span>", accel_name(*info.accel), h(accel_label(*info.accel)));
      if (!info.qemu_version.empty()) accel += fmt::format(" QEMU {}", h(info.qemu_version));
      if (!info.machine.empty()) accel += fmt::format(" <code>{}</code>", h(info.machine));
      item(out, "accel", accel);
    }
    if (info.boot_seconds) item(out, "boot", h(format_seconds(*info.boot_seconds)));
  } else {
    item(out, result_files::kKernel, "<span class=\"muted\">none</span>");
  }
  if (k.status) {
    item(out, "times", durations_html(*k.status));
    if (k.status->guest_exit_code) item(out, "guest exit", fmt::format("{}", *k.status->guest_exit_code));
  }
  if (k.probe) {
    const auto& p = *k.probe;
    std::string probe = fmt::format("{} mode", h(p.mode));
    if (!p.machine.empty()) probe += fmt::format(", <code>{}</code>", h(p.machine));
    if (p.euid) probe += fmt::format(", euid {}", *p.euid);
    if (p.cap_sys_admin) probe += *p.cap_sys_admin ? ", CAP_SYS_ADMIN" : ", without CAP_SYS_ADMIN";
    item(out, "probe", probe);
    item(out, "config file",
         p.config_found ? fmt::format("<code>{}</code>{}", h(p.config_source),
                                      p.config_header_version.empty() ? "" : " (" + h(p.config_header_version) + ")")
                        : fmt::format("<strong>not found</strong> {}", h(p.config_error)));
    if (!p.uname_version.empty()) item(out, "uname -v", fmt::format("<code>{}</code>", h(p.uname_version)));
  }
  out += "</dl>\n";
  if (k.status && !k.status->splats.empty()) {
    const long count = std::max<long>(k.status->splat_count.value_or(0), static_cast<long>(k.status->splats.size()));
    out += fmt::format("<details class=\"splats\" open><summary>{} kernel splat{}{}</summary><ul>", count,
                       count == 1 ? "" : "s",
                       count > static_cast<long>(k.status->splats.size())
                           ? fmt::format(", the first {} listed", k.status->splats.size())
                           : "");
    for (const auto& sp : k.status->splats)
      out += fmt::format("<li><strong>{}</strong> <code>{}</code></li>", h(sp.kind), h(sp.line));
    out += "</ul></details>\n";
  }
  if (k.console_tail) {
    // The end of the console explains a kernel that did not finish; for one that did it
    // stays folded.
    // column-reverse: the box opens scrolled to its end, where a failed boot explains itself.
    out += fmt::format(
        "<details class=\"console\"{}><summary>console.log, {}</summary><div class=\"tail\" tabindex=\"0\">"
        "<pre>{}</pre></div></details>\n",
        s == KernelStatus::Ok ? "" : " open",
        k.console_truncated ? fmt::format("last {} lines", kConsoleTailLines) : "all", h(*k.console_tail));
  }
  out += "</article>\n";
}

}  // namespace

void kernels_section(std::string& out, const Context& ctx) {
  out +=
      "<section id=\"kernels\" aria-labelledby=\"kernels-h\"><h2 id=\"kernels-h\">Kernels</h2>\n<div "
      "class=\"kcards\">\n";
  for (const auto& k : ctx.run.kernels) kernel_card(out, k);
  out += "</div>\n</section>\n";
}

}  // namespace nsm::reports::html
