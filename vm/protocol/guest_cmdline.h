// The nsmatrix.* words of the guest kernel's command line: how the host tells the guest's
// init what to run. The host builds them (guest_kernel_words); init reads them back
// (parse_guest_options). One place spells the keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct GuestOptions {
  // Stage names in order: "probe", "conformance", "bench". Empty: boot, report, power off
  // (the accelerator trial boot).
  std::vector<std::string> stages{"probe", "conformance", "bench"};
  bool bench_quick = true;
  int stage_timeout_seconds = 600;
  // The guest's clock (CLOCK_BOOTTIME) by which init stops starting or running stages, so
  // that it can still send what it has before the host's deadline kills the VM. 0: none.
  int deadline_seconds = 0;
  // A namespace type ("cgroup", ...) the conformance stage is lied to about: it runs under
  // nsm-lie --type TYPE, which makes the kernel silently not create that type (the mutation
  // tests on a real guest kernel, tests/guest/vm_boot_test.cpp). Empty: no lie.
  std::string lie;
};

// "nsmatrix.guest=1 nsmatrix.stages=probe,conformance,bench nsmatrix.bench=quick ..."
std::string guest_kernel_words(const GuestOptions& options);

// Reads the words back from a /proc/cmdline text; missing keys keep their defaults.
// Throws nsm::InputError on a value it does not understand.
GuestOptions parse_guest_options(std::string_view cmdline);

}  // namespace nsm::vm
