// Runs many kernels, each booted under QEMU with the suite inside, N at a time, into one
// results directory (DESIGN.md): run.json and one directory per kernel. A kernel that
// cannot be prepared or booted gets its own status and the others go on.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vm/qemu/boot_target.h"
#include "vm/qemu/vm_run.h"

namespace nsm::vm {

using PrepareProgress = std::function<void(std::string_view line)>;

struct MatrixKernel {
  std::string id;
  // Fetches or finds the kernel; throws nsm::Error (unknown id, corrupt package, ...),
  // which becomes that kernel's infra-error. Called one kernel at a time (apt, caches).
  std::function<BootTarget(const PrepareProgress&)> prepare;
};

struct MatrixOptions {
  std::string out_dir;  // results/RUN
  int jobs = 2;
  VmOptions vm;  // accel, machine, timeout, guest stages, cache and bin dirs
};

struct KernelOutcome {
  std::string id;
  std::string status;  // status.json's status
  std::string reason;
  std::string release;
  std::string accel;
  double boot_seconds = 0;
  double total_seconds = 0;
  nlohmann::json summary;  // conformance.json's summary, or null
  size_t splats = 0;
  int failed_checks = 0;
  bool failure() const { return status != "ok" || failed_checks > 0; }
};

struct MatrixResult {
  std::vector<KernelOutcome> kernels;
  double seconds = 0;
  std::vector<std::string> bad_input;  // kernels whose manifest entry could not be prepared (InputError)
  bool any_failure() const;
};

// Prints progress lines ("[id] ...") and, at the end, one line per kernel to `out`.
MatrixResult run_matrix(const std::vector<MatrixKernel>& kernels, const MatrixOptions& options, std::ostream& out);

// Gathers kernel directories that separate runs wrote under `out_dir` (CI jobs that each
// ran one kernel, their results copied into one directory): rewrites run.json listing
// every kernel directory found (those with a status.json), prints one line per kernel.
// Throws nsm::InputError when there is none.
MatrixResult collect_matrix(const std::string& out_dir, std::ostream& out);

// The closing block: a header line and one line per kernel.
void print_summary(const MatrixResult& result, const std::string& how, const std::string& out_dir, std::ostream& out);

// One line for a kernel: "debian-6.1  ok  6.1.0-28-cloud-amd64  tcg  boot 1.4 s  total 9.8 s  checks 80 pass, 0 fail,
// ..."
std::string outcome_line(const KernelOutcome& k, size_t id_width);

// Reads a kernel's directory back into an outcome (status.json, kernel.json, conformance.json).
KernelOutcome read_outcome(const std::string& kernel_dir, const std::string& id);

}  // namespace nsm::vm
