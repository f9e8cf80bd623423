// A Debian kernel package, fetched with apt and read with libarchive: both layouts.
//   linux-image-R-unsigned: boot/vmlinuz-R, boot/config-R, lib/modules/R/**.ko[.xz]
//   linux-binary[-unsigned]-R (+ linux-modules-R, linux-base-R): usr/lib/modules/R/vmlinuz*,
//     usr/lib/modules/R/config, usr/lib/modules/R/**.ko.xz
#pragma once

#include <string>
#include <vector>

#include "vm/kernels/kernel_store.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {

// The packages to download for `package` (apt-cache's view of it): itself, plus for the
// split layout its linux-modules-R and linux-base-R companions named in its Depends or by
// its release.
std::vector<std::string> debian_kernel_packages(const std::string& package, const std::vector<std::string>& depends);

// Reads kernel, config, modules.builtin and module files out of already downloaded .debs
// into `dir`: DIR/vmlinuz, DIR/config, DIR/modules/NAME.ko (the guest's modules and their
// dependencies). Fills image, config, release, modules_*. Throws nsm::ToolError naming the
// package that is broken or lacks a kernel.
void extract_debian_kernel(const std::vector<std::string>& debs, const std::string& dir, PreparedKernel& out,
                           const Progress& progress);

// Fetches entry.package from entry.suite into `dir` and extracts it.
void fetch_debian_kernel(const KernelEntry& entry, const std::string& dir, PreparedKernel& out,
                         const Progress& progress);

}  // namespace nsm::vm
