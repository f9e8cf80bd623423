#include "reports/text.h"

#include <cmath>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>

#include "core/utf8.h"

namespace nsm::reports {

namespace {

// Skips an ANSI escape sequence starting at the ESC at `i`; returns the index after it.
size_t skip_escape(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '[') {
    ++j;
    while (j < s.size() && !(s[j] >= 0x40 && s[j] <= 0x7E)) ++j;
    return j < s.size() ? j + 1 : j;
  }
  return j < s.size() ? j + 1 : j;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

std::string escape_markup(std::string_view text, bool xml) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    // Bytes that are not UTF-8 (a guest's, a file name's) would make the page or the XML
    // ill-formed: each becomes U+FFFD.
    if (c >= 0x80) {
      const size_t len = utf8_sequence(text, i);
      if (len == 0 || is_xml_nonchar(text, i, len)) {
        out += kReplacement;
      } else {
        out.append(text.substr(i, len));
        i += len - 1;
      }
      continue;
    }
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (xml && c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;
        out += ch;
    }
  }
  return out;
}

}  // namespace

std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1B) {
      i = skip_escape(text, i);
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      if (c == '\n' || c == '\t') out += static_cast<char>(c);
      ++i;
      continue;
    }
    const size_t len = utf8_sequence(text, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string html_escape(std::string_view text) { return escape_markup(text, false); }

std::string xml_escape(std::string_view text) { return escape_markup(text, true); }

std::string html_breakable(std::string_view text) {
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '-' && text[i] != '+' && text[i] != '.' && text[i] != '_' && text[i] != '/') continue;
    out += html_escape(text.substr(start, i + 1 - start));
    if (i + 1 < text.size()) out += "<wbr>";
    start = i + 1;
  }
  return out + html_escape(text.substr(start));
}

namespace {

// "/work/src/net.cpp:117": where GoogleTest says an assertion failed.
bool is_location_line(std::string_view line) {
  const auto colon = line.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == line.size() || line.find(' ') != std::string_view::npos)
    return false;
  for (char c : line.substr(colon + 1))
    if (c < '0' || c > '9') return false;
  return true;
}

// Cuts at `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "\u2026";
}

}  // namespace

std::string failure_gist(std::string_view message, size_t max) {
  std::string out;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line == "Failed" || is_location_line(line)) continue;
    if (!out.empty()) out += ' ';
    out += line;
  }
  return cut_utf8(std::move(out), max);
}

std::string md_escape(std::string_view raw) {
  const std::string text = valid_utf8(raw);
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
      case '~':
        out += '\\';
        out += ch;
        break;
      default:
        if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
    }
  }
  return out;
}

std::string md_code(std::string_view raw) {
  const std::string text = valid_utf8(raw);
  // A run of backticks one longer than any inside; pipes still end a table cell, so they
  // become a look-alike.
  size_t longest = 0, run = 0;
  std::string body;
  for (char ch : text) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (ch == '\n' || ch == '\r' || ch == '\t')
      body += ' ';
    else if (ch == '|')
      body += "\xE2\x88\xA3";  // U+2223 DIVIDES
    else if (static_cast<unsigned char>(ch) >= 0x20)
      body += ch;
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string format_number(double value) {
  if (value == 0) return "0";
  if (!std::isfinite(value)) return fmt::format("{}", value);  // "inf", "nan": no digits to count
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9 || magnitude < 1e-4) return fmt::format("{:.3e}", value);
  // Digits after the point so that four significant digits show, none past the point for
  // numbers of four digits and more.
  const int integer_digits = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
  const int decimals = std::max(0, 4 - integer_digits);
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string format_spread(double value) {
  if (value == 0) return "0";
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9 || magnitude < 1e-4) return fmt::format("{:.1e}", value);
  const int integer_digits = static_cast<int>(std::floor(std::log10(magnitude))) + 1;
  if (integer_digits >= 2) return fmt::format("{:.0f}", value);
  std::string text = fmt::format("{:.{}f}", value, 2 - integer_digits);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string format_seconds(double seconds) {
  if (seconds < 1.0) return format_number(seconds * 1000.0) + " ms";
  return format_number(seconds) + " s";
}

std::string format_percent(double percent) {
  std::string text = fmt::format("{:+.1f}%", percent);
  if (text == "-0.0%") text = "+0.0%";
  return text;
}

std::optional<double> percent_change(double base, double value) {
  if (base == 0) return std::nullopt;
  return 100.0 * (value - base) / base;
}

UnitScale unit_scale(std::string_view unit, double largest) {
  struct Step {
    std::string_view name;
    double factor;
  };
  static constexpr Step kTimes[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  const double magnitude = std::fabs(largest);
  for (const auto& from : kTimes) {
    if (from.name != unit) continue;
    const Step* best = &kTimes[0];
    for (const auto& to : kTimes)
      if (magnitude * from.factor / to.factor >= 1) best = &to;
    return {best->factor / from.factor, std::string(best->name)};
  }
  const bool bytes = unit == "B/s";
  const std::string rate = unit == "per_s" ? "/s" : std::string(unit);
  if (bytes || unit == "items/s" || unit == "per_s") {
    static constexpr Step kPrefixes[] = {{"", 1}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}};
    const Step* best = &kPrefixes[0];
    for (const auto& p : kPrefixes)
      if (magnitude / p.factor >= 1) best = &p;
    std::string name = bytes || rate == "/s" ? std::string(best->name) + rate
                                             : (best->name.empty() ? rate : std::string(best->name) + " " + rate);
    return {best->factor, name};
  }
  return {1, std::string(unit)};
}

std::optional<long long> parse_utc_timestamp(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 ||
      *se > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *se;
  return static_cast<long long>(::timegm(&tm));
}

std::string format_duration(long long seconds) {
  if (seconds < 60) return fmt::format("{} s", seconds);
  if (seconds < 3600) return fmt::format("{} min {} s", seconds / 60, seconds % 60);
  return fmt::format("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60);
}

std::string describe_run_time(std::string_view started, std::string_view ended) {
  const auto from = parse_utc_timestamp(started);
  if (!from) return std::string(started);
  std::string text = fmt::format("{} {} UTC", started.substr(0, 10), started.substr(11, 5));
  if (const auto to = parse_utc_timestamp(ended); to && *to >= *from) text += ", took " + format_duration(*to - *from);
  return text;
}

std::string identifier(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    out += ok ? ch : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace nsm::reports
