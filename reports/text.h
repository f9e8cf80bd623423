// Text for the writers: escaping for HTML, XML and Markdown, making foreign bytes (a
// guest's console) safe to show, and numbers written the same way in every output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/utf8.h"

namespace nsm::reports {

// Valid UTF-8 (each invalid byte becomes U+FFFD), without terminal escape sequences or
// control characters other than newline and tab. For text that did not come from JSON.
std::string printable_text(std::string_view text);

// & < > " ' as entities; safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);
// html_escape, with a line-break opportunity (<wbr>) after each '-', '+', '.', '_' and '/':
// "6.12.117+deb13-cloud-amd64" wraps between its parts in a narrow column, never mid-word.
std::string html_breakable(std::string_view text);
// html_escape, minus the characters XML 1.0 forbids (controls other than tab, CR, LF).
std::string xml_escape(std::string_view text);
// One Markdown table cell or inline text: no line breaks, no markup, no raw HTML.
std::string md_escape(std::string_view text);
// Inline code in Markdown: backticks that cannot be closed early by the text.
std::string md_code(std::string_view text);

// The gist of a failure's text in one line of at most `max` bytes: GoogleTest's
// "file:line" and "Failed" lines dropped, whitespace collapsed, an ellipsis when cut.
std::string failure_gist(std::string_view message, size_t max = 200);

// Four significant digits, no exponent in the usual range: 312.5, 0.004123, 12346.
std::string format_number(double value);
// A spread (a standard deviation) needs two significant digits, no more: 0.064, 8.1, 95.
std::string format_spread(double value);
// "1.8 s", "350 ms", "4.1 ms".
std::string format_seconds(double seconds);
// "+12.0%", "-3.4%", "+0.0%".
std::string format_percent(double percent);
// 100 * (value - base) / base; nullopt when base is zero.
std::optional<double> percent_change(double base, double value);

// A display unit for figures given in `unit`, chosen so that `largest` reads with one to
// three integer digits: 3120 us -> ms (divide by 1000), 3.6e8 B/s -> MB/s. Units it does not
// know stay as they are.
struct UnitScale {
  double divisor = 1;
  std::string unit;
};
UnitScale unit_scale(std::string_view unit, double largest);

// "2026-11-29T09:11:34Z" as seconds since the epoch; nullopt for anything else.
std::optional<long long> parse_utc_timestamp(std::string_view text);
// "36 s", "7 min 41 s", "2 h 05 min".
std::string format_duration(long long seconds);
// "2026-11-29 09:11 UTC, 36 s" from run.json's started and ended; the text as written when
// it is not an ISO 8601 UTC time.
std::string describe_run_time(std::string_view started, std::string_view ended);

// Replaces every character outside [A-Za-z0-9_-] with '_' (KCIDB path parts, XML ids).
std::string identifier(std::string_view text);

}  // namespace nsm::reports
