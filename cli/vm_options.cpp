#include "cli/vm_options.h"

#include <ctime>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "pipeline/stages.h"
#include "vm/initramfs/base_archive.h"
#include "vm/kernels/kernel_store.h"
#include "vm/matrix/kernel_source.h"
#include "vm/protocol/guest_cmdline.h"
#include "vm/qemu/qemu_command.h"

namespace nsm::cli {

void add_guest_flags(CLI::App& command, GuestFlags& flags) {
  command
      .add_option("--accel", flags.accel,
                  "QEMU accelerator: auto (a short KVM trial boot, cached; else TCG), kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  command
      .add_option("--machine", flags.machine,
                  "QEMU machine type: pc (default), q35, or microvm (no HPET or ACPI PM timer: the guest clock falls "
                  "back to jiffies)")
      ->check(CLI::IsMember({"microvm", "q35", "pc"}))
      ->capture_default_str();
  command.add_option("--timeout", flags.timeout, "seconds one VM may run before it is killed (status timeout)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--stages", flags.stages, "what the guest runs, in order: probe,conformance,bench, or none")
      ->capture_default_str();
  command.add_flag("--bench-full", flags.bench_full, "run the benchmarks in full (default: nsmatrix bench --quick)");
  command.add_option("--memory", flags.memory_mb, "guest memory in MiB")
      ->check(CLI::Range(256, 16384))
      ->capture_default_str();
  command.add_option("--cmdline", flags.cmdline, "extra words for the guest kernel's command line");
}

vm::VmOptions vm_options_from(const GuestFlags& flags) {
  vm::VmOptions options;
  options.accel = flags.accel;
  options.machine = flags.machine;
  options.timeout_seconds = flags.timeout;
  options.memory_mb = flags.memory_mb;
  options.extra_cmdline = flags.cmdline;
  options.guest.bench_quick = !flags.bench_full;
  options.guest.stages.clear();
  if (flags.stages != "none") {
    std::istringstream list(flags.stages);
    std::string stage;
    while (std::getline(list, stage, ',')) {
      if (!pipeline::known_stage(stage))
        throw InputError(fmt::format("--stages: unknown stage \"{}\" (probe, conformance, bench, or none)", stage));
      options.guest.stages.push_back(stage);
    }
  }
  // The guest stops its stages in time to send what it has before the VM's deadline: a
  // hanging stage costs its own results, not everyone's. The margin covers booting and
  // the transfer home.
  const int margin = std::max(10, static_cast<int>(flags.timeout / 10));
  options.guest.stage_timeout_seconds = std::max(1, static_cast<int>(flags.timeout) - margin);
  options.guest.deadline_seconds = std::max(1, static_cast<int>(flags.timeout) - margin);
  options.cache_dir = vm::cache_dir();
  options.bin_dir = own_bin_dir();
  return options;
}

std::string default_run_dir(const std::string& prefix) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return fmt::format("results/{}-{}", prefix, stamp);
}

}  // namespace nsm::cli
