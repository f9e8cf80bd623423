// The reader against docs/results-format.md, both ways: every documented field loads, a
// field the format does not know is ignored (a newer producer may add fields without a
// schema bump), and each rule the format states is enforced with the file and the field.
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/json_fields.h"
#include "reports/load.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using nlohmann::json;
using testing::slurp;
using testing::spit;
using testing::TempDir;

using testing::edit_json;

// Adds a field no version of the format has to every object of `doc`, except where the
// format says what every member is: the flat evidence (shown as-is) and durations (all
// seconds). Those get a plain value of the kind they hold.
void add_unknown_fields(json& value, const std::string& key = "") {
  if (value.is_array()) {
    for (auto& item : value) add_unknown_fields(item, key);
    return;
  }
  if (!value.is_object() || key == "gtest" || key == "gbench") return;
  for (auto& [k, v] : value.items()) add_unknown_fields(v, k);
  if (key == "evidence")
    value["nsm_future"] = "a plain value";
  else if (key == "durations")
    value["nsm_future_seconds"] = 0.5;
  else
    value["nsm_future"] = {{"nested", json::array({1, "two", nullptr, {{"three", 3}}})}};
}

TEST(ResultsFormat, FieldsTheFormatDoesNotKnowAreIgnoredEverywhere) {
  TempDir scratch;
  const std::string dir = testing::copy_fixture("matrix", scratch);
  for (const char* file :
       {"run.json", "debian-6.1-cloud/kernel.json", "debian-6.1-cloud/status.json", "debian-6.1-cloud/probe.json",
        "debian-6.1-cloud/conformance.json", "debian-6.1-cloud/bench.json", "debian-4.19-unbootable/kernel.json",
        "debian-4.19-unbootable/status.json"})
    edit_json(dir + "/" + file, [](json& d) { add_unknown_fields(d); });
  const RunResults run = load_results(dir);
  for (const auto& p : run.all_problems()) ADD_FAILURE() << p;
  EXPECT_EQ(run.kernels[0].effective_status(), KernelStatus::Ok);
  EXPECT_EQ(run.kernels[2].effective_status(), KernelStatus::BootFailed);
}

// What a VM run adds (docs/results-format.md, kernel.json and status.json), all at once.
TEST(ResultsFormat, EveryDocumentedVmFieldLoads) {
  TempDir scratch;
  const std::string dir = testing::copy_fixture("matrix", scratch);
  const std::string k = dir + "/debian-6.1-cloud";
  edit_json(k + "/kernel.json", [](json& d) {
    d["source"]["companion_packages"] = {"linux-modules-7.2.13+deb14-cloud-amd64",
                                         "linux-base-7.2.13+deb14-cloud-amd64"};
    d["accel_reason"] = "no /dev/kvm";
    d["cmdline"] = "console=ttyS0 nsmatrix.guest=1";
    d["image"] = "/cache/kernels/debian-6.1-cloud/vmlinuz";
    d["modules"] = {"veth", "bridge"};
  });
  edit_json(k + "/status.json", [](json& d) {
    d["durations"]["qemu_seconds"] = 11.9;
    d["durations"]["guest_seconds"] = 9.6;
    d["stages"] = {{{"name", "conformance"},
                    {"command", "/usr/lib/nsmatrix/nsmatrix test -o /results/conformance.json"},
                    {"exit_code", 1},
                    {"end", "exited with status 1"},
                    {"seconds", 4.1},
                    {"results", true},
                    {"error", nullptr}},
                   {{"name", "bench"},
                    {"command", "/usr/lib/nsmatrix/nsmatrix bench --quick"},
                    {"exit_code", nullptr},
                    {"end", "not started"},
                    {"seconds", 0.0},
                    {"results", false},
                    {"error", "not started: the deadline had passed"}}};
    d["modules"] = {{{"name", "veth"}, {"ok", true}, {"error", nullptr}},
                    {{"name", "vxlan"}, {"ok", false}, {"error", "finit_module: ENOENT"}}};
    d["loopback"] = {{"ok", true}, {"error", nullptr}};
    d["root"] = {{"ok", false}, {"error", "pivot_root: EINVAL"}};
    d["mount_failures"] = {
        {{"target", "/sys/fs/cgroup"}, {"type", "cgroup2"}, {"ok", false}, {"error", "mount: ENODEV"}}};
  });
  edit_json(dir + "/run.json", [](json& d) {
    d["matrix"] = {{"jobs", 2}, {"accel", "auto"}, {"machine", "pc"}, {"timeout_seconds", 600.0}};
  });
  const RunResults run = load_results(dir);
  for (const auto& p : run.all_problems()) ADD_FAILURE() << p;
  ASSERT_TRUE(run.run && run.run->matrix);
  EXPECT_EQ(run.run->matrix->jobs, 2);
  EXPECT_EQ(run.run->matrix->machine, "pc");
  const auto& kernel = *run.kernels[0].kernel;
  EXPECT_EQ(kernel.accel_reason, "no /dev/kvm");
  EXPECT_EQ(kernel.modules, (std::vector<std::string>{"veth", "bridge"}));
  bool companions = false;
  for (const auto& [key, value] : kernel.source)
    companions |= key == "companion_packages" &&
                  value == "linux-modules-7.2.13+deb14-cloud-amd64, linux-base-7.2.13+deb14-cloud-amd64";
  EXPECT_TRUE(companions);
  const auto& status = *run.kernels[0].status;
  ASSERT_EQ(status.stages.size(), 2u);
  EXPECT_EQ(status.stages[0].exit_code, 1);
  EXPECT_EQ(status.stages[1].error, "not started: the deadline had passed");
  ASSERT_EQ(status.modules.size(), 2u);
  EXPECT_FALSE(status.modules[1].ok);
  ASSERT_EQ(status.setup_failures.size(), 2u);
  EXPECT_EQ(status.setup_failures[0].name, "root");
  EXPECT_EQ(status.setup_failures[1].name, "mount /sys/fs/cgroup");
  EXPECT_EQ(status.duration("qemu_seconds"), 11.9);
}

