// nsm_reports_screenshot RESULTS OUT [WIDTH]: writes the reports of a results directory into
// OUT, opens OUT/report.html in headless Chromium and saves what a person would see: the
// whole page (light, dark, print) and each part of it (OUT/parts-<scheme>/<section>.png).
// Prints what went wrong while the page loaded, if anything (exit 1). For looking at the
// report of a real run, the way the browser test looks at the fixtures.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "reports/load.h"
#include "reports/report.h"
#include "tests/support/report_page.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s RESULTS OUT [WIDTH]\n", argv[0]);
    return 2;
  }
  using namespace nsm::reports;
  const std::string results = argv[1], out = argv[2];
  const int width = argc == 4 ? std::atoi(argv[3]) : 1400;
  try {
    const RunResults run = load_results(results);
    for (const auto& p : run.all_problems()) std::fprintf(stderr, "problem: %s\n", p.c_str());
    write_reports(run, out);
    const std::string chromium = testing::find_chromium();
    if (chromium.empty()) throw std::runtime_error("chromium not found (Debian package chromium, or set NSM_CHROMIUM)");
    testing::ReportBrowser browser(chromium);
    const auto page = browser.open(out + "/report.html", width);
    for (const auto& p : page.problems) std::fprintf(stderr, "page: %s\n", p.c_str());
    for (const char* scheme : {"light", "dark"}) {
      browser.screenshot(page, out + "/report-" + scheme + ".png", scheme);
      for (const auto& path : browser.part_screenshots(page, out + "/parts-" + scheme, scheme))
        std::printf("%s\n", path.c_str());
    }
    browser.screenshot(page, out + "/report-print.png", "light", "print");
    browser.close(page);
    return page.problems.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nsm_reports_screenshot: %s\n", e.what());
    return 3;
  }
}
