#include "vm/kernels/apt_session.h"

#include <mutex>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "vm/kernels/apt_sources.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {

namespace {

std::string sources_for(const std::string& suite) {
  std::set<std::string> suites = {suite};
  for (const auto& entry : load_manifest(std::nullopt)) suites.insert(entry.suite);
  return derive_sources(read_machine_sources(), suites);
}

// Which sources texts this process already ran apt-get update for.
std::mutex updated_mutex;
std::set<std::string> updated_sources;

}  // namespace

AptSession::AptSession(const std::string& suite, const Progress& progress)
    : lock_(cache_dir() + "/locks/apt.lock"), sources_(sources_for(suite)), client_(cache_dir() + "/apt", sources_) {
  std::lock_guard guard(updated_mutex);
  if (updated_sources.contains(sources_)) return;
  if (progress) progress("apt-get update (private lists in " + cache_dir() + "/apt)");
  client_.update(progress);
  updated_sources.insert(sources_);
}

AptPackage AptSession::must_show(const std::string& name, const std::string& suite) {
  auto package = client_.show(name, suite);
  if (!package) throw InputError(fmt::format("package '{}' is not in suite '{}' of {}", name, suite, describe()));
  return *package;
}

std::optional<AptPackage> AptSession::candidate(const std::string& name, const std::string& suite) {
  return client_.show(name, suite);
}

std::optional<AptPackage> AptSession::exact(const std::string& name, const std::string& version,
                                            const std::string& suite) {
  auto package = client_.show_exact(name, version);
  if (package) package->suite = suite;
  return package;
}

std::string AptSession::describe() const {
  return fmt::format(
      "the mirror this machine uses (sources derived from /etc/apt into "
      "{}/apt/etc/sources.list.d/nsmatrix.sources)",
      cache_dir());
}

}  // namespace nsm::vm
