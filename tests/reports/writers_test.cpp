// The writers' contracts, checked structurally (the golden files pin the exact text):
// KCIDB v5's schema rules, well-formed JUnit with consistent counts, escaping everywhere.
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/html_report.h"
#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using nlohmann::json;
using testing::fixture;

// KCIDB: "no properties can be null".
void expect_no_null(const json& value, const std::string& where) {
  EXPECT_FALSE(value.is_null()) << where;
  if (value.is_object())
    for (const auto& [k, v] : value.items()) expect_no_null(v, where + "." + k);
  if (value.is_array())
    for (size_t i = 0; i < value.size(); ++i) expect_no_null(value[i], where + "[" + std::to_string(i) + "]");
}

// The rules of kcidb-io's schema v5.0 that this output can break.
void expect_valid_kcidb(const json& doc) {
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["version"], json({{"major", 5}, {"minor", 0}}));
  for (const auto& [key, _] : doc.items())
    EXPECT_TRUE(key == "version" || key == "checkouts" || key == "builds" || key == "tests") << key;
  expect_no_null(doc, "kcidb");
  const std::regex origin("^[a-z0-9_]+$"), origin_id("^[a-z0-9_]+:.*$"),
      path("^([a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*)?$"), arch("^[a-z0-9_]*$");
  const std::set<std::string> statuses{"FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"};
  const std::set<std::string> checkout_fields{"id", "origin", "comment", "start_time", "valid", "misc"};
  const std::set<std::string> build_fields{"id",          "checkout_id",  "origin", "comment",
                                           "config_name", "architecture", "status", "misc"};
  const std::set<std::string> test_fields{"id",   "build_id", "origin",      "path",   "status",    "comment",
                                          "misc", "duration", "log_excerpt", "number", "start_time"};
  std::set<std::string> checkouts, builds, tests;
  for (const auto& c : doc["checkouts"]) {
    for (const auto& [k, _] : c.items()) EXPECT_TRUE(checkout_fields.count(k)) << "checkout field " << k;
    EXPECT_TRUE(std::regex_match(c["id"].get<std::string>(), origin_id));
    EXPECT_TRUE(std::regex_match(c["origin"].get<std::string>(), origin));
    EXPECT_TRUE(checkouts.insert(c["id"]).second) << "duplicate checkout " << c["id"];
  }
  for (const auto& b : doc["builds"]) {
    for (const auto& [k, _] : b.items()) EXPECT_TRUE(build_fields.count(k)) << "build field " << k;
    EXPECT_TRUE(checkouts.count(b["checkout_id"])) << b["checkout_id"];
    EXPECT_TRUE(statuses.count(b["status"])) << b["status"];
    if (b.contains("architecture")) {
      EXPECT_TRUE(std::regex_match(b["architecture"].get<std::string>(), arch));
    }
    EXPECT_TRUE(builds.insert(b["id"]).second);
  }
  for (const auto& t : doc["tests"]) {
    for (const auto& [k, _] : t.items()) EXPECT_TRUE(test_fields.count(k)) << "test field " << k;
    EXPECT_TRUE(builds.count(t["build_id"])) << t["build_id"];
    EXPECT_TRUE(std::regex_match(t["id"].get<std::string>(), origin_id));
    EXPECT_EQ(t["origin"], "nsmatrix");
    EXPECT_TRUE(std::regex_match(t["path"].get<std::string>(), path)) << t["path"];
    EXPECT_TRUE(statuses.count(t["status"])) << t["status"];
    EXPECT_TRUE(tests.insert(t["id"]).second) << "duplicate test id " << t["id"];
    if (t.contains("log_excerpt")) {
      EXPECT_LE(t["log_excerpt"].get<std::string>().size(), kKcidbExcerptMax);
    }
    if (t.contains("number")) {
      EXPECT_EQ(t["status"], "DONE");
      EXPECT_TRUE(t["number"]["value"].is_number());
      for (const auto& [k, _] : t["number"].items()) EXPECT_TRUE(k == "value" || k == "unit" || k == "prefix") << k;
    }
  }
}

