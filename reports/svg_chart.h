// A horizontal bar chart as inline SVG: one bar per kernel, a whisker for the spread
// (± one standard deviation), the value written at the end of each bar, and a labelled
// axis from zero. Colours come from the page's CSS classes, so light and dark both work.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nsm::reports {

struct Bar {
  std::string label;  // the kernel
  double value = 0;
  std::optional<double> spread;  // one standard deviation
  std::string note;              // appended to the tooltip
};

// `caption` is the chart's accessible name; `unit` labels the axis.
std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, const std::string& caption);

// The axis: a round step (1, 2 or 5 times a power of ten) giving at most `max_ticks`
// intervals up to at least `max_value`.
double nice_step(double max_value, int max_ticks);

}  // namespace nsm::reports
