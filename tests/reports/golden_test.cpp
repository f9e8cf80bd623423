// Golden files: summary.md, junit.xml and kcidb.json for the fixture runs must match
// tests/reports/golden/ byte for byte. After an intended change, regenerate them with
//   NSM_UPDATE_GOLDEN=1 build/default/bin/nsm_reports_tests --gtest_filter='*Golden*'
// and review the diff like code.
#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

struct GoldenCase {
  const char* run;
  const char* file;
};

std::string render(const RunResults& run, const std::string& file) {
  if (file == "summary.md") return markdown_summary(run);
  if (file == "junit.xml") return junit_xml(run);
  return kcidb_json(run).dump(2) + "\n";
}

// The first line that differs, with its neighbours: enough to see what changed.
std::string first_difference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "identical lines; the difference is in line endings";
    if (!ha || !hb || la != lb)
      return "line " + std::to_string(line) + ":\n  golden: " + (ha ? la : "<end of file>") +
             "\n  actual: " + (hb ? lb : "<end of file>");
  }
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, MatchesTheGoldenFile) {
  const auto& c = GetParam();
  // Loaded from a copy, so the path of the checkout never reaches the outputs.
  testing::TempDir scratch;
  const RunResults run = load_results(testing::copy_fixture(c.run, scratch));
  const std::string got = render(run, c.file);
  const std::string golden = std::string(NSM_REPORTS_GOLDEN) + "/" + c.run + "/" + c.file;
  if (const char* update = std::getenv("NSM_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    testing::spit(golden, got);
    GTEST_SKIP() << "rewrote " << golden << ": review the diff";
  }
  const std::string want = testing::slurp(golden);
  EXPECT_TRUE(want == got) << golden << " differs, " << first_difference(want, got);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Golden,
                         ::testing::Values(GoldenCase{"host", "summary.md"}, GoldenCase{"host", "junit.xml"},
                                           GoldenCase{"host", "kcidb.json"}, GoldenCase{"matrix", "summary.md"},
                                           GoldenCase{"matrix", "junit.xml"}, GoldenCase{"matrix", "kcidb.json"}),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string name = std::string(info.param.run) + "_" + info.param.file;
                           for (char& ch : name)
                             if (ch == '.') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace nsm::reports
