// The kernel manifest: which kernels the matrix runs, each with exactly one source —
// a Debian package (name + suite), a file (a bzImage and optionally a modules tree), or a
// build (a Debian linux-source-X package + a Kconfig fragment). The default one is
// vm/kernels/manifest.json, embedded in the binary; `--kernels FILE` reads another.
//
//   {"schema_version": 1, "kind": "kernels", "kernels": [
//     {"id": "debian-6.1-cloud", "title": "...", "tags": ["debian"],
//      "debian": {"package": "linux-image-6.1.0-50-cloud-amd64-unsigned", "suite": "bookworm"}},
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

struct KernelEntry {
  std::string id, title;
  SourceType type = SourceType::Debian;
  std::string package, suite;          // debian (suite: also where a build's source package comes from)
  std::string image, modules_dir;      // file (absolute, resolved against the manifest's folder)
  std::string source_package, fragment;  // build (fragment: a path, or "built-in:fragments/x.config")
  std::vector<std::string> tags;
  std::string fragment_text;           // build: the fragment's content, read and checked at load
  std::string manifest;                // where the entry came from: a path, or "built-in"
};

// nullopt: the built-in manifest. Throws nsm::Error naming the file and the problem: a JSON
// syntax error with its line and column, or "kernels[3] (id 'x'): field 'suite': ...".
std::vector<KernelEntry> load_manifest(const std::optional<std::string>& path);
// The same from text; `source` names it in errors, `base_dir` resolves relative paths
// (empty: the built-in fragments).
std::vector<KernelEntry> parse_manifest(std::string_view text, const std::string& source,
                                        const std::string& base_dir);

// Throws nsm::Error "unknown kernel id 'x' (known: a, b, c)".
const KernelEntry& find_kernel(const std::vector<KernelEntry>& kernels, std::string_view id);

// The fragment every build merges before its own (vm/kernels/fragments/guest-base.config).
std::string_view guest_base_fragment();

}  // namespace nsm::vm
