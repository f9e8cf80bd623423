// The per-kernel initramfs archive, unpacked after the base: the kernel's modules the
// suite needs, decompressed (a kernel may lack the decompressor for its own .ko.xz when
// loading with finit_module), in load order, with the list init reads; and the kernel's
// config at /boot/config-<release>, where the probes look for it. /lib/modules/<release>
// links to the modules, where programs look for them.
#pragma once

#include <string>
#include <vector>

namespace nsm::vm {

struct KernelArchiveInput {
  std::string release;               // "6.1.0-28-cloud-amd64"
  std::string config_path;           // empty: no config file for the guest
  std::vector<std::string> modules;  // host paths (.ko, .ko.xz, .ko.zst, .ko.gz), load order
};

struct KernelArchive {
  std::string path;
  std::string sha256;
  bool reused = false;
};

// Cached in <cache>/initramfs/kernel-<sha256>.cpio. Throws nsm::InputError naming a module that
// cannot be read or decompressed.
KernelArchive build_kernel_archive(const KernelArchiveInput& input, const std::string& cache_dir);

// A module file's content, decompressed by its suffix (via libarchive's filters).
std::string read_module(const std::string& path);

// "veth" from ".../veth.ko.xz".
std::string module_stem(const std::string& path);

}  // namespace nsm::vm
