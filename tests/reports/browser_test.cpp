// report.html in a real browser: headless Chromium (Debian's package) loads the reports of
// the fixture runs and a synthetic 20-kernel matrix, and we check that each page loads
// without console errors, exceptions or any request besides the page itself; that the
// support matrix has a cell for every kernel and type; and that the matrix works from the
// keyboard. Screenshots (light, dark, print) are saved under build/<preset>/artifacts/reports
// for CI to keep and for people to look at.
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/load.h"
#include "reports/report.h"
#include "tests/support/report_fixtures.h"
#include "tests/support/report_page.h"

namespace nsm::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

std::string artifacts(const std::string& name) {
  const std::string dir = std::string(NSM_REPORTS_ARTIFACTS) + "/" + name;
  fs::create_directories(dir);
  return dir;
}

// A matrix of 20 kernels made from the three fixture kernels: old kernels without time
// namespaces (too old), a build without them, one that never boots. For layout only.
std::string make_matrix20(const TempDir& scratch) {
  const std::string src = testing::fixture("matrix");
  const std::string dst = scratch / "matrix20";
  fs::create_directories(dst);
  const std::vector<std::string> versions{"4.19",        "5.4",  "5.6",  "5.10", "5.15", "6.1",           "6.2",
                                          "6.4",         "6.6",  "6.8",  "6.9",  "6.10", "6.11",          "6.12",
                                          "6.12-notime", "6.13", "6.14", "6.16", "6.17", "5.0-unbootable"};
  json run = json::parse(testing::slurp(src + "/run.json"));
  run["kernels"] = json::array();
  for (size_t i = 0; i < versions.size(); ++i) {
    const std::string& v = versions[i];
    const bool notime = v.ends_with("-notime"), dead = v.ends_with("-unbootable");
    const std::string id = dead ? "debian-" + v : notime ? "build-" + v : "debian-" + v + "-cloud";
    const std::string from = src + "/" +
                             (dead     ? "debian-4.19-unbootable"
                              : notime ? "build-6.12-notime"
                                       : "debian-6.1-cloud");
    fs::copy(from, dst + "/" + id, fs::copy_options::recursive);
    run["kernels"].push_back(id);
    const std::string number = v.substr(0, v.find('-'));
    auto edit = [&](const std::string& file, auto f) {
      const std::string path = dst + "/" + id + "/" + file;
      if (!fs::exists(path)) return;
      json doc = json::parse(testing::slurp(path));
      f(doc);
      testing::spit(path, doc.dump(2));
    };
    edit("kernel.json", [&](json& d) {
      d["id"] = id;
      d["release"] = number + ".0-nsm-amd64";
      d["version"] = number + ".0";
    });
    const bool too_old = number == "4.19" || number == "5.4";
    edit("probe.json", [&](json& d) {
      d["kernel"]["release"] = number + ".0-nsm-amd64";
      if (too_old)
        for (auto& ns : d["namespaces"])
          if (ns["type"] == "time") {
            ns["verdict"] = "unsupported";
            ns["reason"] = "kernel " + number + " < 5.6";
            ns["version"] = {{"first", "5.6"}, {"kernel", number + ".0"}, {"new_enough", false}};
            ns["attempt"] = {{"tried", true},
                             {"ok", false},
                             {"call", "unshare(CLONE_NEWTIME)"},
                             {"errno", "EINVAL"},
                             {"meaning", "unknown flag"}};
          }
    });
    edit("conformance.json", [&](json& d) {
      if (!too_old) return;
      for (auto& c : d["checks"])
        if (c["type"] == "time")
          c["outcome"] = "skip", c["reason"] = "time namespaces unsupported: kernel " + number + " < 5.6";
      d.erase("summary");
    });
    edit("bench.json", [&](json& d) {
      for (auto& c : d["checks"])
        for (auto& m : c["metrics"])
          m["value"] = m["value"].get<double>() * (1.0 + 0.04 * static_cast<double>((i * 7) % 5) - 0.08);
    });
  }
  testing::spit(dst + "/run.json", run.dump(2));
  return dst;
}

