// conformance.json from a listing and GoogleTest's JSON (docs/results-format.md).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/driver/conformance_json.h"

namespace {

using json = nlohmann::json;
using nsm::conformance::conformance_document;

json listing() {
  return json::parse(R"([
    {"test": "NetNamespace.FreshHasOnlyLoopbackDown", "id": "net.fresh.only-loopback-down", "kind": "guarantee",
     "type": "net", "title": "a fresh network namespace has only lo, and it is down",
     "requirements": {"namespaces": ["net"]}, "refs": ["CVE-2022-0492", "LTP pidns05"], "labels": ["conformance"],
     "file": "net.cpp", "line": 1},
    {"test": "TimeGap.RealtimeIsNotOffset", "id": "time.gap.realtime-shared", "kind": "gap", "type": "time",
     "title": "CLOCK_REALTIME is not offset", "requirements": {}, "labels": ["conformance", "gap"], "file": "t.cpp", "line": 2},
    {"test": "Old.NoProperty", "id": "old.no-property", "kind": "guarantee", "type": null, "title": "t",
     "requirements": {}, "labels": ["conformance"], "file": "o.cpp", "line": 3}
  ])");
}

json gtest() {
  return json::parse(R"({"tests": 2, "testsuites": [
    {"name": "NetNamespace", "testsuite": [
      {"name": "FreshHasOnlyLoopbackDown", "status": "RUN", "result": "COMPLETED", "time": "0.004s",
       "failures": [{"failure": "net.cpp:9\nExpected equality", "type": ""}], "nsm_outcome": "fail", "nsm_reason": ""}]},
    {"name": "TimeGap", "testsuite": [
      {"name": "RealtimeIsNotOffset", "status": "RUN", "result": "COMPLETED", "time": "0.250s",
       "nsm_outcome": "gap-confirmed", "nsm_reason": "the host's clock"}]}
  ]})");
}

TEST(ConformanceJson, HasTheFormatsTopLevelFields) {
  const json doc = conformance_document(listing(), gtest(), "exited with status 1");
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["kind"], "conformance");
  EXPECT_TRUE(doc["tool_version"].is_string());
  EXPECT_EQ(doc["gtest"], gtest()) << "GoogleTest's document, verbatim";
}

TEST(ConformanceJson, EachCheckJoinsMetadataAndOutcome) {
  const json doc = conformance_document(listing(), gtest(), "exited with status 1");
  ASSERT_EQ(doc["checks"].size(), 2u) << "a check GoogleTest did not run (filtered out) is not listed";
  const json& net = doc["checks"][0];
  EXPECT_EQ(net["id"], "net.fresh.only-loopback-down");
  EXPECT_EQ(net["kind"], "guarantee");
  EXPECT_EQ(net["type"], "net");
  EXPECT_EQ(net["test"], "NetNamespace.FreshHasOnlyLoopbackDown");
  EXPECT_EQ(net["requirements"], json({{"namespaces", {"net"}}}));
  EXPECT_EQ(net["outcome"], "fail");
  EXPECT_EQ(net["message"], "net.cpp:9\nExpected equality");
  EXPECT_DOUBLE_EQ(net["duration_seconds"].get<double>(), 0.004);
  EXPECT_FALSE(net.contains("labels")) << "only the format's fields";
  EXPECT_EQ(net["refs"], json({"CVE-2022-0492", "LTP pidns05"})) << "why the check exists, as declared";
  const json& gap = doc["checks"][1];
  EXPECT_FALSE(gap.contains("refs")) << "present only when a check has them";
  EXPECT_EQ(gap["outcome"], "gap-confirmed");
  EXPECT_EQ(gap["reason"], "the host's clock");
  EXPECT_EQ(gap["message"], "");
}

// GoogleTest writes each byte of "\u2014" as its own \u00XX: read back, the reason must be
// the em dash again, not "â€"" (the grouped skip reasons of report.html showed it 115 times).
TEST(ConformanceJson, GoogleTestsByteEscapedUtf8IsUndone) {
  json g = gtest();
  g["testsuites"][1]["testsuite"][0]["nsm_reason"] = json::parse(R"("EINVAL \u00e2\u0080\u0094 the kernel")");
  const json doc = conformance_document(listing(), g, "exited with status 1");
  EXPECT_EQ(doc["checks"][1]["reason"], "EINVAL \u2014 the kernel");
  // Real Latin-1 text that is not such bytes stays as it is.
  g["testsuites"][1]["testsuite"][0]["nsm_reason"] = "caf\u00e9";
  EXPECT_EQ(conformance_document(listing(), g, "exited with status 1")["checks"][1]["reason"], "caf\u00e9");
}

TEST(ConformanceJson, SummaryCountsEveryOutcome) {
  const json doc = conformance_document(listing(), gtest(), "");
  EXPECT_EQ(doc["summary"],
            json({{"pass", 0}, {"fail", 1}, {"skip", 0}, {"broken", 0}, {"gap-confirmed", 1}, {"gap-closed", 0}}));
}

TEST(ConformanceJson, WithoutAPropertyGoogleTestsResultDecides) {
  json g = gtest();
  g["testsuites"].push_back(json::parse(R"({"name": "Old", "testsuite": [
      {"name": "NoProperty", "status": "RUN", "result": "SKIPPED", "time": "0s"}]})"));
  const json doc = conformance_document(listing(), g, "");
  EXPECT_EQ(doc["checks"][2]["outcome"], "skip");
}

TEST(ConformanceJson, ASuiteThatDiedMakesEveryCheckBroken) {
  const json doc = conformance_document(listing(), std::nullopt, "killed by SIGSEGV (core dumped)");
  ASSERT_EQ(doc["checks"].size(), 3u);
  for (const auto& c : doc["checks"]) {
    EXPECT_EQ(c["outcome"], "broken");
    EXPECT_NE(c["reason"].get<std::string>().find("killed by SIGSEGV"), std::string::npos);
  }
  EXPECT_TRUE(doc["gtest"].is_null());
  EXPECT_EQ(doc["summary"]["broken"], 3);
}

TEST(ConformanceJson, GtestSecondsParsesGoogleTestsTime) {
  EXPECT_DOUBLE_EQ(nsm::conformance::gtest_seconds("1.5s"), 1.5);
  EXPECT_DOUBLE_EQ(nsm::conformance::gtest_seconds(json(3)), 0);
}

}  // namespace
