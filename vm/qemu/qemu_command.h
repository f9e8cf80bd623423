// The QEMU command line for one guest. Three serial ports: ttyS0 the console, ttyS1 the
// results, ttyS2 the exit status; no disks, no network, no display, no firmware menus.
#pragma once

#include <string>
#include <vector>

namespace nsm::vm {

struct QemuSetup {
  std::string accel = "tcg";   // "kvm" | "tcg"
  std::string machine = "pc";  // "pc" | "q35" | "microvm" (see qemu_command.cpp)
  int memory_mb = 1024;
  int cpus = 1;
};

struct QemuFiles {
  std::string kernel, initrd;
  std::string console, results, status;  // host files the three ports write
};

inline constexpr const char* kQemuBinary = "qemu-system-x86_64";

// The kernel command line's fixed part for a machine: serial console, panic and reboot
// that end the VM at once (panic=-1, reboot=t: a triple fault needs no ACPI).
std::string base_kernel_cmdline(const std::string& machine);

// Throws nsm::InputError for an unknown machine or accelerator.
std::vector<std::string> qemu_argv(const QemuSetup& setup, const QemuFiles& files, const std::string& append);

bool known_machine(const std::string& machine);

}  // namespace nsm::vm
