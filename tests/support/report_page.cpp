#include "tests/support/report_page.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace nsm::reports::testing {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

constexpr double kMaxShotHeight = 16000;

}  // namespace

ReportBrowser::ReportBrowser(const std::string& chromium) : profile_(std::make_unique<TempDir>()) {
  pipe_ = std::make_unique<DevToolsPipe>(DevToolsPipe::launch(chromium, profile_->path()));
}

ReportBrowser::Page ReportBrowser::open(const std::string& file, int width) {
  auto& b = *pipe_;
  Page page;
  page.target = b.call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
  page.session = b.call("Target.attachToTarget", {{"targetId", page.target}, {"flatten", true}})["sessionId"];
  for (const char* domain : {"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"})
    b.call(domain, json::object(), page.session);
  b.call("Emulation.setDeviceMetricsOverride",
         {{"width", width}, {"height", 900}, {"deviceScaleFactor", 1}, {"mobile", false}}, page.session);
  const std::string url = "file://" + fs::absolute(file).string();
  b.call("Page.navigate", {{"url", url}}, page.session);
  b.wait_event("Page.loadEventFired", page.session);
  b.call("Runtime.evaluate", {{"expression", "1"}}, page.session);  // every load-time event is in by now
  for (const auto& e : b.events()) {
    if (e.value("sessionId", "") != page.session) continue;
    const std::string method = e.value("method", "");
    const json& p = e.value("params", json::object());
    if (method == "Runtime.exceptionThrown") page.problems.push_back("exception: " + p["exceptionDetails"].dump());
    if (method == "Runtime.consoleAPICalled" && (p["type"] == "error" || p["type"] == "assert"))
      page.problems.push_back("console." + p["type"].get<std::string>() + ": " + p["args"].dump());
    if (method == "Log.entryAdded" && p["entry"]["level"] == "error")
      page.problems.push_back("log: " + p["entry"]["text"].get<std::string>());
    if (method == "Network.requestWillBeSent" && p["request"]["url"] != url)
      page.problems.push_back("request: " + p["request"]["url"].get<std::string>());
    if (method == "Network.loadingFailed") page.problems.push_back("load failed: " + p.value("errorText", ""));
  }
  return page;
}

json ReportBrowser::eval(const Page& page, const std::string& js) {
  const json r = pipe_->call("Runtime.evaluate", {{"expression", js}, {"returnByValue", true}}, page.session);
  if (r.contains("exceptionDetails")) throw std::runtime_error("evaluate: " + r["exceptionDetails"].dump());
  return r["result"].value("value", json());
}

void ReportBrowser::set_media(const Page& page, const std::string& scheme, const std::string& media) {
  pipe_->call("Emulation.setEmulatedMedia",
              {{"media", media}, {"features", {{{"name", "prefers-color-scheme"}, {"value", scheme}}}}}, page.session);
}

void ReportBrowser::capture(const Page& page, const std::string& path, const json& clip) {
  const json shot = pipe_->call("Page.captureScreenshot",
                                {{"format", "png"}, {"captureBeyondViewport", true}, {"clip", clip}}, page.session);
  spit(path, base64_decode(shot["data"]));
}

void ReportBrowser::screenshot(const Page& page, const std::string& path, const std::string& scheme,
                               const std::string& media) {
  set_media(page, scheme, media);
  const json metrics = pipe_->call("Page.getLayoutMetrics", json::object(), page.session);
  const double width = metrics["cssContentSize"]["width"], height = metrics["cssContentSize"]["height"];
  capture(page, path,
          {{"x", 0}, {"y", 0}, {"width", width}, {"height", std::min(height, kMaxShotHeight)}, {"scale", 1}});
}

std::vector<std::string> ReportBrowser::part_screenshots(const Page& page, const std::string& dir,
                                                         const std::string& scheme) {
  set_media(page, scheme, "");
  fs::create_directories(dir);
  const json parts = eval(page, R"JS([...document.querySelectorAll('header.top, main > section')].map(e => {
      const r = e.getBoundingClientRect();
      return {name: e.id || 'top', x: 0, y: r.top + window.scrollY, width: document.documentElement.scrollWidth, height: r.height};
    }))JS");
  // A tall part comes in pieces a person can look at: name.png, name-2.png, ...
  constexpr double kPiece = 1500;
  std::vector<std::string> paths;
  for (const auto& part : parts) {
    const double top = std::max(0.0, part["y"].get<double>() - 8);
    const double height = std::min(part["height"].get<double>() + 16, kMaxShotHeight);
    for (int i = 0; i * kPiece < height; ++i) {
      const std::string path =
          dir + "/" + part["name"].get<std::string>() + (i ? "-" + std::to_string(i + 1) : "") + ".png";
      const double piece = std::min(kPiece, height - i * kPiece);
      capture(page, path,
              {{"x", 0}, {"y", top + i * kPiece}, {"width", part["width"]}, {"height", piece}, {"scale", 1}});
      paths.push_back(path);
    }
  }
  return paths;
}

void ReportBrowser::close(const Page& page) { pipe_->call("Target.closeTarget", {{"targetId", page.target}}); }

}  // namespace nsm::reports::testing
