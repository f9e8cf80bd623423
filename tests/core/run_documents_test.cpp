// kernel.json and status.json as types: what the writers write is what the readers read
// back, null and absent mean "not set", and a field of the wrong type is named.
#include "core/run_documents.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/results.h"

namespace nsm {
namespace {

using json = nlohmann::json;

KernelDocument running_kernel(const std::string& id) {
  KernelDocument k;
  k.id = id;
  k.source = {{"type", "running"}};
  return k;
}

TEST(RunDocuments, AKernelDocumentReadsBackAsWritten) {
  KernelDocument k;
  k.id = "debian-6.1-cloud";
  k.release = "6.1.0-41-cloud-amd64";
  k.version = "6.1.158";
  k.source = {{"type", "debian"}, {"package", "linux-image-cloud-amd64"}};
  k.accel = "kvm";
  k.boot_seconds = 1.8;
  k.modules = std::vector<std::string>{"veth", "brd"};
  k.guest_binaries = std::vector<GuestBinary>{{"nsmatrix", std::nullopt, "/build/bin/nsmatrix"}};
  const json j = k;
  EXPECT_EQ(j["schema_version"], kSchemaVersion);
  EXPECT_EQ(j["kind"], "kernel");
  EXPECT_TRUE(j["qemu_version"].is_null()) << "a field every run has is written, null when unknown";
  EXPECT_FALSE(j.contains("cmdline")) << "a VM-only field is written only when set";
  EXPECT_TRUE(j["guest_binaries"][0]["build_id"].is_null());
  const auto back = j.get<KernelDocument>();
  EXPECT_EQ(back.id, k.id);
  EXPECT_EQ(back.release, k.release);
  EXPECT_EQ(back.source, k.source);
  EXPECT_EQ(back.accel, k.accel);
  EXPECT_EQ(back.boot_seconds, k.boot_seconds);
  EXPECT_FALSE(back.qemu_version);
  EXPECT_EQ(back.modules, k.modules);
  ASSERT_TRUE(back.guest_binaries);
  EXPECT_EQ(back.guest_binaries->at(0).host_path, "/build/bin/nsmatrix");
  EXPECT_EQ(json(back), j);
}

TEST(RunDocuments, AStatusDocumentReadsBackAsWritten) {
  StatusDocument s;
  s.status = "infra-error";
  s.reason = "bench: killed at its deadline";
  s.durations = {{"total_seconds", 9.1}, {"probe_seconds", 0.2}};
  s.splats = {{"WARNING", "WARNING: CPU: 0 PID: 1 at ..."}};
  s.stages = json::array({{{"name", "bench"}, {"error", "killed"}}});
  s.limits = std::vector<std::string>{"console: 9 bytes, more than the 8 kept"};
  const json j = s;
  EXPECT_EQ(j["kind"], "status");
  EXPECT_TRUE(j["guest_exit_code"].is_null());
  EXPECT_FALSE(j.contains("modules"));
  const auto back = j.get<StatusDocument>();
  EXPECT_EQ(back.status, s.status);
  EXPECT_EQ(back.reason, s.reason);
  EXPECT_EQ(back.durations, s.durations);
  ASSERT_EQ(back.splats.size(), 1u);
  EXPECT_EQ(back.splats[0].kind, "WARNING");
  EXPECT_EQ(back.stages, s.stages);
  EXPECT_EQ(back.limits, s.limits);
  EXPECT_EQ(json(back), j);
}

TEST(RunDocuments, AFieldOfTheWrongTypeIsNamed) {
  json k = running_kernel("host");
  k["boot_seconds"] = "fast";
  try {
    (void)k.get<KernelDocument>();
    FAIL() << "a string boot_seconds was read";
  } catch (const ResultsError& e) {
    EXPECT_NE(std::string(e.what()).find("boot_seconds"), std::string::npos) << e.what();
  }
  json s = StatusDocument{};
  s["durations"]["total_seconds"] = json::object();
  try {
    (void)s.get<StatusDocument>();
    FAIL() << "an object total_seconds was read";
  } catch (const ResultsError& e) {
    EXPECT_NE(std::string(e.what()).find("durations.total_seconds"), std::string::npos) << e.what();
  }
}

TEST(RunDocuments, WrittenIntoAKernelDirectoryUnderTheirNames) {
  const std::string dir = testing::TempDir() + "nsm-run-documents-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  StatusDocument s;
  s.status = "ok";
  s.durations = {{"total_seconds", 1.0}};
  write_status_document(dir, s);
  write_kernel_document(dir, running_kernel("host"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + std::string(result_files::kStatus)));
  EXPECT_EQ(read_status_document(dir).status, "ok");
  EXPECT_EQ(read_kernel_document(dir).source["type"], "running");
  std::filesystem::remove_all(dir);
  try {
    (void)read_status_document(dir);
    FAIL() << "a missing status.json was read";
  } catch (const ResultsError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/status.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nsm