// The matrix writes this for a kernel it could not even prepare: nothing is known of its
// source, and it is a boot failure, not a reader's infra-error.
TEST(ResultsFormat, AKernelThatCouldNotBePreparedHasSourceTypeUnknown) {
  TempDir scratch;
  const std::string dir = testing::copy_fixture("matrix", scratch);
  edit_json(dir + "/debian-4.19-unbootable/kernel.json", [](json& d) {
    d["release"] = nullptr;
    d["version"] = nullptr;
    d["source"] = {{"type", "unknown"}, {"argument", "/nonexistent/vmlinuz"}};
  });
  const RunResults run = load_results(dir);
  EXPECT_TRUE(run.kernels[2].problems.empty()) << run.kernels[2].problems.front();
  EXPECT_EQ(run.kernels[2].effective_status(), KernelStatus::BootFailed);
}

// A gap fails when an assertion it stands on fails; it never passes.
TEST(ResultsFormat, AGapMayFailButNeverPass) {
  TempDir scratch;
  const std::string dir = testing::copy_fixture("matrix", scratch);
  const std::string file = dir + "/debian-6.1-cloud/conformance.json";
  auto set_first_gap = [&](const char* outcome) {
    edit_json(file, [&](json& d) {
      for (auto& c : d["checks"])
        if (c["kind"] == "gap") {
          c["outcome"] = outcome;
          break;
        }
      d.erase("summary");
    });
  };
  set_first_gap("fail");
  EXPECT_TRUE(load_results(dir).kernels[0].problems.empty());
  set_first_gap("pass");
  const auto problems = load_results(dir).kernels[0].problems;
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("\"pass\" for a gap"), std::string::npos) << problems[0];
}

struct Violation {
  const char* name;
  const char* file;  // in debian-6.1-cloud/
  std::function<void(json&)> edit;
  const char* expect;
};

const Violation kViolations[] = {
    {"CompanionPackagesNotStrings", "kernel.json",
     [](json& d) {
       d["source"]["companion_packages"] = {1, 2};
     },
     "source.companion_packages: item 0: expected a string"},
    {"CompanionPackagesNotAList", "kernel.json", [](json& d) { d["source"]["companion_packages"] = "linux-modules"; },
     "source.companion_packages: expected an array"},
    {"SourcePackageNotAString", "kernel.json", [](json& d) { d["source"]["package"] = json::array(); },
     "source.package: expected a string, found an array"},
    {"UnknownSourceType", "kernel.json", [](json& d) { d["source"]["type"] = "rpm"; },
     "source.type: unknown word \"rpm\""},
    {"ModulesNotStrings", "kernel.json",
     [](json& d) {
       d["modules"] = {{{"name", "veth"}}};
     },
     "modules: item 0: expected a string"},
    {"StageWithoutName", "status.json",
     [](json& d) {
       d["stages"] = {{{"seconds", 1.0}}};
     },
     "stages[0].name: missing"},
    {"NegativeDuration", "status.json", [](json& d) { d["durations"]["boot_seconds"] = -1; },
     "durations.boot_seconds: negative"},
    {"CheckIdWithCapitals", "conformance.json", [](json& d) { d["checks"][0]["id"] = "Net.Fresh"; },
     "\"Net.Fresh\" is not a check id"},
    {"CheckIdWithEmptyWord", "conformance.json", [](json& d) { d["checks"][0]["id"] = "net..fresh"; },
     "is not a check id"},
    {"ProbeIdWithSpace", "probe.json", [](json& d) { d["namespaces"][0]["id"] = "probe.ns cgroup"; },
     "is not a check id"},
    {"BenchWithoutLowerIsBetter", "bench.json", [](json& d) { d["checks"][0]["metrics"][0].erase("lower_is_better"); },
     "metrics[0].lower_is_better: missing"},
};

class FormatViolation : public ::testing::TestWithParam<Violation> {};

TEST_P(FormatViolation, IsRejectedNamingTheFileAndTheField) {
  const Violation& v = GetParam();
  TempDir scratch;
  const std::string dir = testing::copy_fixture("matrix", scratch);
  const std::string file = dir + "/debian-6.1-cloud/" + v.file;
  edit_json(file, v.edit);
  const RunResults run = load_results(dir);
  const auto& problems = run.kernels[0].problems;
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(file), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find(v.expect), std::string::npos) << problems[0];
  EXPECT_EQ(run.kernels[0].effective_status(), KernelStatus::InfraError);
}

INSTANTIATE_TEST_SUITE_P(Rules, FormatViolation, ::testing::ValuesIn(kViolations),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ResultsFormat, CheckIdsAreDotSeparatedLowercaseWords) {
  for (const char* good : {"net", "net.veth.pair-connects", "bench.create.net", "probe.ns.time", "x1.2-3"})
    EXPECT_TRUE(is_check_id(good)) << good;
  for (const char* bad : {"", ".", "net.", ".net", "net..veth", "Net", "net veth", "net/veth", "net_veth", "nét"})
    EXPECT_FALSE(is_check_id(bad)) << bad;
}

}  // namespace
}  // namespace nsm::reports
