// report.html in headless Chromium: open a page and collect what went wrong while it
// loaded, evaluate checks in it, and take screenshots (the whole page, or one per part).
// Shared by the browser test and nsm_reports_screenshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/devtools_pipe.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports::testing {

class ReportBrowser {
 public:
  // Starts `chromium` with a fresh profile. Throws std::runtime_error.
  explicit ReportBrowser(const std::string& chromium);

  struct Page {
    std::string session, target;
    std::vector<std::string> problems;  // console errors, exceptions, requests, failed loads
  };

  // Opens `file` in a new tab `width` CSS pixels wide; Page::problems lists what went wrong.
  Page open(const std::string& file, int width = 1400);
  nlohmann::json eval(const Page& page, const std::string& js);
  // A full-page PNG (up to 16000 px high) in the colour scheme ("light", "dark") and medium
  // ("" or "print") given.
  void screenshot(const Page& page, const std::string& path, const std::string& scheme, const std::string& media = "");
  // PNGs of each part of the report: `top` (title and tiles) and each <section> by its id,
  // as `dir`/<part>.png, a tall part in pieces (<part>-2.png, ...). Returns the paths.
  std::vector<std::string> part_screenshots(const Page& page, const std::string& dir, const std::string& scheme);
  void close(const Page& page);

  DevToolsPipe& pipe() { return *pipe_; }

 private:
  void set_media(const Page& page, const std::string& scheme, const std::string& media);
  void capture(const Page& page, const std::string& path, const nlohmann::json& clip);

  std::unique_ptr<TempDir> profile_;
  std::unique_ptr<DevToolsPipe> pipe_;
};

}  // namespace nsm::reports::testing
