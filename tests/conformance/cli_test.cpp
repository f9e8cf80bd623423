// nsmatrix test and nsmatrix clean, as a user runs them.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "conformance/driver/residue.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/results.h"
#include "core/spawn.h"
#include "tests/support/command.h"

namespace {

using nsm::testing_support::run_command;
namespace fs = std::filesystem;

using nsm::testing_support::nsmatrix_binary;

std::string scratch(const std::string& name) {
  return ::testing::TempDir() + "nsm-clitest-" + std::to_string(::getpid()) + "-" + name;
}

TEST(TestCommand, WritesConformanceJsonForTheSelectedChecks) {
  const std::string out = scratch("conformance.json");
  const auto r =
      run_command({nsmatrix_binary(), "test", "--filter", "UtsNamespace.*:ProcGap.BootIdIsShared", "-o", out});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json doc = nsm::read_json_file(out, "conformance");  // the reader of the format accepts it
  fs::remove(out);
  ASSERT_EQ(doc["checks"].size(), 6u);
  int counted = 0;
  for (const auto& [outcome, n] : doc["summary"].items()) counted += n.get<int>();
  EXPECT_EQ(counted, 6);
  EXPECT_EQ(doc["summary"]["fail"], 0);
  EXPECT_EQ(doc["summary"]["broken"], 0);
  for (const auto& c : doc["checks"]) {
    for (const char* key :
         {"id", "kind", "type", "title", "test", "requirements", "outcome", "reason", "message", "duration_seconds"})
      EXPECT_TRUE(c.contains(key)) << key << " missing in " << c.dump();
  }
  EXPECT_EQ(doc["gtest"]["tests"], 6);
  EXPECT_NE(r.out.find("nsmatrix test: 6 checks:"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out + ".gtest.tmp")) << "the scratch file must be removed";
}

// The ids and globs of them the report shows select the checks too, mixed with names.
TEST(TestCommand, FilterTakesCheckIdsAsTheReportShowsThem) {
  const std::string out = scratch("ids.json");
  const auto r = run_command({nsmatrix_binary(), "test", "--filter", "uts.*:*.gap.boot-id-*:-uts.limits.*", "-o", out});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json doc = nsm::read_json_file(out, "conformance");
  fs::remove(out);
  ASSERT_FALSE(doc["checks"].empty());
  bool boot_id = false;
  for (const auto& c : doc["checks"]) {
    const std::string id = c["id"];
    EXPECT_TRUE(id.rfind("uts.", 0) == 0 || id == "proc.gap.boot-id-shared") << id;
    EXPECT_NE(id.rfind("uts.limits.", 0), 0u) << id << " was excluded";
    boot_id = boot_id || id == "proc.gap.boot-id-shared";
  }
  EXPECT_TRUE(boot_id);
}

TEST(TestCommand, FilterThatSelectsNoCheckIsBadInput) {
  const auto r = run_command({nsmatrix_binary(), "test", "--filter", "no.such.check", "-o", scratch("none.json")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("selects no check"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch("none.json")));
}

TEST(TestCommand, BadTimeoutIsBadInput) {
  const auto r = run_command({nsmatrix_binary(), "test", "--timeout", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(TestCommand, MissingSuiteIsABrokenInstallation) {
  const std::string dir = scratch("lonely");
  fs::create_directories(dir);
  const std::string lonely = dir + "/nsmatrix";
  fs::copy_file(nsmatrix_binary(), lonely);
  const auto r = run_command({lonely, "test", "-o", dir + "/conformance.json"});
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("the conformance suite is missing"), std::string::npos) << r.err;
}

TEST(CleanCommand, DryRunListsAndChangesNothing) {
  const auto r = run_command({nsmatrix_binary(), "clean", "--dry-run"});
  EXPECT_NE(r.out.find("object(s) of the suite found"), std::string::npos) << r.out;
  // Exit 1 exactly when it lists something: CI uses it as the machine's residue check.
  const bool listed = r.out.find("would remove") != std::string::npos;
  EXPECT_EQ(r.exit_code, listed ? 1 : 0) << r.out << r.err;
}

// A user's nsm-named objects are listed but never the suite's: clean removes only marked
// ones. Made in a child's own network and mount namespaces (proved new by the spawner), so
// they vanish with it.
TEST(CleanCommand, AUsersNsmNamedObjectsAreNotMarked) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make links and mounts";
  int pid = 0;
  unsigned long pidns = 0;
  EXPECT_FALSE(nsm::conformance::parse_link_marker("nsmvpn tunnel", pid, pidns));
  EXPECT_TRUE(nsm::conformance::parse_link_marker(nsm::nsm_link_marker(), pid, pidns));
  EXPECT_EQ(pid, ::getpid());
  EXPECT_EQ(pidns, nsm::conformance::own_pidns());

  nsm::SpawnOptions options;
  options.clone_flags = CLONE_NEWNET | CLONE_NEWNS;
  const auto r = nsm::run_in_child(options, [] {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) nsm::throw_sys("mount(/, MS_PRIVATE)");
    auto rt = nsm::RouteSocket::open();
    rt.add_veth("nsmvpn", "nsmbr-user");  // not the initial namespace: no marker, as a user's
    if (::mount("tmpfs", "/mnt", "tmpfs", 0, "size=64k") != 0) nsm::throw_sys("mount(/mnt)");
    ::mkdir("/mnt/nsmith", 0755);
    ::mkdir("/mnt/ours", 0755);
    if (::mount("tmpfs", "/mnt/nsmith", "tmpfs", 0, "size=64k") != 0) nsm::throw_sys("mount(/mnt/nsmith)");
    if (::mount("nsm-test", "/mnt/ours", "tmpfs", 0, "size=64k") != 0) nsm::throw_sys("mount(/mnt/ours)");
    nlohmann::json out = nlohmann::json::object();
    for (const auto& item : nsm::conformance::find_residue()) out[item.kind + " " + item.name] = item.marked;
    return out.dump();
  });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  const auto found = r.json();
  EXPECT_EQ(found.value("link nsmvpn", true), false) << found.dump();
  EXPECT_EQ(found.value("link nsmbr-user", true), false) << found.dump();
  EXPECT_EQ(found.value("mount /mnt/nsmith", true), false) << found.dump();
  EXPECT_EQ(found.value("mount /mnt/ours", false), true) << found.dump();
}

}  // namespace
