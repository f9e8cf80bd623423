#include "probes/probe_table.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace nsm {

namespace {

// Columns are padded by what a terminal shows, not by bytes: count UTF-8 code points.
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  const size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

struct Style {
  bool colour;
  std::string paint(std::string_view text, const char* code) const {
    return colour ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
  std::string verdict(Verdict v, std::string_view text, size_t width) const {
    const char* code = v == Verdict::Supported     ? "32"
                       : v == Verdict::Unsupported ? "31"
                       : v == Verdict::Faulty      ? "1;31"
                                                   : "33";
    return paint(pad(text, width), code);
  }
  std::string dim(std::string_view text) const { return paint(text, "2"); }
  std::string bold(std::string_view text) const { return paint(text, "1"); }
};

// The symbol carries the verdict without colour: ✔ supported, ✘ unsupported, ⊘ restricted,
// ⚡ faulty.
std::string verdict_cell(Verdict v) {
  const char* symbol = v == Verdict::Supported     ? "\u2714"
                       : v == Verdict::Unsupported ? "\u2718"
                       : v == Verdict::Faulty      ? "\u26A1"
                                                   : "\u2298";
  return fmt::format("{} {}", symbol, verdict_name(v));
}

std::string attempt_cell(const std::optional<Attempt>& a) {
  if (!a || !a->tried) return "\u2014";
  if (a->ok && a->faulty) return "ok, faked";
  if (a->ok) return "ok";
  if (a->err) return errno_name(a->err);
  return "no answer";
}

std::string kconfig_cell(const KconfigEvidence& k) {
  if (k.value == "builtin") return "(always built in)";
  if (k.value == "unknown") return fmt::format("{} ?", k.symbol);
  if (k.value == "absent") return fmt::format("{} absent", k.symbol);
  return fmt::format("{}={}", k.symbol, k.value);
}

// A table whose cells may carry colour codes: widths come from the plain text.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;   // plain text
  std::vector<std::vector<std::string>> notes;  // lines printed under each row
  std::vector<Verdict> verdicts;                // column 1 is the verdict
};

std::string render(const Table& t, const Style& style) {
  std::vector<size_t> width(t.header.size(), 0);
  for (size_t c = 0; c < t.header.size(); ++c) width[c] = display_width(t.header[c]);
  for (const auto& row : t.rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  std::string out = " ";
  for (size_t c = 0; c < t.header.size(); ++c)
    out += style.bold(c + 1 < t.header.size() ? pad(t.header[c], width[c]) + "  " : t.header[c]);
  out += "\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    out += " ";
    for (size_t c = 0; c < t.rows[r].size(); ++c) {
      const std::string cell =
          c == 1 ? style.verdict(t.verdicts[r], t.rows[r][c], width[c]) : pad(t.rows[r][c], width[c]);
      out += cell + (c + 1 < t.rows[r].size() ? "  " : "");
    }
    // No trailing spaces from the padding of the last column.
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
    for (const auto& note : t.notes[r]) out += fmt::format("   {}\n", style.dim(note));
  }
  return out;
}

}  // namespace

std::string render_probe_table(const ProbeReport& report, bool colour) {
  const Style style{colour};
  const bool running = report.mode == "running";
  std::string out;

  // Heading: what was judged, from which config, as whom.
  const auto& cfg = report.config;
  std::string config_words =
      cfg.value("found", false)
          ? fmt::format(
                "config {}{}", cfg["source"].get<std::string>(),
                cfg["header_version"].is_string() ? fmt::format(" ({})", cfg["header_version"].get<std::string>()) : "")
          : "no kernel config found" +
                (cfg["error"].is_string() ? fmt::format(" ({})", cfg["error"].get<std::string>()) : "");
  if (running) {
    out += style.bold(fmt::format("nsmatrix probe \u00b7 kernel {} {}", report.kernel.value("release", "?"),
                                  report.kernel.value("machine", "")));
    out += fmt::format(" \u00b7 {} \u00b7 uid {}\n\n", config_words, report.process.value("euid", -1));
  } else {
    out += style.bold("nsmatrix probe --config \u00b7 ") + config_words;
    out += fmt::format("\nconfig-only: verdicts from Kconfig and the version ({}) alone; nothing was run\n\n",
                       report.kernel["version"].is_string() ? report.kernel["version"].get<std::string>() : "unknown");
  }

  Table types;
  types.header =
      running ? std::vector<std::string>{"TYPE", "VERDICT", "KCONFIG", "/proc/self/ns", "SINCE", "AS ROOT", "ROOTLESS"}
              : std::vector<std::string>{"TYPE", "VERDICT", "KCONFIG", "SINCE"};
  for (const auto& p : report.namespaces) {
    const auto& info = ns_info(p.type);
    std::vector<std::string> row = {std::string(info.name), verdict_cell(p.verdict), kconfig_cell(p.kconfig)};
    if (running) row.push_back(p.proc_ns_present.value_or(false) ? "present" : "missing");
    row.push_back(std::string(info.first_version));
    if (running) {
      row.push_back(attempt_cell(p.attempt));
      row.push_back(attempt_cell(p.rootless));
    }
    std::vector<std::string> notes;
    if (p.verdict != Verdict::Supported) notes.push_back("\u2514 " + p.reason);
    if (running && p.verdict == Verdict::Supported && p.rootless && p.rootless->tried && !p.rootless->ok)
      notes.push_back(fmt::format("\u2514 rootless: {}: {} \u2014 {}", p.rootless->call, errno_name(p.rootless->err),
                                  p.rootless->meaning));
    for (const auto& d : p.disagreements) notes.push_back("! sources disagree: " + d);
    types.rows.push_back(std::move(row));
    types.notes.push_back(std::move(notes));
    types.verdicts.push_back(p.verdict);
  }
  out += render(types, style);

  Table features;
  features.header = {"FEATURE", "VERDICT", "WHY"};
  for (const auto& f : report.features) {
    const std::string title = f.first_version.empty() ? f.title : fmt::format("{} ({})", f.title, f.first_version);
    features.rows.push_back({title, verdict_cell(f.verdict), f.reason});
    features.notes.emplace_back();
    features.verdicts.push_back(f.verdict);
  }
  out += "\n" + render(features, style);

  if (running) {
    std::vector<std::string> not_initial, unknown;
    for (const auto& [name, entry] : report.process["initial_namespaces"].items()) {
      if (entry["initial"].is_null())
        unknown.push_back(name);
      else if (!entry["initial"].get<bool>())
        not_initial.push_back(name);
    }
    out += "\n";
    out += not_initial.empty()
               ? " This process is in the initial namespaces"
               : fmt::format(" This process is NOT in the initial {} namespaces", fmt::join(not_initial, ", "));
    out += unknown.empty() ? ".\n" : fmt::format(" (undecidable for {}).\n", fmt::join(unknown, ", "));
  }
  return out;
}

}  // namespace nsm
