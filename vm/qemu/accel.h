// Choosing QEMU's accelerator. /dev/kvm existing proves nothing (here QEMU aborts with
// -cpu host and hangs with -cpu kvm64), so `auto` boots the guest once under KVM with a
// short deadline and falls back to TCG when that trial does not come back whole. The
// answer is cached per host kernel, QEMU version and /dev/kvm device, with its reason.
#pragma once

#include <functional>
#include <string>

namespace nsm::vm {

struct AccelChoice {
  std::string accel;  // "kvm" | "tcg"
  std::string why;    // "requested", "no /dev/kvm", "KVM trial boot: ok in 0.6 s", ...
  bool cached = false;
};

// A trial boot under "kvm": true when the guest came back whole; `why` says what happened.
using KvmTrial = std::function<bool(std::string& why)>;

// requested: "auto", "kvm" or "tcg" (else nsm::InputError). The trial runs only for auto, only
// when /dev/kvm exists and no cached answer matches.
AccelChoice choose_accel(const std::string& requested, const std::string& cache_dir, const std::string& qemu_version,
                         const KvmTrial& trial, const std::string& kvm_device = "/dev/kvm");

// "QEMU emulator version 7.2.15 (Debian ...)" -> "7.2.15"; probed once per process.
// Throws nsm::ToolError when qemu-system-x86_64 cannot run (not installed).
std::string qemu_version();

}  // namespace nsm::vm
