// Boots one kernel under QEMU with the suite inside and writes its part of the results
// directory: kernel.json, status.json, console.log and whatever results came back
// (probe.json, conformance.json, bench.json, the stages' logs). Never hangs: QEMU runs under
// a deadline, in its own process group, and dies with its parent.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/run_documents.h"
#include "vm/initramfs/base_archive.h"
#include "vm/protocol/guest_cmdline.h"
#include "vm/qemu/boot_target.h"
#include "vm/qemu/qemu_command.h"

namespace nsm::vm {

struct VmOptions {
  std::string out_dir;         // this kernel's results directory
  std::string cache_dir;       // initramfs archives, the accelerator answer
  std::string bin_dir;         // where the nsmatrix binaries are
  std::string accel = "auto";  // auto | kvm | tcg
  std::string machine = "pc";
  int memory_mb = 1024;
  double timeout_seconds = 600;
  GuestOptions guest;
  std::optional<BaseArchive> base;  // prebuilt (the matrix builds it once); else built here
  std::string extra_cmdline;        // appended to the kernel command line
};

struct VmResult {
  std::string status;  // ok | boot-failed | timeout | panic | infra-error
  std::string reason;
  StatusDocument status_doc;  // what status.json holds
  KernelDocument kernel_doc;  // what kernel.json holds
};

using VmProgress = std::function<void(std::string_view line)>;

// Writes kernel.json and status.json in every case (infra-error with the reason when the
// run could not even start). Throws only when out_dir cannot be written.
VmResult run_vm(const BootTarget& target, const VmOptions& options, const VmProgress& progress);

// The status.json and kernel.json for a kernel that never got to boot (an unknown id, a
// package that cannot be fetched): writes both into out_dir and returns the result.
VmResult write_unbooted(const std::string& out_dir, const std::string& id, const nlohmann::json& source,
                        const std::string& status, const std::string& reason);

}  // namespace nsm::vm
