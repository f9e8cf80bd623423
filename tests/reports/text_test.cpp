#include "reports/text.h"

#include <gtest/gtest.h>

#include "reports/svg_chart.h"

namespace nsm::reports {
namespace {

TEST(ReportText, HtmlEscapesEveryMarkupCharacter) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(ReportText, XmlDropsControlCharactersXmlForbids) {
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b\tc\nd\x1f",
                                   8)),
            "ab\tc\nd");
}

TEST(ReportText, PrintableTextRepairsUtf8AndStripsTerminalEscapes) {
  EXPECT_EQ(printable_text("\x1b[31mred\x1b[0m ok"), "red ok");
  EXPECT_EQ(printable_text("a\xff"
                           "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(printable_text("caf\xC3\xA9\r\n"), "caf\xC3\xA9\n");      // valid UTF-8 kept, CR dropped
  EXPECT_EQ(printable_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/' is not UTF-8
  EXPECT_EQ(printable_text("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST(ReportText, MarkdownEscapeKeepsATableCellOneCell) {
  EXPECT_EQ(md_escape("a|b\nc <x> *y*"), "a\\|b c &lt;x&gt; \\*y\\*");
  EXPECT_EQ(md_code("net.veth.pair-connects"), "`net.veth.pair-connects`");
  EXPECT_EQ(md_code("a`b"), "``a`b``");
  EXPECT_EQ(md_code("`x"), "`` `x ``");
}

TEST(ReportText, NumbersShowFourSignificantDigits) {
  EXPECT_EQ(format_number(312.5), "312.5");
  EXPECT_EQ(format_number(3120.0), "3120");
  EXPECT_EQ(format_number(12345.6), "12346");
  EXPECT_EQ(format_number(0.004123), "0.004123");
  EXPECT_EQ(format_number(8.1), "8.1");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(2.81e9), "2.810e+09");
  EXPECT_EQ(format_number(-1.5), "-1.5");
}

TEST(ReportText, SpreadsShowTwoSignificantDigits) {
  EXPECT_EQ(format_spread(0.06399), "0.064");
  EXPECT_EQ(format_spread(8.1), "8.1");
  EXPECT_EQ(format_spread(63.99), "64");
  EXPECT_EQ(format_spread(11392405), "11392405");
  EXPECT_EQ(format_spread(1.0), "1");
  EXPECT_EQ(format_spread(0), "0");
}

TEST(ReportText, SecondsAndPercentages) {
  EXPECT_EQ(format_seconds(0.004), "4 ms");
  EXPECT_EQ(format_seconds(1.8), "1.8 s");
  EXPECT_EQ(format_percent(12.04), "+12.0%");
  EXPECT_EQ(format_percent(-0.01), "+0.0%");
  EXPECT_EQ(format_percent(-3.45), "-3.5%");
  ASSERT_TRUE(percent_change(200, 250).has_value());
  EXPECT_DOUBLE_EQ(*percent_change(200, 250), 25.0);
  EXPECT_FALSE(percent_change(0, 1).has_value());
}

TEST(ReportText, UnitsScaleToFewDigits) {
  auto scaled = [](std::string_view unit, double v) {
    const auto s = unit_scale(unit, v);
    return format_number(v / s.divisor) + " " + s.unit;
  };
  EXPECT_EQ(scaled("us", 3120), "3.12 ms");
  EXPECT_EQ(scaled("us", 312.5), "312.5 us");
  EXPECT_EQ(scaled("us", 0.5), "500 ns");
  EXPECT_EQ(scaled("ns", 2.5e9), "2.5 s");
  EXPECT_EQ(scaled("B/s", 3.557e8), "355.7 MB/s");
  EXPECT_EQ(scaled("items/s", 12000), "12 k items/s");
  EXPECT_EQ(scaled("per_s", 5), "5 /s");
  EXPECT_EQ(scaled("furlongs", 1e7), "10000000 furlongs");
}

TEST(ReportText, RunTimesReadLikeWords) {
  EXPECT_EQ(describe_run_time("2026-11-29T10:00:00Z", "2026-11-29T10:07:41Z"), "2026-11-29 10:00 UTC, took 7 min 41 s");
  EXPECT_EQ(describe_run_time("2026-11-29T10:00:00Z", ""), "2026-11-29 10:00 UTC");
  EXPECT_EQ(describe_run_time("yesterday", "today"), "yesterday");
  EXPECT_FALSE(parse_utc_timestamp("2026-13-29T10:00:00Z"));
  EXPECT_EQ(format_duration(36), "36 s");
  EXPECT_EQ(format_duration(7505), "2 h 05 min");
}

TEST(ReportText, IdentifierKeepsOnlySafeCharacters) {
  EXPECT_EQ(identifier("veth.pair connects/1"), "veth_pair_connects_1");
  EXPECT_EQ(identifier(""), "_");
}

TEST(ReportChart, AxisStepsAreRound) {
  EXPECT_DOUBLE_EQ(nice_step(3120, 4), 1000);
  EXPECT_DOUBLE_EQ(nice_step(41.2, 4), 20);
  EXPECT_DOUBLE_EQ(nice_step(0.9, 4), 0.5);
  EXPECT_DOUBLE_EQ(nice_step(0, 4), 1);
}

TEST(ReportChart, EscapesLabelsAndDrawsOneBarPerKernel) {
  const std::string svg =
      bar_chart_svg({{"<k1>", 10, 1.0, ""}, {"k2", 20, std::nullopt, "note & more"}}, "us", "a \"chart\"");
  EXPECT_NE(svg.find("&lt;k1&gt;"), std::string::npos);
  EXPECT_NE(svg.find("note &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("aria-label=\"a &quot;chart&quot;\""), std::string::npos);
  size_t bars = 0;
  for (size_t at = svg.find("class=\"bar\""); at != std::string::npos; at = svg.find("class=\"bar\"", at + 1)) ++bars;
  EXPECT_EQ(bars, 2u);
  EXPECT_EQ(svg.find("<k1>"), std::string::npos);
}

}  // namespace
}  // namespace nsm::reports