const json* find_test(const json& doc, const std::string& id_suffix) {
  for (const auto& t : doc["tests"])
    if (t["id"].get<std::string>().ends_with(id_suffix)) return &t;
  return nullptr;
}

TEST(Kcidb, HostRunFollowsSchemaV5AndMapsEveryOutcome) {
  const json doc = kcidb_json(load_results(fixture("host")));
  expect_valid_kcidb(doc);
  EXPECT_EQ(doc["checkouts"].size(), 1u);
  auto status_of = [&](const std::string& suffix) {
    const json* t = find_test(doc, suffix);
    return t ? (*t)["status"].get<std::string>() : "absent";
  };
  EXPECT_EQ(status_of("/host/net.veth.pair-connects"), "PASS");
  EXPECT_EQ(status_of("/host/uts.hostname.isolated"), "FAIL");
  EXPECT_EQ(status_of("/host/net.bridge.joins-many"), "ERROR");
  EXPECT_EQ(status_of("/host/user.rootless.create"), "SKIP");
  EXPECT_EQ(status_of("/host/gap.dmesg.shared"), "PASS");
  EXPECT_EQ(status_of("/host/probe.ns.time"), "DONE");
  EXPECT_EQ(status_of("/host/boot"), "absent") << "a native run did not boot anything";
  const json* bench = find_test(doc, "/host/bench.create.net/time");
  ASSERT_NE(bench, nullptr);
  EXPECT_EQ((*bench)["status"], "DONE");
  EXPECT_EQ((*bench)["path"], "nsmatrix.bench.create.net.time");
  EXPECT_EQ((*bench)["number"], json({{"value", 312.5}, {"unit", "us"}}));
  EXPECT_EQ((*find_test(doc, "/host/net.veth.pair-connects"))["path"], "nsmatrix.net.veth.pair-connects");
}

TEST(Kcidb, MatrixHasOneCheckoutAndBuildPerKernelAndABootTest) {
  const json doc = kcidb_json(load_results(fixture("matrix")));
  expect_valid_kcidb(doc);
  EXPECT_EQ(doc["checkouts"].size(), 3u);
  EXPECT_EQ(doc["builds"].size(), 3u);
  EXPECT_EQ((*find_test(doc, "/debian-6.1-cloud/boot"))["status"], "PASS");
  const json* dead = find_test(doc, "/debian-4.19-unbootable/boot");
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ((*dead)["status"], "FAIL");
  EXPECT_NE((*dead)["log_excerpt"].get<std::string>().find("end Kernel panic"), std::string::npos);
  EXPECT_EQ((*find_test(doc, "/build-6.12-notime/time.offset.monotonic"))["status"], "SKIP");
}

