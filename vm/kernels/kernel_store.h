// Kernels ready to boot: fetched from Debian, built from Debian's linux-source, or taken
// from a file — each as a bzImage, its .config, and the modules the guest loads
// (decompressed, dependencies first). Prepared once into $NSMATRIX_CACHE/kernels/<id>/,
// then served from there.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vm/kernels/manifest.h"

namespace nsm::vm {

struct PreparedKernel {
  std::string id, release, version;
  std::string image;                               // path to a bootable bzImage
  std::string config;                              // path to its .config, or empty
  std::string modules_dir;                         // dir of decompressed .ko files, may be empty
  std::vector<std::string> modules_in_load_order;  // paths, dependencies first
  nlohmann::json source;                           // kernel.json's "source" (docs/results-format.md)
  // What the guest wanted but this kernel has built in, or does not have at all.
  std::vector<std::string> modules_builtin, modules_absent;
  // How it was prepared (for progress and measurements).
  bool cache_hit = false;
  double prepare_seconds = 0;    // this call (0-ish on a hit)
  double fetch_seconds = 0;      // the original fetch or build, as recorded in the cache
  long long download_bytes = 0;  // .deb bytes apt downloaded for it
};

using Progress = std::function<void(std::string_view line)>;

struct PrepareOptions {
  bool refresh = false;  // ignore the cache: fetch (and resolve the package version) again
  int jobs = 0;          // make -j for builds; 0: the number of CPUs
};

// $NSMATRIX_CACHE, else $XDG_CACHE_HOME/nsmatrix, else ~/.cache/nsmatrix.
std::string cache_dir();

// The modules nsmatrix-init loads when they are modules (veth, bridge, stp, llc, macvlan,
// vxlan, netkit, brd, crc32c_generic, nf_conntrack, nf_conntrack_netlink); their
// dependencies come along.
const std::vector<std::string>& guest_modules();

// Fetches or builds when not cached; throws nsm::InputError or ToolError with a clear reason. Nothing is left
// half-cached: work happens in a temporary directory renamed into place at the end.
PreparedKernel prepare_kernel(const KernelEntry& entry, const Progress& progress);
PreparedKernel prepare_kernel(const KernelEntry& entry, const Progress& progress, const PrepareOptions& options);

// The cached kernel of an entry, or nullopt (nothing cached, or cached for another package,
// suite or fragment). Never touches the network.
std::optional<PreparedKernel> cached_kernel(const KernelEntry& entry);

// `nsmatrix vm --kernel PATH`: a bzImage and optionally a modules tree (.ko, .ko.xz, ...,
// anywhere below it). Throws nsm::InputError for a missing file or one that is not a bzImage.
// Its config is the first of IMAGE_DIR/.config, IMAGE_DIR/config, MODULES_DIR/config,
// MODULES_DIR/build/.config that exists.
PreparedKernel prepare_kernel_file(const std::string& image, const std::optional<std::string>& modules_dir);

// Checks a prepared kernel again: the image is a bzImage whose header names `release`, the
// config parses (core/kernel_config.h), every module is an ELF module whose vermagic starts
// with the release. Returns one line per check ("bzImage 6.1.0-50-cloud-amd64 (protocol
// 2.15)"); throws nsm::ToolError naming the first problem.
std::vector<std::string> verify_kernel(const PreparedKernel& kernel);

// What decides whether a cached kernel is still the one the entry asks for.
std::string cache_key(const KernelEntry& entry);

}  // namespace nsm::vm
