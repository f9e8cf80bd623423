// The kernel manifest: which kernels the matrix runs, each with exactly one source —
// a Debian package (name + suite), a file (a bzImage and optionally a modules tree), or a
// build (a Debian linux-source-X package + a Kconfig fragment). The default one is
// vm/kernels/manifest.json, embedded in the binary; `--kernels FILE` reads another.
//
// A Debian source is a track (a suite and a flavour, resolved through the suite's
// metapackage linux-image-[FLAVOUR-]amd64 when the lock says nothing: kernel_lock.h) or a
// pin (an exact package name).
//
//   {"schema_version": 1, "kind": "kernels", "kernels": [
//     {"id": "debian-6.1-cloud", "title": "...", "tags": ["debian"],
//      "debian": {"suite": "bookworm", "flavour": "cloud"}},
//     {"id": "pinned", "debian": {"package": "linux-image-6.1.0-50-cloud-amd64-unsigned", "suite": "bookworm"}},
//     {"id": "mine", "file": {"image": "/srv/bzImage", "modules_dir": "/srv/modules"}},
//     {"id": "no-time-ns", "build": {"source_package": "linux-source-6.12", "suite": "trixie",
//                                    "fragment": "fragments/no-time-ns.config"}}]}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

enum class SourceType { Debian, File, Build };
std::string_view source_type_name(SourceType t);  // "debian", "file", "build"

// One package as the lock names it: the exact upload and its SHA-256 from apt's index.
struct LockedPackage {
  std::string name, version, sha256;
  long long size = 0;
  bool operator==(const LockedPackage&) const = default;
};

struct KernelEntry {
  std::string id, title;
  SourceType type = SourceType::Debian;
  std::string package, suite;            // debian (suite: also where a build's source package comes from)
  std::string flavour;                   // debian track ("cloud", "rt", "generic"); package is empty then
  std::string image, modules_dir;        // file (absolute, resolved against the manifest's folder)
  std::string source_package, fragment;  // build (fragment: a path, or "built-in:fragments/x.config")
  std::vector<std::string> tags;
  std::string fragment_text;  // build: the fragment's content, read and checked at load
  std::string manifest;       // where the entry came from: a path, or "built-in"
  // Filled from the lock (kernel_lock.h), empty as loaded: debian, the kernel package first,
  // then its companions; build, the linux-source package.
  std::vector<LockedPackage> locked;
  bool is_track() const { return type == SourceType::Debian && !flavour.empty(); }
};

// The suite's metapackage of a flavour: "cloud" -> linux-image-cloud-amd64, "generic" ->
// linux-image-amd64.
std::string metapackage_name(std::string_view flavour);

// nullopt: the built-in manifest. Throws nsm::InputError naming the file and the problem: a JSON
// syntax error with its line and column, or "kernels[3] (id 'x'): field 'suite': ...".
std::vector<KernelEntry> load_manifest(const std::optional<std::string>& path);
// The same from text; `source` names it in errors, `base_dir` resolves relative paths
// (empty: the built-in fragments).
std::vector<KernelEntry> parse_manifest(std::string_view text, const std::string& source, const std::string& base_dir);

// Throws nsm::InputError "unknown kernel id 'x' (known: a, b, c)".
const KernelEntry& find_kernel(const std::vector<KernelEntry>& kernels, std::string_view id);

// The fragment every build merges before its own (vm/kernels/fragments/guest-base.config).
std::string_view guest_base_fragment();

}  // namespace nsm::vm
