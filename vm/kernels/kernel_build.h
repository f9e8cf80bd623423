// A kernel variant built from Debian's linux-source-X.Y: tinyconfig, then the guest's needs
// (fragments/guest-base.config), then the variant's fragment, then Kconfig's olddefconfig —
// and a check that every fragment line survived. The unpacked source tree is cached per
// package version, and so is the build directory: the variants of one source share it, so
// a further variant recompiles only the objects its config changes.
#pragma once

#include <string>

#include "vm/kernels/kernel_store.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {

// Bumped when the recipe below changes what a build produces: old builds are not reused.
inline constexpr int kBuildRecipe = 1;

// Builds `entry` and puts DIR/vmlinuz, DIR/config and DIR/build.log; fills `out`.
void build_kernel(const KernelEntry& entry, const std::string& dir, PreparedKernel& out, const Progress& progress,
                  const PrepareOptions& options);

// Unpacks the linux-source-X.Y.tar.* inside a linux-source-X.Y .deb into `dest` (which
// must not exist): dest/linux-source-X.Y/... Rejects entries that would land outside.
// Returns the tree's top directory.
std::string unpack_kernel_source(const std::string& deb, const std::string& dest, const Progress& progress);

}  // namespace nsm::vm
