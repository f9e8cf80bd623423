#include "vm/qemu/accel.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/qemu/qemu_command.h"

namespace nsm::vm {

std::string qemu_version() {
  static std::mutex mutex;
  static std::string version;
  std::lock_guard lock(mutex);
  if (!version.empty()) return version;
  ProgramOptions options;
  options.timeout = std::chrono::seconds(20);
  const ProgramResult r = run_program({kQemuBinary, "--version"}, options);
  if (!r.ok())
    throw ToolError(fmt::format("{} --version: {} (install qemu-system-x86: scripts/install-deps.sh)", kQemuBinary,
                                r.status.describe()));
  const std::string marker = "version ";
  const size_t at = r.out.find(marker);
  if (at == std::string::npos)
    throw ToolError(fmt::format("{} --version: unexpected output: {}", kQemuBinary, trim(r.out)));
  const size_t start = at + marker.size();
  version = r.out.substr(start, r.out.find_first_of(" \n", start) - start);
  return version;
}

AccelChoice choose_accel(const std::string& requested, const std::string& cache_dir, const std::string& qemu_ver,
                         const KvmTrial& trial, const std::string& kvm_device) {
  if (requested == "kvm" || requested == "tcg") return {requested, "requested", false};
  if (requested != "auto") throw InputError(fmt::format("--accel: \"{}\" is not auto, kvm or tcg", requested));

  struct stat st {};
  if (::stat(kvm_device.c_str(), &st) != 0) return {"tcg", fmt::format("no {}", kvm_device), false};

  struct utsname u {};
  ::uname(&u);
  const nlohmann::json key = {{"host_release", u.release},
                              {"qemu_version", qemu_ver},
                              {"kvm_rdev", static_cast<unsigned long long>(st.st_rdev)}};
  const std::string path = cache_dir + "/accel.json";
  // One trial per cache: parallel VM runs wait for the first one's answer.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  try {
    const nlohmann::json cached = read_json_file(path, "accel");
    if (cached.at("key") == key)
      return {cached.at("accel").get<std::string>(), cached.at("why").get<std::string>(), true};
  } catch (const std::exception&) {
    // No cache yet, or a stale or broken one: decide again.
  }
  std::string why;
  const bool kvm_works = trial(why);
  AccelChoice choice{kvm_works ? "kvm" : "tcg", fmt::format("KVM trial boot {}", why), false};
  try {
    write_json_file(path, {{"schema_version", kSchemaVersion},
                           {"kind", "accel"},
                           {"key", key},
                           {"accel", choice.accel},
                           {"why", choice.why}});
  } catch (const std::exception&) {
    // A read-only cache costs a trial per run, nothing else.
  }
  return choice;
}

}  // namespace nsm::vm
