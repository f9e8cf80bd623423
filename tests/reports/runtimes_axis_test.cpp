// The runtime axis (runtimes.json, docs/results-format.md): loaded alone (a `nsmatrix
// runtimes` directory) or beside a host run, checked field by field, and carried by the
// Markdown summary (the table and "who closes which gap"), JUnit and KCIDB.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/results.h"
#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using nlohmann::json;
using testing::TempDir;

json ns(std::initializer_list<const char*> own) {
  json out = json::object();
  for (const auto& info : ns_types()) {
    bool is_new = false;
    for (const char* o : own) is_new = is_new || info.name == o;
    out[std::string(info.name)] = {{"new", is_new}, {"host", 1}, {"container", is_new ? 2 : 1}};
  }
  return out;
}

json gap(const char* id, const char* outcome) {
  return {{"id", id}, {"title", "t"}, {"outcome", outcome}, {"evidence", "e"}};
}

json runtimes_doc() {
  return {
      {"schema_version", 1},
      {"kind", "runtimes"},
      {"kernel", "6.18.44"},
      {"started", "2026-12-06T01:39:29Z"},
      {"runtimes",
       {{{"runtime", "docker"},
         {"profile", "default"},
         {"version", "20.10.24"},
         {"outcome", "ran"},
         {"namespaces", ns({"ipc", "mnt", "net", "pid", "uts"})},
         {"network", {{{"link", "eth0"}, {"bridge", "nsm-1-dk"}}}},
         {"gaps", {gap("kernel.gap.keyring-shared", "gap-closed"), gap("time.gap.realtime-shared", "gap-confirmed")}},
         {"view",
          {{"capabilities", {{"effective", {"CAP_CHOWN", "CAP_NET_RAW", "CAP_MKNOD"}}}},
           {"seccomp", {{"mode", "filter"}, {"refused", {"keyctl", "add_key"}}}},
           {"ids", {{"uid_map", {{"identity", true}}}}}}}},
        {{"runtime", "bwrap"},
         {"profile", "unshare-all"},
         {"outcome", "ran"},
         {"namespaces", ns({"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"})},
         {"gaps", {gap("kernel.gap.keyring-shared", "gap-closed"), gap("time.gap.realtime-shared", "gap-confirmed")}},
         {"view", {{"ids", {{"uid_map", {{"identity", false}}}}}}}},
        {{"runtime", "docker"},
         {"profile", "privileged"},
         {"outcome", "skip"},
         {"why", "docker cannot start here: unable to apply caps"}}}},
      {"teardown", json::array()}};
}

TEST(RuntimesAxis, ARuntimesDirectoryLoadsAlone) {
  TempDir dir;
  dir.write("runtimes.json", runtimes_doc().dump());
  const RunResults run = load_results(dir.path());
  EXPECT_TRUE(run.kernels.empty());
  EXPECT_TRUE(run.problems.empty()) << run.problems.front();
  ASSERT_TRUE(run.runtimes);
  ASSERT_EQ(run.runtimes->cases.size(), 3u);
  const RuntimeCase& docker = run.runtimes->cases[0];
  EXPECT_EQ(docker.name(), "docker/default");
  EXPECT_EQ(docker.outcome, Outcome::Pass);
  EXPECT_EQ(docker.seccomp, "filter");
  EXPECT_EQ(docker.bridges, std::vector<std::string>{"nsm-1-dk"});
  EXPECT_EQ(run.runtimes->cases[2].outcome, Outcome::Skip);
  EXPECT_EQ(run.runtimes->gap_ids().size(), 2u);
}

TEST(RuntimesAxis, WritersCarryTheTableAndWhoClosesWhichGap) {
  TempDir dir;
  dir.write("runtimes.json", runtimes_doc().dump());
  const RunResults run = load_results(dir.path());

  const std::string md = markdown_summary(run);
  EXPECT_NE(md.find("### Container runtimes on 6.18.44"), std::string::npos) << md;
  // docker: ipc mnt net pid uts new, cgroup time user the host's (in ns_types() order).
  EXPECT_NE(md.find("| `docker/default` | \u2717 | \u2713 | \u2713 | \u2713 | \u2713 | \u2717 | \u2717 | \u2713 | 3: "
                    "NET\\_RAW MKNOD | filter, refuses 2 | \u2717 host's | 1/1 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("\u2713 own (uid 0 is not the host's)"), std::string::npos) << md;
  EXPECT_NE(md.find("\u25CB skip: docker cannot start here"), std::string::npos) << md;
  EXPECT_NE(md.find("**Who closes which gap**"), std::string::npos);
  EXPECT_NE(md.find("| `kernel.gap.keyring-shared` | \u2605 | \u2605 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `time.gap.realtime-shared` | \u25C6 | \u25C6 |"), std::string::npos) << md;

  const std::string xml = junit_xml(run);
  EXPECT_NE(xml.find("<testsuite name=\"runtimes\" tests=\"7\" failures=\"0\" errors=\"0\" skipped=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"runtimes.docker.default\" name=\"kernel.gap.keyring-shared\""), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"namespaces.host\" value=\"cgroup time user\"/>"), std::string::npos) << xml;

  const json kcidb = kcidb_json(run);
  ASSERT_EQ(kcidb["builds"].size(), 1u);
  bool found = false;
  for (const auto& t : kcidb["tests"])
    if (t["path"] == "nsmatrix.runtimes.docker.default.kernel.gap.keyring-shared") found = t["status"] == "PASS";
  EXPECT_TRUE(found) << kcidb.dump(1);
}

TEST(RuntimesAxis, AFieldOfTheWrongShapeIsAProblemNamingIt) {
  TempDir dir;
  json doc = runtimes_doc();
  doc["runtimes"][0]["outcome"] = "flaky";
  dir.write("runtimes.json", doc.dump());
  const RunResults run = load_results(dir.path());
  ASSERT_FALSE(run.problems.empty());
  EXPECT_NE(run.problems.front().find("runtimes[0].outcome"), std::string::npos) << run.problems.front();
  // A gap never passes.
  doc = runtimes_doc();
  doc["runtimes"][0]["gaps"][0]["outcome"] = "pass";
  dir.write("runtimes.json", doc.dump());
  EXPECT_FALSE(load_results(dir.path()).problems.empty());
}

}  // namespace
}  // namespace nsm::reports
