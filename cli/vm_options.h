// Options shared by `nsmatrix vm` and `nsmatrix matrix`: how each guest is booted and what
// it runs.
#pragma once

#include <string>

#include "vm/qemu/vm_run.h"

namespace CLI {
class App;
}

namespace nsm::cli {

struct GuestFlags {
  std::string accel = "auto";
  std::string machine = "pc";
  double timeout = 600;
  std::string stages = "probe,conformance,bench";
  bool bench_full = false;
  int memory_mb = 1024;
  std::string cmdline;
};

void add_guest_flags(CLI::App& command, GuestFlags& flags);

// VmOptions from the flags (cache and bin dirs filled in). Throws nsm::InputError on bad values.
vm::VmOptions vm_options_from(const GuestFlags& flags);

// "results/<prefix>-20261129-091134"
std::string default_run_dir(const std::string& prefix);

}  // namespace nsm::cli