// A minimal well-formedness check: every tag closed in order, attributes quoted, no raw
// '<' or '&' in text.
void expect_well_formed_xml(const std::string& xml) {
  std::vector<std::string> open;
  size_t i = xml.find("?>");
  ASSERT_NE(i, std::string::npos);
  for (i += 2; i < xml.size();) {
    if (xml[i] == '&') {
      const size_t semi = xml.find(';', i);
      ASSERT_NE(semi, std::string::npos);
      const std::string entity = xml.substr(i, semi - i + 1);
      EXPECT_TRUE(entity == "&amp;" || entity == "&lt;" || entity == "&gt;" || entity == "&quot;" || entity == "&#39;")
          << entity;
      i = semi + 1;
      continue;
    }
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    const size_t end = xml.find('>', i);
    ASSERT_NE(end, std::string::npos);
    std::string tag = xml.substr(i + 1, end - i - 1);
    size_t quotes = 0;
    for (char ch : tag) quotes += ch == '"';
    EXPECT_EQ(quotes % 2, 0u) << tag;
    if (tag.starts_with("/")) {
      ASSERT_FALSE(open.empty()) << tag;
      EXPECT_EQ(open.back(), tag.substr(1));
      open.pop_back();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
    i = end + 1;
  }
  EXPECT_TRUE(open.empty());
}

int attribute(const std::string& xml, const std::string& element_start, const std::string& name) {
  const size_t at = xml.find(element_start);
  const size_t attr = xml.find(" " + name + "=\"", at);
  return std::stoi(xml.substr(attr + name.size() + 3));
}

TEST(Junit, HostRunIsWellFormedWithConsistentCounts) {
  const std::string xml = junit_xml(load_results(fixture("host")));
  expect_well_formed_xml(xml);
  size_t cases = 0;
  for (size_t at = xml.find("<testcase "); at != std::string::npos; at = xml.find("<testcase ", at + 1)) ++cases;
  EXPECT_EQ(attribute(xml, "<testsuites ", "tests"), static_cast<int>(cases));
  EXPECT_EQ(attribute(xml, "<testsuites ", "failures"), 1);  // uts.hostname.isolated
  EXPECT_EQ(attribute(xml, "<testsuites ", "errors"), 1);    // net.bridge.joins-many
  // A gap confirmed is a pass carrying its outcome.
  const size_t gap = xml.find("name=\"gap.dmesg.shared\"");
  ASSERT_NE(gap, std::string::npos);
  const std::string gap_case = xml.substr(gap, xml.find("</testcase>", gap) - gap);
  EXPECT_NE(gap_case.find("<property name=\"outcome\" value=\"gap-confirmed\"/>"), std::string::npos);
  EXPECT_EQ(gap_case.find("<failure"), std::string::npos);
  EXPECT_EQ(gap_case.find("<skipped"), std::string::npos);
  // A skip carries its reason.
  EXPECT_NE(xml.find("<skipped message=\"rootless user namespaces restricted: kernel.unprivileged_userns_clone=0\"/>"),
            std::string::npos);
  // The failure text is escaped, never markup.
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_NE(xml.find("&lt;script&gt;alert(&#39;escaped?&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
}

TEST(Junit, MatrixHasOneSuitePerKernelAndTheBootErrorWithTheConsole) {
  const std::string xml = junit_xml(load_results(fixture("matrix")));
  expect_well_formed_xml(xml);
  for (const char* id : {"debian-6.1-cloud", "build-6.12-notime", "debian-4.19-unbootable"})
    EXPECT_NE(xml.find(std::string("<testsuite name=\"") + id + "\""), std::string::npos) << id;
  const size_t boot = xml.find("classname=\"debian-4.19-unbootable\" name=\"boot\"");
  ASSERT_NE(boot, std::string::npos);
  EXPECT_NE(xml.find("<error type=\"boot-failed\"", boot), std::string::npos);
  EXPECT_NE(xml.find("end Kernel panic", boot), std::string::npos);
}

TEST(Summary, MatrixSaysWhichKernelLacksTimeAndWhichDidNotBoot) {
  const std::string md = markdown_summary(load_results(fixture("matrix")));
  EXPECT_NE(
      md.find(
          "| `build-6.12-notime` | 6.12.9-nsm-notime | TCG (emulated) | \u2713 ok | 7/8 — **no time (unsupported)** |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("`debian-4.19-unbootable` boot-failed: kernel panic before nsmatrix-init ran"), std::string::npos)
      << md;
}

// A check's refs (why it exists: CVE, fixing commit, peer test) reach every writer, escaped.
TEST(Refs, ReachJunitSummaryAndReport) {
  const RunResults run = load_results(fixture("host"));
  const std::string xml = junit_xml(run);
  const size_t at = xml.find("name=\"uts.hostname.isolated\"");
  ASSERT_NE(at, std::string::npos);
  const std::string tc = xml.substr(at, xml.find("</testcase>", at) - at);
  const size_t first = tc.find("<property name=\"ref\" value=\"LTP utstest\"/>");
  EXPECT_NE(first, std::string::npos) << tc;
  EXPECT_GT(tc.find("<property name=\"ref\" value=\"fix: 0123456789ab (a &lt;made-up&gt; commit for the fixture)\"/>"),
            first)
      << tc;
  const std::string md = markdown_summary(run);
  EXPECT_NE(md.find("`uts.hostname.isolated` (LTP utstest · fix: 0123456789ab (a &lt;made-up&gt; commit for the "
                    "fixture)) **fail**"),
            std::string::npos)
      << md;
  const std::string html = html_report(run);
  EXPECT_NE(html.find("<span class=\"ref\">LTP utstest</span> \u00B7 <span class=\"ref\">fix: 0123456789ab (a "
                      "&lt;made-up&gt; commit"),
            std::string::npos);
  EXPECT_EQ(junit_xml(load_results(fixture("matrix"))).find("name=\"ref\" value=\"LTP utstest\""), std::string::npos)
      << "refs belong to the check that declares them";
}

TEST(Html, IsOneOfflineFileWithEverythingEscaped) {
  const std::string html = html_report(load_results(fixture("host")));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;escaped?&#39;)&lt;/script&gt;"), std::string::npos);
  for (const char* section :
       {"id=\"support\"", "id=\"guarantees\"", "id=\"gaps\"", "id=\"costs\"", "id=\"changes\"", "id=\"kernels\""})
    EXPECT_NE(html.find(section), std::string::npos) << section;
}

}  // namespace
}  // namespace nsm::reports

namespace nsm::reports {
namespace {

// A kernel fault in probe.json (verdict "faulty", with the identities) is read, shown with
// its word and evidence in the page, and fails its JUnit case.
TEST(FaultyProbe, IsReadShownAndFailed) {
  testing::TempDir dir;
  const std::string root = testing::copy_fixture("host", dir);
  bool changed = false;
  testing::edit_json(root + "/host/probe.json", [&](nlohmann::json& probe) {
    for (auto& ns : probe["namespaces"]) {
      if (ns["id"] != "probe.ns.net") continue;
      ns["verdict"] = "faulty";
      ns["reason"] = "kernel fault: unshare(CLONE_NEWNET) returned 0, but the caller's net namespace did not change";
      ns["attempt"]["faulty"] = true;
      ns["attempt"]["fault"] = "before net:[4026531840], after net:[4026531840]";
      ns["attempt"]["identities"] = {{"entry", "net"},
                                     {"before", {{"text", "net:[4026531840]"}, {"dev", 4}, {"ino", 4026531840u}}},
                                     {"after", {{"text", "net:[4026531840]"}, {"dev", 4}, {"ino", 4026531840u}}},
                                     {"setns", {{"call", nullptr}, {"note", "n/a"}}}};
      changed = true;
    }
  });
  ASSERT_TRUE(changed);
  const RunResults run = load_results(root);
  ASSERT_EQ(run.kernels.size(), 1u);
  ASSERT_TRUE(run.kernels[0].problems.empty()) << run.kernels[0].problems.front();
  const auto* net = run.kernels[0].probe->find(NsType::Net);
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->verdict, Verdict::Faulty);
  ASSERT_TRUE(net->attempt && net->attempt->fault);
  const std::string html = html_report(run);
  EXPECT_NE(html.find("v-faulty"), std::string::npos);
  EXPECT_NE(html.find("identity net:[4026531840] \u2192 net:[4026531840]"), std::string::npos);
  const std::string xml = junit_xml(run);
  EXPECT_NE(xml.find("faulty: kernel fault"), std::string::npos) << xml.substr(0, 400);
  bool kcidb_failed = false;
  const nlohmann::json kcidb = kcidb_json(run);
  for (const auto& t : kcidb["tests"])
    if (t.value("path", "") == "nsmatrix.probe.ns.net") kcidb_failed = t.value("status", "") == "FAIL";
  EXPECT_TRUE(kcidb_failed) << "a faulty probe is a KCIDB FAIL";
}

}  // namespace
}  // namespace nsm::reports
