// Where things are inside the guest, shared by the host that builds the initramfs and
// reads the side channels and the init that runs in the guest.
#pragma once

#include <string_view>

namespace nsm::vm::layout {

// Archive paths (relative, as cpio stores them).
inline constexpr std::string_view kBinDir = "usr/lib/nsmatrix";              // the four binaries
inline constexpr std::string_view kModulesDir = "usr/lib/nsmatrix/modules";  // NN-name.ko
inline constexpr std::string_view kModulesList = "etc/nsmatrix/modules";     // load order, one a line
inline constexpr std::string_view kBaseManifest = "etc/nsmatrix/base.json";  // what the base holds

// Guest paths.
inline constexpr std::string_view kResultsDir = "/tmp/nsmatrix-results";
inline constexpr std::string_view kResultsPort = "/dev/ttyS1";  // the results frame
inline constexpr std::string_view kStatusPort = "/dev/ttyS2";   // the status frame (exit code)

// Frame kinds (vm/protocol/frame.h).
inline constexpr std::string_view kResultsFrame = "results";
inline constexpr std::string_view kStatusFrame = "status";

// init prints this on the console first: the host's proof that the kernel reached /init.
inline constexpr std::string_view kInitStarted = "nsmatrix-init: started";

}  // namespace nsm::vm::layout
