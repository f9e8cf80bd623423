// Text for the writers: escaping for HTML, XML and Markdown, making foreign bytes (a
// guest's console) safe to show, and numbers written the same way in every output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nsm::reports {

// Valid UTF-8 (each invalid byte becomes U+FFFD), without terminal escape sequences or
// control characters other than newline and tab. For text that did not come from JSON.
std::string printable_text(std::string_view text);

// & < > " ' as entities; safe in element content and in quoted attributes.
std::string html_escape(std::string_view text);
// html_escape, minus the characters XML 1.0 forbids (controls other than tab, CR, LF).
std::string xml_escape(std::string_view text);
// One Markdown table cell or inline text: no line breaks, no markup, no raw HTML.
std::string md_escape(std::string_view text);
// Inline code in Markdown: backticks that cannot be closed early by the text.
std::string md_code(std::string_view text);

// Four significant digits, no exponent in the usual range: 312.5, 0.004123, 12346.
std::string format_number(double value);
// "1.8 s", "350 ms", "4.1 ms".
std::string format_seconds(double seconds);
// "+12.0%", "-3.4%", "+0.0%".
std::string format_percent(double percent);
// 100 * (value - base) / base; nullopt when base is zero.
std::optional<double> percent_change(double base, double value);

// Replaces every character outside [A-Za-z0-9_-] with '_' (KCIDB path parts, XML ids).
std::string identifier(std::string_view text);

}  // namespace nsm::reports
