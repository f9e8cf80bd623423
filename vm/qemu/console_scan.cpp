#include "vm/qemu/console_scan.h"

#include "core/proc.h"
#include "vm/protocol/guest_layout.h"

namespace nsm::vm {

namespace {

// "[    1.234567] text" -> "text" (printk's timestamp, when there is one).
std::string_view strip_timestamp(std::string_view line) {
  if (!line.empty() && line[0] == '[') {
    const size_t close = line.find("] ");
    if (close < 20) line.remove_prefix(close + 2);  // npos (no "] ") is never < 20
  }
  return line;
}

// The first match wins: specific kinds before the generic BUG:/WARNING:.
const char* classify(std::string_view line) {
  struct Pattern {
    std::string_view needle;
    const char* kind;
  };
  static constexpr Pattern kPatterns[] = {
      {"Kernel panic - not syncing", "panic"},
      {"BUG: soft lockup", "soft-lockup"},
      {"Watchdog detected hard LOCKUP", "hard-lockup"},
      {"self-detected stall on CPU", "rcu-stall"},
      {"detected stalls on CPUs/tasks", "rcu-stall"},
      {"blocked for more than", "hung-task"},
      {"Oops:", "oops"},
      {"general protection fault", "oops"},
      {"BUG:", "BUG"},
      {"WARNING:", "WARNING"},
  };
  for (const auto& p : kPatterns)
    if (line.find(p.needle) != std::string_view::npos) {
      // "INFO: task X blocked for more than" is the hung-task form; other text merely
      // containing the words is not.
      if (std::string_view(p.kind) == "hung-task" && line.find("INFO: task ") == std::string_view::npos) continue;
      return p.kind;
    }
  return nullptr;
}

}  // namespace

ConsoleFacts scan_console(std::string_view text) {
  ConsoleFacts facts;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\0')) raw.remove_suffix(1);
    const std::string_view line = strip_timestamp(raw);
    if (line.empty()) continue;
    const std::string_view kept = line.substr(0, kMaxLineBytes);
    facts.last_line = std::string(kept);
    if (line.rfind(layout::kInitStarted, 0) == 0) facts.init_started = true;
    if (line.rfind("nsmatrix-init:", 0) == 0) continue;  // our own lines are never splats
    if (const char* kind = classify(line)) {
      if (facts.splat_count++ < kMaxSplatsListed) facts.splats.push_back({kind, std::string(kept)});
      if (std::string_view(kind) == "panic" && facts.panic_line.empty()) facts.panic_line = std::string(kept);
    }
  }
  return facts;
}

}  // namespace nsm::vm
