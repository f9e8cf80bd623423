#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "reports/text.h"

namespace nsm::reports {

namespace {
constexpr double kLabelWidth = 170;  // the kernel names
constexpr double kPlotWidth = 330;
constexpr double kValueWidth = 130;  // "312.5 ± 8.1"
constexpr double kRow = 22;
constexpr double kTop = 6;
constexpr double kAxis = 24;

std::string fit(const std::string& label, size_t max) {
  if (label.size() <= max) return label;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
  return label.substr(0, cut) + "\u2026";
}
}  // namespace

double nice_step(double max_value, int max_ticks) {
  if (!(max_value > 0) || !std::isfinite(max_value) || max_ticks < 1) return 1;
  const double raw = max_value / max_ticks;
  // A denormal divided underflows to 0, whose logarithm is -inf: no step to be had.
  if (!(raw >= std::numeric_limits<double>::min())) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

namespace {

// Values the axis cannot carry (not finite, negative, too near zero or too near the
// largest double to add a spread to): the numbers as a list instead of a chart.
std::string values_as_text(const std::vector<Bar>& bars, const std::string& unit, const std::string& caption) {
  std::string out =
      fmt::format("<p class=\"unplottable\">{}: these values cannot be plotted</p><ul class=\"unplottable\">",
                  html_escape(caption));
  for (const auto& b : bars) {
    std::string value = format_number(b.value);
    if (b.spread) value += " \u00B1 " + format_spread(*b.spread);
    out += fmt::format("<li>{}: {} {}</li>", html_escape(b.label), html_escape(value), html_escape(unit));
  }
  return out + "</ul>";
}

bool plottable(const Bar& b) {
  const double spread = b.spread.value_or(0);
  return std::isfinite(b.value) && std::isfinite(spread) && b.value >= 0 && spread >= 0 && b.value < 1e300 &&
         spread < 1e300 && (b.value == 0 || b.value >= 1e-300);
}

}  // namespace

std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, const std::string& caption) {
  double top = 0;
  for (const auto& b : bars) {
    if (!plottable(b)) return values_as_text(bars, unit, caption);
    top = std::max(top, b.value + b.spread.value_or(0));
  }
  const double step = nice_step(top, 4);
  const double axis_max = std::max(step, std::ceil(top / step) * step);
  // nice_step gives at most 4 intervals, so at most 5 ticks; counted, never a float loop.
  const int ticks = static_cast<int>(std::min(10.0, std::round(axis_max / step)));
  const double width = kLabelWidth + kPlotWidth + kValueWidth;
  const double height = kTop + kRow * static_cast<double>(bars.size()) + kAxis;
  auto x = [&](double v) { return kLabelWidth + kPlotWidth * v / axis_max; };

  std::string out = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">\n", width,
      height, width, height, html_escape(caption));
  // Grid and axis labels.
  for (int i = 0; i <= ticks; ++i) {
    const double t = step * i;
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\"/>", x(t), kTop - 2,
                       height - kAxis + 2);
    out += fmt::format("<text class=\"tick\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x(t),
                       height - 8, html_escape(format_number(t)));
  }
  out += fmt::format("<text class=\"tick unit\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabelWidth - 8,
                     height - 8, html_escape(unit));
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double mid = y + kRow / 2;
    std::string value = format_number(b.value);
    if (b.spread) value += " \u00B1 " + format_spread(*b.spread);
    std::string tip = fmt::format("{}: {} {}", b.label, value, unit);
    if (!b.note.empty()) tip += " \u2014 " + b.note;
    out += fmt::format("<g><title>{}</title>", html_escape(tip));
    out += fmt::format(
        "<text class=\"label\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>",
        kLabelWidth - 8, mid, html_escape(fit(b.label, 24)));
    out += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" rx=\"2\"/>",
                       kLabelWidth, y + 4, std::max(1.0, x(b.value) - kLabelWidth), kRow - 8);
    if (b.spread && *b.spread > 0) {
      const double lo = x(std::max(0.0, b.value - *b.spread)), hi = x(b.value + *b.spread);
      out += fmt::format(
          "<path class=\"whisker\" d=\"M{0:.1f} {1:.1f}H{2:.1f}M{0:.1f} {3:.1f}V{4:.1f}M{2:.1f} {3:.1f}V{4:.1f}\"/>",
          lo, mid, hi, mid - 5, mid + 5);
    }
    out += fmt::format("<text class=\"value\" x=\"{:.1f}\" y=\"{:.1f}\" dominant-baseline=\"middle\">{}</text></g>\n",
                       kLabelWidth + kPlotWidth + 8, mid, html_escape(value));
  }
  out += "</svg>";
  return out;
}

}  // namespace nsm::reports
