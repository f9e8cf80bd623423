// What the guest's serial console says went wrong: panics, oopses, BUG:/WARNING: splats,
// soft and hard lockups, RCU stalls, hung tasks; and whether the kernel reached /init.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct Splat {
  std::string kind;  // "panic", "oops", "BUG", "WARNING", "soft-lockup", "hard-lockup", "rcu-stall", "hung-task"
  std::string line;  // the console line, without its timestamp
};

// A console flooded with splats is a finding, not a list to keep whole: the first ones
// are listed (lines cut at kMaxLineBytes), all are counted.
inline constexpr size_t kMaxSplatsListed = 100;
inline constexpr size_t kMaxLineBytes = 1000;

struct ConsoleFacts {
  bool init_started = false;  // nsmatrix-init printed its marker
  std::vector<Splat> splats;  // in console order, the first kMaxSplatsListed
  size_t splat_count = 0;     // all of them
  std::string panic_line;     // the first "Kernel panic - not syncing" line, or ""
  std::string last_line;      // the last non-empty line (for timeouts)
  bool panicked() const { return !panic_line.empty(); }
};

ConsoleFacts scan_console(std::string_view text);

}  // namespace nsm::vm
