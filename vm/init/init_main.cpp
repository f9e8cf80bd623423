// nsmatrix-init: PID 1 of the guest. Mounts what the suite needs, brings up lo, loads the
// kernel's modules, runs the stages the kernel command line names, sends the results
// directory home on the results port and its exit status on the status port, then ends
// the VM with reboot(2) (QEMU runs with -no-reboot; reboot=t makes it a triple fault,
// which needs no ACPI). PID 1 must never exit: the kernel would panic.
#include <dirent.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/exec.h"
#include "core/netlink.h"
#include "core/proc.h"
#include "core/results.h"
#include "pipeline/stages.h"
#include "vm/init/module_loader.h"
#include "vm/init/mounts.h"
#include "vm/init/serial_port.h"
#include "vm/init/swap_area.h"
#include "vm/protocol/bundle.h"
#include "vm/protocol/frame.h"
#include "vm/protocol/guest_cmdline.h"
#include "vm/protocol/guest_layout.h"

namespace {

using nsm::vm::layout::kResultsDir;

double boottime_seconds() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void say(const std::string& line) {
  std::fputs(fmt::format("nsmatrix-init: {}\n", line).c_str(), stdout);
  std::fflush(stdout);
}

// Every regular file of the results directory, by name.
nsm::vm::Bundle collect(const std::string& dir) {
  nsm::vm::Bundle files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (!nsm::vm::valid_bundle_name(name)) continue;
      if (auto content = nsm::read_file(dir + "/" + name)) files[name] = std::move(*content);
    }
    ::closedir(d);
  }
  return files;
}

// The work between the mounts and the power-off. Returns the guest's exit status:
// 0 every stage gave results, 1 some stage gave none, 2 init itself could not work.
int run_guest(nlohmann::json& report) {
  // The console is PID 1's stdio before anything is mounted: the marker goes first.
  std::fputs(
      fmt::format("{} at {:.3f} s\n", nsm::vm::layout::kInitStarted, report["boot_seconds"].get<double>()).c_str(),
      stdout);
  std::fflush(stdout);
  try {
    nsm::vm::init::leave_rootfs();
    report["root"] = {{"ok", true}, {"error", nullptr}};
  } catch (const std::exception& e) {
    // Only pivot_root-based checks suffer: say so and go on.
    report["root"] = {{"ok", false}, {"error", e.what()}};
    say(fmt::format("staying on rootfs: {}", e.what()));
  }
  report["mounts"] = nsm::vm::init::mount_basics();

  const std::string cmdline = nsm::trim(nsm::read_file("/proc/cmdline").value_or(""));
  report["cmdline"] = cmdline;
  struct utsname u {};
  ::uname(&u);
  report["release"] = u.release;
  const nsm::vm::GuestOptions options = nsm::vm::parse_guest_options(cmdline);

  try {
    nsm::RouteSocket::open().set_up("lo");
    report["loopback"] = {{"ok", true}, {"error", nullptr}};
  } catch (const std::exception& e) {
    report["loopback"] = {{"ok", false}, {"error", e.what()}};
  }
  report["modules"] = nsm::vm::init::load_modules("/" + std::string(nsm::vm::layout::kModulesList));
  for (const auto& m : report["modules"])
    if (!m["ok"].get<bool>())
      say(fmt::format("module {}: {}", m["name"].get<std::string>(), m["error"].get<std::string>()));
  report["swap"] = nsm::vm::init::activate_swap_area();
  if (!report["swap"]["ok"].get<bool>())
    say(fmt::format("no swap area: {}", report["swap"]["error"].get<std::string>()));

  nsm::make_directories(std::string(kResultsDir));
  nsm::pipeline::PipelineOptions stages;
  stages.stages = options.stages;
  stages.nsmatrix = fmt::format("/{}/nsmatrix", nsm::vm::layout::kBinDir);
  stages.results_dir = std::string(kResultsDir);
  stages.args.bench_quick = options.bench_quick;
  if (!options.lie.empty())
    stages.args.conformance_wrapper = {fmt::format("/{}/nsm-lie", nsm::vm::layout::kBinDir), "--type", options.lie,
                                       "--"};
  stages.stage_timeout = std::chrono::seconds(options.stage_timeout_seconds);
  // The guest's deadline is on its boot clock; the pipeline's on the monotonic one.
  if (options.deadline_seconds > 0)
    stages.deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(static_cast<long>((options.deadline_seconds - boottime_seconds()) * 1000));
  stages.log_to_files = true;
  stages.environment = {{"HOME", "/tmp"}, {"PATH", "/usr/lib/nsmatrix:/usr/bin"}};
  stages.on_start = [](const nsm::pipeline::Stage& stage, size_t, size_t) { say(fmt::format("stage {}", stage.name)); };
  stages.on_end = [](const nsm::pipeline::StageRecord& record, size_t, size_t) {
    say(fmt::format("stage {}: {:.2f} s, {}", record.name, record.seconds,
                    record.error ? *record.error : "results written"));
  };
  const nsm::pipeline::PipelineResult result = nsm::pipeline::run_pipeline(stages);
  report["stages"] = result.stages_json();
  // 0 every stage gave results, 1 some stage gave none.
  const int exit_code = result.complete() ? 0 : 1;
  return exit_code;
}

}  // namespace

int main() {
  if (::getpid() != 1) {
    // It mounts over /proc and /dev and reboots the machine: never on a host.
    std::fputs("nsmatrix-init: runs only as PID 1 of an nsmatrix guest (nsmatrix vm boots it)\n", stderr);
    return 2;
  }
  nlohmann::json report = {
      {"schema_version", nsm::kSchemaVersion}, {"kind", "guest"}, {"boot_seconds", boottime_seconds()}};
  int exit_code = 2;
  std::string reason;
  try {
    exit_code = run_guest(report);
  } catch (const std::exception& e) {
    reason = e.what();
    say(fmt::format("failed: {}", reason));
  }
  report["exit_code"] = exit_code;
  report["error"] = reason.empty() ? nlohmann::json() : nlohmann::json(reason);
  report["total_seconds"] = boottime_seconds();

  try {
    nsm::vm::Bundle files = collect(std::string(kResultsDir));
    files[std::string(nsm::result_files::kGuest)] = report.dump(1) + "\n";
    const std::string frame = nsm::vm::encode_frame(nsm::vm::layout::kResultsFrame, nsm::vm::pack_bundle(files));
    nsm::vm::init::send_on_port(std::string(nsm::vm::layout::kResultsPort), frame);
    say(fmt::format("results sent: {} files, {} bytes", files.size(), frame.size()));
  } catch (const std::exception& e) {
    say(fmt::format("cannot send the results: {}", e.what()));
    if (exit_code == 0) exit_code = 2, reason = e.what();
  }
  try {
    const nlohmann::json status = {{"exit_code", exit_code},
                                   {"error", reason.empty() ? nlohmann::json() : nlohmann::json(reason)}};
    nsm::vm::init::send_on_port(std::string(nsm::vm::layout::kStatusPort),
                                nsm::vm::encode_frame(nsm::vm::layout::kStatusFrame, status.dump()));
  } catch (const std::exception& e) {
    say(fmt::format("cannot send the exit status: {}", e.what()));
  }
  say(fmt::format("exit status {}, powering off", exit_code));
  ::sync();
  ::reboot(RB_AUTOBOOT);
  // Only without privilege (never as PID 1 in a guest): say so and stay.
  say(fmt::format("reboot(RB_AUTOBOOT) failed: {}", nsm::errno_name(errno)));
  for (;;) ::pause();
}
