// The probe of the running kernel, checked against /proc/self/ns and the kernel's own
// config, read here independently of core/kernel_config.
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "probes/probe_report.h"

namespace nsm {
namespace {

// "CONFIG_X" -> "y"/"m"/"n" from /proc/config.gz, by plain text search.
std::map<std::string, std::string> proc_config() {
  std::map<std::string, std::string> out;
  gzFile gz = gzopen("/proc/config.gz", "rb");
  if (!gz) return out;
  char line[4096];
  while (gzgets(gz, line, sizeof line)) {
    std::string l(line);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    if (l.rfind("CONFIG_", 0) == 0) {
      const auto eq = l.find('=');
      out[l.substr(0, eq)] = l.substr(eq + 1);
    } else if (l.rfind("# CONFIG_", 0) == 0 && l.size() > 13 && l.substr(l.size() - 11) == " is not set") {
      out[l.substr(2, l.size() - 13)] = "n";
    }
  }
  gzclose(gz);
  return out;
}

TEST(RunningProbe, AgreesWithProcAndTheKernelsConfig) {
  const ProbeReport r = run_probe({});
  ASSERT_EQ(r.namespaces.size(), 8u);
  const auto config = proc_config();
  for (const auto& p : r.namespaces) {
    const auto& info = ns_info(p.type);
    SCOPED_TRACE(std::string(info.name));
    struct stat st {};
    const bool present = ::stat(("/proc/self/ns/" + std::string(info.proc_name)).c_str(), &st) == 0;
    EXPECT_EQ(p.proc_ns_present, present);
    if (!config.empty() && !info.kconfig.empty()) {
      auto it = config.find(std::string(info.kconfig));
      EXPECT_EQ(p.kconfig.value, it == config.end() ? "absent" : it->second);
      EXPECT_EQ(p.kconfig.source, "/proc/config.gz");
    }
    ASSERT_TRUE(p.attempt);
    ASSERT_TRUE(p.rootless);
    if (::geteuid() == 0) {
      ASSERT_TRUE(p.attempt->tried);
      // The attempt is the kernel's answer: a type that exists is created by root.
      if (present && p.kconfig.value != "n") {
        EXPECT_TRUE(p.attempt->ok) << p.attempt->call << " " << p.attempt->meaning;
        EXPECT_EQ(p.verdict, Verdict::Supported) << p.reason;
      }
    }
    EXPECT_TRUE(p.rootless->tried);
    EXPECT_TRUE(p.disagreements.empty()) << p.disagreements.front();
  }
}

TEST(RunningProbe, JsonCarriesTheDocumentedFields) {
  const auto j = run_probe({}).to_json();
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["kind"], "probe");
  EXPECT_EQ(j["mode"], "running");
  EXPECT_TRUE(j["kernel"]["release"].is_string());
  EXPECT_TRUE(j["process"]["initial_namespaces"].is_object());
  for (const auto& ns : j["namespaces"]) {
    for (const char* key : {"id", "type", "verdict", "reason", "kconfig", "proc_ns", "version", "attempt", "rootless",
                            "believed", "disagreements"})
      EXPECT_TRUE(ns.contains(key)) << key;
  }
  bool saw_veth = false;
  for (const auto& f : j["features"]) {
    EXPECT_TRUE(f["evidence"].is_object());
    for (const auto& [k, v] : f["evidence"].items())
      EXPECT_FALSE(v.is_object() || v.is_array()) << f["id"] << "." << k << " is flat";
    if (f["id"] == "probe.link.veth") saw_veth = true;
  }
  EXPECT_TRUE(saw_veth);
}

}  // namespace
}  // namespace nsm