class Browser : public ::testing::Test {
 protected:
  using Page = testing::ReportBrowser::Page;

  static void SetUpTestSuite() {
    const std::string chromium = testing::find_chromium();
    if (chromium.empty()) return;  // each test fails with the reason
    browser_ = std::make_unique<testing::ReportBrowser>(chromium);
  }
  static void TearDownTestSuite() { browser_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(browser_)
        << "chromium not found: run scripts/install-deps.sh (Debian package chromium) or set NSM_CHROMIUM";
  }

  static Page open(const std::string& file, int width = 1400) { return browser_->open(file, width); }
  static json eval(const Page& page, const std::string& js) { return browser_->eval(page, js); }
  static void screenshot(const Page& page, const std::string& path, const std::string& scheme,
                         const std::string& media = "") {
    browser_->screenshot(page, path, scheme, media);
  }
  static void close(const Page& page) { browser_->close(page); }

  // Per support-matrix row: the row's label and how many cells it has, with how many
  // carry a symbol and a word (never colour alone).
  static json support_matrix(const Page& page) {
    return eval(page, R"JS((() => {
      const table = document.querySelector('#support table.matrix');
      const kernels = table.querySelectorAll('thead th.kcol').length;
      const rows = [...table.querySelectorAll('tbody tr:not(.group)')].map(tr => ({
        label: tr.querySelector('th .name').textContent,
        differs: tr.classList.contains('row-differs'),
        cells: tr.querySelectorAll('td.c').length,
        marked: [...tr.querySelectorAll('td.c')].filter(td =>
          td.querySelector('.sym').textContent.trim() && td.querySelector('.word').textContent.trim()).length,
        classes: [...tr.querySelectorAll('td.c')].map(td => td.className)}));
      return {kernels, rows};
    })())JS");
  }

  static std::string write_report(const std::string& results, const std::string& name) {
    write_reports(load_results(results), artifacts(name));
    return artifacts(name) + "/report.html";
  }

  static inline std::unique_ptr<testing::ReportBrowser> browser_;
};

void expect_full_matrix(const json& m, size_t kernels) {
  EXPECT_EQ(m["kernels"], kernels);
  ASSERT_GE(m["rows"].size(), 8u);
  for (const auto& row : m["rows"]) {
    EXPECT_EQ(row["cells"], kernels) << row["label"];
    EXPECT_EQ(row["marked"], kernels) << row["label"] << ": a cell without symbol or word";
  }
  std::vector<std::string> first8;
  for (size_t i = 0; i < 8; ++i) first8.push_back(m["rows"][i]["label"]);
  EXPECT_EQ(first8, (std::vector<std::string>{"cgroup", "ipc", "net", "mnt", "pid", "time", "user", "uts"}));
}

// The checks below would pass vacuously if errors went unseen: this page must trip them.
TEST_F(Browser, SeesConsoleErrorsExceptionsAndRequests) {
  TempDir dir;
  testing::spit(dir / "bad.html",
                "<!DOCTYPE html><title>bad</title><img src=\"nsm-missing.png\" alt=\"\">"
                "<script>console.error('nsm-console-error'); nsm_undefined_function();</script>");
  const Page page = open(dir / "bad.html");
  std::string all;
  for (const auto& p : page.problems) all += p + "\n";
  EXPECT_NE(all.find("nsm-console-error"), std::string::npos) << all;
  EXPECT_NE(all.find("nsm_undefined_function"), std::string::npos) << all;
  EXPECT_NE(all.find("request: file://"), std::string::npos) << all;
  close(page);
}

