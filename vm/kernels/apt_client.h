// apt-get and apt-cache on a private state directory under the cache: the machine's own apt
// (its apt.conf.d, proxies, keyrings) with sources derived from its own for other suites,
// and lists, cache and status of our own, so the host's package state is never touched.
// apt verifies the Release signatures and every package's hash, as it always does.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct AptPackage {
  std::string name, version, suite, filename;  // filename: the pool path
  std::string sha256;                          // of the .deb, from apt's index (Packages)
  long long size = 0;                          // bytes of the .deb
  std::vector<std::string> depends;            // package names, alternatives flattened
};

// Parses "apt-cache show" output (one stanza). nullopt when there is no Package field.
std::optional<AptPackage> parse_package_stanza(std::string_view text);

class AptClient {
 public:
  using Progress = std::function<void(std::string_view)>;
  // `root`: the private directory ($NSMATRIX_CACHE/apt). `sources`: deb822 text
  // (derive_sources). Creates the directory layout apt needs.
  AptClient(std::string root, const std::string& sources);

  // The "-o" options that point apt at the private state (exposed for tests and messages).
  std::vector<std::string> options() const;
  // apt-get update, once per AptClient (the lists of every configured suite).
  void update(const Progress& progress);
  // The candidate of NAME in SUITE; nullopt when the suite has no such package.
  std::optional<AptPackage> show(const std::string& name, const std::string& suite);
  // NAME at exactly VERSION in any configured suite; nullopt when the archive no longer has it.
  std::optional<AptPackage> show_exact(const std::string& name, const std::string& version);
  // apt-get download NAME=VERSION into `dir`; returns the .deb's path. Throws nsm::ToolError with
  // apt's own message when it fails (a bad signature, a hash mismatch, a missing package).
  std::string download(const AptPackage& package, const std::string& dir, const Progress& progress);
  // Several packages in one apt call; the paths in the same order.
  std::vector<std::string> download(const std::vector<AptPackage>& packages, const std::string& dir,
                                    const Progress& progress);

 private:
  std::string root_;
  bool updated_ = false;
};

}  // namespace nsm::vm
