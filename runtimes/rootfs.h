// The root filesystem every runtime starts: the nsmatrix binary (stripped to what it loads),
// every shared library it loads, and its ELF interpreter — the project's own files, no image
// registry. A directory (runc, crun, bwrap, systemd-nspawn, LXC use it as it is) and a tarball
// of it (docker and podman import it as an image).
#pragma once

#include <string>

namespace nsm::runtimes {

struct Rootfs {
  std::string dir;      // <work>/rootfs: /nsm/nsmatrix, /usr/lib..., /lib -> usr/lib, /proc, /sys, /dev
  std::string tarball;  // <work>/rootfs.tar
  size_t files = 0;
  unsigned long long bytes = 0;
};

// The path of nsmatrix inside the rootfs.
inline constexpr const char* kInsideBinary = "/nsm/nsmatrix";

// From `bin_dir`'s nsmatrix, into `work_dir`. Throws nsm::ToolError when the binary, a library
// or tar fails.
Rootfs build_rootfs(const std::string& bin_dir, const std::string& work_dir);

// Where a library of the host goes in the rootfs: the merged-/usr layout (Debian 12's), so
// "/lib/x86_64-linux-gnu/libc.so.6" -> "/usr/lib/x86_64-linux-gnu/libc.so.6" and /lib is a
// symlink to usr/lib, as the interpreter's default search paths expect. Exposed for tests.
std::string rootfs_library_path(const std::string& host_path);

}  // namespace nsm::runtimes
