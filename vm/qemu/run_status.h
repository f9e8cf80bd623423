// Decides a VM run's status from everything that came back: QEMU's end, the console, and
// the two side channels. Pure: no I/O, so every bad input has a unit test.
//
//   ok           the status frame arrived with exit 0 and the results frame arrived whole
//   boot-failed  the kernel never reached /init (QEMU refused the image, it reset, ...)
//   timeout      the VM was killed at the deadline (with a panic on the console: panic)
//   panic        the console shows "Kernel panic - not syncing" and no status came back
//   infra-error  our side: QEMU could not start, results truncated or corrupt, a stage that
//                could not run, init failed
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vm/protocol/bundle.h"
#include "vm/qemu/console_scan.h"

namespace nsm::vm {

struct RunEvidence {
  std::string start_error;  // QEMU could not be started at all ("execvp: ENOENT")
  bool timed_out = false;
  std::optional<int> qemu_exit_code;
  std::optional<int> qemu_signal;  // killed by a signal other than our deadline
  std::string qemu_stderr;
  std::string console;
  std::string results_stream;  // bytes from the results port
  std::string status_stream;   // bytes from the status port
  double timeout_seconds = 0;
  std::vector<std::string> limits;  // caps the host applied while reading the above (said in status.json)
};

struct RunStatus {
  std::string status;  // ok | boot-failed | timeout | panic | infra-error
  std::string reason;  // "" for ok
  std::optional<int> guest_exit_code;
  std::vector<Splat> splats;  // the first kMaxSplatsListed
  size_t splat_count = 0;     // all of them
  bool init_started = false;
  std::optional<Bundle> results;     // the unpacked results directory, when it came back whole
  nlohmann::json guest;              // guest.json from the bundle (null when absent)
  std::vector<std::string> dropped;  // bundle records refused (past a limit, bad or repeated name)
};

// `text` with control characters escaped (\x1b) and cut at max_bytes (the cut said): guest
// text on its way to a terminal or a report.
std::string printable(std::string_view text, size_t max_bytes);

RunStatus judge_run(const RunEvidence& evidence);

}  // namespace nsm::vm