TEST_F(Browser, HostReportLoadsCleanWithACellForEveryType) {
  const std::string html = write_report(testing::fixture("host"), "host");
  const Page page = open(html);
  EXPECT_TRUE(page.problems.empty()) << page.problems.front();
  const json m = support_matrix(page);
  expect_full_matrix(m, 1);
  EXPECT_EQ(m["rows"].size(), 11u);  // eight types, three features
  screenshot(page, artifacts("host") + "/report-light.png", "light");
  close(page);
}

TEST_F(Browser, MatrixReportShowsEveryKernelAndTheTimeRowStandsOut) {
  const std::string html = write_report(testing::fixture("matrix"), "matrix");
  const Page page = open(html);
  EXPECT_TRUE(page.problems.empty()) << page.problems.front();
  const json m = support_matrix(page);
  expect_full_matrix(m, 3);
  for (const auto& row : m["rows"]) EXPECT_EQ(row["differs"], row["label"] == "time") << row["label"];
  const json time = m["rows"][5];
  EXPECT_NE(time["classes"][0].get<std::string>().find("v-supported"), std::string::npos);
  EXPECT_NE(time["classes"][1].get<std::string>().find("v-unsupported"), std::string::npos);
  EXPECT_NE(time["classes"][2].get<std::string>().find("none"), std::string::npos);
  // The kernel that never booted shows its status and the end of its console.
  const json dead =
      eval(page,
           "(() => { const c = document.querySelector('#k-debian-4_19-unbootable');"
           " return {status: c.querySelector('h3 .st').textContent,"
           " console: c.querySelector('details.console').open,"
           " tail: c.querySelector('details.console pre').textContent.includes('end Kernel panic')}; })()");
  EXPECT_EQ(dead["status"], "\u2717 boot-failed");
  EXPECT_EQ(dead["console"], true);
  EXPECT_EQ(dead["tail"], true);
  screenshot(page, artifacts("matrix") + "/report-light.png", "light");
  screenshot(page, artifacts("matrix") + "/report-dark.png", "dark");
  screenshot(page, artifacts("matrix") + "/report-print.png", "light", "print");
  close(page);
}

TEST_F(Browser, TwentyKernelsStayReadable) {
  TempDir scratch;
  const std::string html = write_report(make_matrix20(scratch), "matrix20");
  const Page page = open(html);
  EXPECT_TRUE(page.problems.empty()) << page.problems.front();
  expect_full_matrix(support_matrix(page), 20);
  // The row headers stay in view while the kernels scroll sideways.
  const json sticky = eval(page, "getComputedStyle(document.querySelector('#support th.rowh')).position");
  EXPECT_EQ(sticky, "sticky");
  screenshot(page, artifacts("matrix20") + "/report-light.png", "light");
  close(page);
}

TEST_F(Browser, EvidenceOpensFromTheKeyboard) {
  const std::string html = write_report(testing::fixture("matrix"), "matrix");
  const Page page = open(html);
  // Tab to the first verdict in the support matrix, then Enter opens its evidence.
  auto key = [&](const char* name, int code) {
    for (const char* type : {"keyDown", "keyUp"})
      browser_->pipe().call("Input.dispatchKeyEvent",
                            {{"type", type},
                             {"key", name},
                             {"code", name},
                             {"windowsVirtualKeyCode", code},
                             {"text", code == 13 ? "\r" : ""}},
                            page.session);
  };
  bool reached = false;
  for (int i = 0; i < 60 && !reached; ++i) {
    key("Tab", 9);
    reached =
        eval(page,
             "document.activeElement.tagName === 'SUMMARY' && !!document.activeElement.closest('#support td.c')") ==
        true;
  }
  ASSERT_TRUE(reached) << "no verdict reachable with Tab";
  EXPECT_EQ(eval(page, "document.activeElement.parentElement.open"), false);
  key("Enter", 13);
  EXPECT_EQ(eval(page, "document.activeElement.parentElement.open"), true);
  EXPECT_EQ(eval(page, "getComputedStyle(document.activeElement.parentElement.querySelector('.ev')).display"), "block");
  close(page);
}

}  // namespace
}  // namespace nsm::reports
