#include "vm/qemu/qemu_command.h"

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

bool known_machine(const std::string& machine) { return machine == "microvm" || machine == "q35" || machine == "pc"; }

std::string base_kernel_cmdline(const std::string& machine) {
  // loglevel=5 keeps boot chatter (KERN_INFO) off the slow emulated UART but lets
  // warnings, oopses, BUGs and panics through. edd=off skips a BIOS probe.
  // no_timer_check: under TCG on a loaded host the kernel's check that the IO-APIC timer
  // ticks can time out and panic ("IO-APIC + timer doesn't work"); emulated timers work.
  // No "acpi=off" for microvm: the machine has no ACPI tables to find, and the option
  // also stops the kernel from using the legacy timer setup (it hangs calibrating the TSC).
  (void)machine;
  return "console=ttyS0 loglevel=5 panic=-1 reboot=t edd=off no_timer_check";
}

std::vector<std::string> qemu_argv(const QemuSetup& setup, const QemuFiles& files, const std::string& append) {
  if (!known_machine(setup.machine))
    throw InputError(fmt::format("unknown machine type \"{}\" (microvm, q35, pc)", setup.machine));
  std::vector<std::string> argv = {kQemuBinary, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"};
  if (setup.accel == "kvm") {
    argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
  } else if (setup.accel == "tcg") {
    argv.insert(argv.end(), {"-accel", "tcg"});
  } else {
    throw InputError(fmt::format("unknown accelerator \"{}\" (kvm, tcg)", setup.accel));
  }
  if (setup.machine == "microvm") {
    // No ACPI, no PCI, no firmware scan. Under TCG it reaches /init soonest by the guest's
    // own clock, but that clock is jiffies: with no HPET and no ACPI PM timer the kernel
    // cannot calibrate the TSC ("tsc: Unable to calibrate against PIT"), so guest time
    // runs slow and coarse (4 ms), which benchmarks and time tests cannot live with.
    // With acpi=on it hangs in that calibration here. Kept for experiments.
    argv.insert(argv.end(), {"-M", "microvm,acpi=off,pit=on,pic=on,rtc=on,isa-serial=on"});
  } else {
    argv.insert(argv.end(), {"-M", setup.machine});
  }
  argv.insert(argv.end(), {"-m", fmt::format("{}M", setup.memory_mb), "-smp", std::to_string(setup.cpus)});
  argv.insert(argv.end(),
              {"-chardev", fmt::format("file,id=nsmcon,path={}", files.console), "-serial", "chardev:nsmcon"});
  argv.insert(argv.end(), {"-chardev", fmt::format("file,id=nsmres,path={}", files.results), "-device",
                           "isa-serial,chardev=nsmres,index=1"});
  argv.insert(argv.end(), {"-chardev", fmt::format("file,id=nsmsts,path={}", files.status), "-device",
                           "isa-serial,chardev=nsmsts,index=2"});
  argv.insert(argv.end(), {"-kernel", files.kernel, "-initrd", files.initrd, "-append", append});
  return argv;
}

}  // namespace nsm::vm
