#include "vm/qemu/console_scan.h"

#include <gtest/gtest.h>

namespace nsm::vm {
namespace {

std::vector<std::string> kinds(const ConsoleFacts& f) {
  std::vector<std::string> out;
  for (const auto& s : f.splats) out.push_back(s.kind);
  return out;
}

TEST(ConsoleScan, FindsEachKindOfSplat) {
  const std::string console =
      "[    0.100000] Linux version 6.1.0\n"
      "[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 bar+0x10/0x20\n"
      "[    1.100000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
      "[    1.200000] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
      "[   22.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]\n"
      "[   23.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1\n"
      "[   24.000000] rcu: INFO: rcu_preempt self-detected stall on CPU\n"
      "[  120.000000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.\n"
      "[  121.000000] Kernel panic - not syncing: Fatal exception\n";
  const ConsoleFacts f = scan_console(console);
  EXPECT_EQ(kinds(f), (std::vector<std::string>{"WARNING", "BUG", "oops", "soft-lockup", "hard-lockup", "rcu-stall",
                                                "hung-task", "panic"}));
  EXPECT_EQ(f.panic_line, "Kernel panic - not syncing: Fatal exception");
  EXPECT_EQ(f.splats[0].line, "WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 bar+0x10/0x20");
  EXPECT_FALSE(f.init_started);
}

TEST(ConsoleScan, CleanBootHasNoSplatsAndSeesInit) {
  const ConsoleFacts f = scan_console(
      "[    0.000000] Linux version 6.1.0\r\nnsmatrix-init: started at 1.234 s\nnsmatrix-init: stage probe: WARNING: "
      "not a splat\n"
      "[    4.3] reboot: Restarting system\n");
  EXPECT_TRUE(f.init_started);
  EXPECT_TRUE(f.splats.empty());
  EXPECT_FALSE(f.panicked());
  EXPECT_EQ(f.last_line, "reboot: Restarting system");
}

TEST(ConsoleScan, PanicWithoutTimestampAndBinaryNoise) {
  const ConsoleFacts f =
      scan_console(std::string("\0\0garbage\xff\n", 11) + "Kernel panic - not syncing: No working init found.");
  EXPECT_TRUE(f.panicked());
}

TEST(ConsoleScan, EmptyConsole) {
  const ConsoleFacts f = scan_console("");
  EXPECT_FALSE(f.init_started);
  EXPECT_TRUE(f.last_line.empty());
}

}  // namespace
}  // namespace nsm::vm
