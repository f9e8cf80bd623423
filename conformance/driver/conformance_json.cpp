#include "conformance/driver/conformance_json.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/results.h"
#include "core/utf8.h"
#include "core/version.h"

namespace nsm::conformance {

namespace {

using json = nlohmann::json;

// GoogleTest's testcase objects, by "Suite.Name".
// (Pointers into `gtest` itself, never into a copy.)
std::map<std::string, const json*> testcases(const json& gtest) {
  std::map<std::string, const json*> out;
  auto suites = gtest.find("testsuites");
  if (suites == gtest.end() || !suites->is_array()) return out;
  for (const auto& suite : *suites) {
    auto tests = suite.find("testsuite");
    if (!suite.is_object() || tests == suite.end() || !tests->is_array()) continue;
    for (const auto& test : *tests)
      if (test.is_object()) out[suite.value("name", "") + "." + test.value("name", "")] = &test;
  }
  return out;
}

// GoogleTest's JSON writer escapes each byte of a UTF-8 sequence as its own \u00XX (it
// tests `char < ' '` on a signed char), so "—" comes back as "â":
// the report then showed "â€"". Undone here: a string whose code points are all below
// U+0100, some at U+0080 or above, and whose bytes taken one each are valid UTF-8, is
// those bytes. Anything else is left as it is.
std::string undo_gtest_byte_escapes(const std::string& text) {
  std::string bytes;
  bool high = false;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      bytes += text[i++];
    } else if ((b == 0xC2 || b == 0xC3) && i + 1 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
      bytes += static_cast<char>(((b & 0x03) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F));
      high = true;
      i += 2;
    } else {
      return text;  // a code point past U+00FF: not GoogleTest's escaping
    }
  }
  bool replaced = false;
  valid_utf8(bytes, &replaced);
  return high && !replaced ? bytes : text;
}

std::string failure_text(const json& test) {
  std::string text;
  for (const auto& f : test.value("failures", json::array())) {
    if (!text.empty()) text += "\n";
    text += undo_gtest_byte_escapes(f.value("failure", ""));
  }
  return text;
}

// The outcome GoogleTest's record implies, when the check recorded none of its own.
Outcome fallback_outcome(const json& test) {
  if (test.value("result", "") == "SKIPPED") return Outcome::Skip;
  if (!test.value("failures", json::array()).empty()) return Outcome::Fail;
  if (test.value("status", "") != "RUN") return Outcome::Skip;
  return Outcome::Pass;
}

json check_entry(const json& listed) {
  json entry;
  for (const char* key : {"id", "kind", "type", "title", "test", "requirements"})
    entry[key] = listed.contains(key) ? listed[key] : json(nullptr);
  if (listed.contains("refs")) entry["refs"] = listed["refs"];  // only checks that have them
  return entry;
}

}  // namespace

double gtest_seconds(const json& time) {
  if (!time.is_string()) return 0;
  return std::strtod(time.get<std::string>().c_str(), nullptr);
}

json conformance_document(const json& listing, const std::optional<json>& gtest, const std::string& suite_end) {
  json checks = json::array();
  const auto by_name = gtest ? testcases(*gtest) : std::map<std::string, const json*>{};
  for (const auto& listed : listing) {
    json entry = check_entry(listed);
    const std::string name = listed.value("test", "");
    Outcome outcome;
    std::string reason, message;
    double seconds = 0;
    if (!gtest) {
      outcome = Outcome::Broken;
      reason = fmt::format("the conformance suite {} before it reported", suite_end);
    } else {
      auto it = by_name.find(name);
      if (it == by_name.end()) continue;  // not selected by the filter
      const json& test = *it->second;
      const auto recorded = outcome_from_name(test.value("nsm_outcome", ""));
      outcome = recorded.value_or(fallback_outcome(test));
      reason = undo_gtest_byte_escapes(test.value("nsm_reason", ""));
      if (outcome == Outcome::Fail || outcome == Outcome::Broken) message = failure_text(test);
      seconds = gtest_seconds(test.value("time", json()));
    }
    entry["outcome"] = std::string(outcome_name(outcome));
    entry["reason"] = reason;
    entry["message"] = message;
    entry["duration_seconds"] = seconds;
    checks.push_back(std::move(entry));
  }
  json document{
      {"schema_version", kSchemaVersion}, {"kind", "conformance"}, {"tool_version", std::string(kToolVersion)}};
  document["checks"] = std::move(checks);
  json summary = json::object();
  for (const auto& [outcome, n] : count_outcomes(document)) summary[std::string(outcome_name(outcome))] = n;
  document["summary"] = summary;
  document["gtest"] = gtest ? *gtest : json(nullptr);
  return document;
}

std::map<Outcome, int> count_outcomes(const json& document) {
  std::map<Outcome, int> counts;
  for (Outcome o :
       {Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Broken, Outcome::GapConfirmed, Outcome::GapClosed})
    counts[o] = 0;
  for (const auto& check : document.value("checks", json::array()))
    if (auto o = outcome_from_name(check.value("outcome", ""))) ++counts[*o];
  return counts;
}

}  // namespace nsm::conformance
