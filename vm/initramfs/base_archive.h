// The base initramfs archive, shared by every kernel: the nsmatrix binaries (stripped to
// what they load), every shared library they load, the ELF interpreter, and the few
// directories and device nodes PID 1 needs before it mounts anything. Built once and kept
// in the cache under the SHA-256 of its content, so an unchanged build reuses it.
#pragma once

#include <string>
#include <vector>

namespace nsm::vm {

// A binary the guest runs. It goes in stripped; its debug info stays in the host's copy,
// which the build ID names, so a crash in the guest can be symbolised on the host
// (`addr2line -e HOST_PATH`) once the IDs are seen to match.
struct GuestBinary {
  std::string name;       // "nsmatrix"
  std::string host_path;  // the unstripped file it was made from
  std::string build_id;   // GNU build ID, hex; empty when the binary has none
};

struct BaseArchive {
  std::string path;                   // <cache>/initramfs/base-<sha256>.cpio
  std::string sha256;                 // of the content that went in
  std::vector<GuestBinary> binaries;  // the nsmatrix binaries it holds
  std::vector<std::string> missing;   // nsmatrix binaries not built (their stages will say so)
  bool reused = false;                // found in the cache
  unsigned long long bytes = 0;
};

// The binaries the guest runs, looked for in `bin_dir` (the directory of the running
// nsmatrix). nsmatrix and nsmatrix-init are required; throws nsm::ToolError without them.
BaseArchive build_base_archive(const std::string& bin_dir, const std::string& cache_dir);

// Every rebuilt binary makes a new base: keep the files of the `keep` most recently built
// bases and remove the rest (and the run-*.cpio that older versions cached beside them).
// Several builds (default, asan) may share one cache, hence more than one.
void prune_initramfs_cache(const std::string& cache_dir, size_t keep = 4);

}  // namespace nsm::vm
