#include "vm/runner/vm_run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/guest/kernel_archive.h"
#include "vm/runner/accel.h"
#include "vm/runner/verdict.h"

namespace nsm::vm {

namespace {

using Clock = std::chrono::steady_clock;

void write_file_whole(const std::string& path, std::string_view text) {
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(), ::gettid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw_sys(fmt::format("fopen({})", tmp));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) throw_sys(fmt::format("write({})", tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_sys(fmt::format("rename({}, {})", tmp, path));
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The run's initrd: the base archive, then the kernel's (the kernel unpacks both, in
// order). Cached by the pair, so a rerun copies nothing.
std::string combined_initrd(const BaseArchive& base, const KernelArchive& kernel, const std::string& cache_dir) {
  const std::string path = fmt::format("{}/initramfs/run-{}-{}.cpio", cache_dir, base.sha256.substr(0, 16), kernel.sha256.substr(0, 16));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return path;
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(), ::gettid());
  {
    std::string data = must_read_file(base.path);
    data += must_read_file(kernel.path);
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw_sys(fmt::format("fopen({})", tmp));
    const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    if (std::fclose(f) != 0 || !ok) throw_sys(fmt::format("write({})", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_sys(fmt::format("rename({}, {})", tmp, path));
  return path;
}

// QEMU's file chardev takes "path=..." inside a comma-separated list: commas double.
std::string chardev_path(const std::string& path) {
  std::string out;
  for (char c : path) out += c == ',' ? std::string(",,") : std::string(1, c);
  return out;
}

struct QemuRun {
  RunEvidence evidence;
  double seconds = 0;
};

QemuRun boot(const QemuSetup& setup, const std::string& image, const std::string& initrd, const std::string& append,
             const std::string& work_dir, const std::string& console_path, double timeout_seconds) {
  QemuFiles files{image, initrd, chardev_path(console_path), chardev_path(work_dir + "/results.bin"),
                  chardev_path(work_dir + "/status.bin")};
  for (const auto& p : {work_dir + "/results.bin", work_dir + "/status.bin", console_path}) ::unlink(p.c_str());
  const auto argv = qemu_argv(setup, files, append);
  ProgramOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
  options.stdout_path = work_dir + "/qemu.log";
  options.stderr_path = work_dir + "/qemu.log";
  write_file_whole(work_dir + "/qemu.cmd", describe_command(argv) + "\n");
  QemuRun run;
  run.evidence.timeout_seconds = timeout_seconds;
  const auto started = Clock::now();
  ProgramResult r;
  try {
    r = run_program(argv, options);
  } catch (const std::exception& e) {
    run.evidence.start_error = e.what();
    return run;
  }
  run.seconds = seconds_since(started);
  switch (r.status.end) {
    case ChildStatus::End::TimedOut: run.evidence.timed_out = true; break;
    case ChildStatus::End::Signaled: run.evidence.qemu_signal = r.status.signal; break;
    case ChildStatus::End::Exited:
      if (r.status.error) run.evidence.start_error = *r.status.error;
      else run.evidence.qemu_exit_code = r.status.exit_code;
      break;
  }
  run.evidence.qemu_stderr = read_file(work_dir + "/qemu.log").value_or("");
  run.evidence.console = read_file(console_path).value_or("");
  run.evidence.results_stream = read_file(work_dir + "/results.bin").value_or("");
  run.evidence.status_stream = read_file(work_dir + "/status.bin").value_or("");
  return run;
}

nlohmann::json splats_json(const std::vector<Splat>& splats) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : splats) out.push_back({{"kind", s.kind}, {"line", s.line}});
  return out;
}

nlohmann::json kernel_doc(const BootTarget& t) {
  return {{"schema_version", kSchemaVersion},
          {"kind", "kernel"},
          {"id", t.id},
          {"release", t.release.empty() ? nlohmann::json() : nlohmann::json(t.release)},
          {"version", t.version.empty() ? nlohmann::json() : nlohmann::json(t.version)},
          {"source", t.source},
          {"image", t.image},
          {"config_source", t.config.empty() ? nlohmann::json() : nlohmann::json(fmt::format("/boot/config-{}", t.release))},
          {"modules", nlohmann::json::array()}};
}

}  // namespace

VmResult write_unbooted(const std::string& out_dir, const std::string& id, const nlohmann::json& source, const std::string& status,
                        const std::string& reason) {
  make_directories(out_dir);
  VmResult result{status, reason, {}, {}};
  result.kernel_doc = {{"schema_version", kSchemaVersion}, {"kind", "kernel"}, {"id", id}, {"release", nullptr}, {"version", nullptr}, {"source", source}};
  result.status_doc = {{"schema_version", kSchemaVersion}, {"kind", "status"}, {"status", status}, {"reason", reason},
                       {"durations", {{"total_seconds", 0.0}}}, {"splats", nlohmann::json::array()}, {"guest_exit_code", nullptr}};
  write_json_file(out_dir + "/kernel.json", result.kernel_doc);
  write_json_file(out_dir + "/status.json", result.status_doc);
  return result;
}

VmResult run_vm(const BootTarget& target, const VmOptions& options, const VmProgress& progress) {
  const auto started = Clock::now();
  make_directories(options.out_dir);
  const std::string work_dir = options.out_dir + "/.qemu";
  make_directories(work_dir);
  VmResult result;
  result.kernel_doc = kernel_doc(target);
  for (const auto& m : target.modules) result.kernel_doc["modules"].push_back(module_stem(m));

  auto finish = [&](const std::string& status, const std::string& reason, nlohmann::json extra) {
    result.status = status;
    result.reason = reason;
    result.status_doc = {{"schema_version", kSchemaVersion}, {"kind", "status"}, {"status", status}, {"reason", reason}};
    for (auto& [k, v] : extra.items()) result.status_doc[k] = v;
    if (!result.status_doc.contains("durations")) result.status_doc["durations"] = {{"total_seconds", seconds_since(started)}};
    if (!result.status_doc.contains("splats")) result.status_doc["splats"] = nlohmann::json::array();
    if (!result.status_doc.contains("guest_exit_code")) result.status_doc["guest_exit_code"] = nullptr;
    write_json_file(options.out_dir + "/kernel.json", result.kernel_doc);
    write_json_file(options.out_dir + "/status.json", result.status_doc);
    return result;
  };

  // Everything before QEMU runs: a failure here is ours (or the input's), never a boot.
  std::string initrd, append;
  QemuSetup setup;
  setup.machine = options.machine;
  setup.memory_mb = options.memory_mb;
  try {
    if (::access(target.image.c_str(), R_OK) != 0) throw Error(fmt::format("{}: {}", target.image, SysError("access", errno).what()));
    BaseArchive base = options.base ? *options.base : build_base_archive(options.bin_dir, options.cache_dir);
    if (!options.base) progress(fmt::format("base initramfs {} ({:.1f} MB, {})", base.path, base.bytes / 1e6, base.reused ? "cached" : "built"));
    const KernelArchive kernel = build_kernel_archive({target.release, target.config, target.modules}, options.cache_dir);
    initrd = combined_initrd(base, kernel, options.cache_dir);
    append = fmt::format("{} {}", base_kernel_cmdline(options.machine), guest_kernel_words(options.guest));
    if (!options.extra_cmdline.empty()) append += " " + options.extra_cmdline;

    const std::string version = qemu_version();
    result.kernel_doc["qemu_version"] = version;
    const AccelChoice accel = choose_accel(options.accel, options.cache_dir, version, [&](std::string& why) {
      progress("trying KVM with a short trial boot");
      QemuSetup trial = setup;
      trial.accel = "kvm";
      GuestOptions none;
      none.stages.clear();
      const std::string trial_append = fmt::format("{} {}", base_kernel_cmdline(options.machine), guest_kernel_words(none));
      const QemuRun run = boot(trial, target.image, initrd, trial_append, work_dir, work_dir + "/kvm-trial.log", 15);
      const Verdict v = decide_verdict(run.evidence);
      why = v.status == "ok" ? fmt::format("ok in {:.1f} s", run.seconds) : fmt::format("failed ({}: {})", v.status, v.reason);
      return v.status == "ok";
    });
    setup.accel = accel.accel;
    result.kernel_doc["accel"] = accel.accel;
    result.kernel_doc["accel_reason"] = accel.why;
    result.kernel_doc["machine"] = options.machine;
    result.kernel_doc["cmdline"] = append;
  } catch (const std::exception& e) {
    return finish("infra-error", e.what(), {});
  }

  progress(fmt::format("booting {} ({}, {}, timeout {:.0f} s)", target.release, setup.accel, setup.machine, options.timeout_seconds));
  const std::string console_path = options.out_dir + "/console.log";
  const QemuRun run = boot(setup, target.image, initrd, append, work_dir, console_path, options.timeout_seconds);
  Verdict v = decide_verdict(run.evidence);

  nlohmann::json extra;
  nlohmann::json durations = {{"total_seconds", seconds_since(started)}, {"qemu_seconds", run.seconds}};
  const nlohmann::json& guest = v.guest;
  if (guest.is_object() && guest.contains("boot_seconds")) {
    durations["boot_seconds"] = guest["boot_seconds"];
    result.kernel_doc["boot_seconds"] = guest["boot_seconds"];
  }
  if (guest.is_object() && guest.contains("stages"))
    for (const auto& s : guest["stages"]) durations[s.value("name", "?") + "_seconds"] = s.value("seconds", 0.0);
  if (guest.is_object() && guest.contains("total_seconds")) durations["guest_seconds"] = guest["total_seconds"];
  extra["durations"] = durations;
  extra["splats"] = splats_json(v.splats);
  extra["guest_exit_code"] = v.guest_exit_code ? nlohmann::json(*v.guest_exit_code) : nlohmann::json();
  if (guest.is_object()) {
    for (const char* key : {"stages", "modules", "loopback", "root", "swap"})
      if (guest.contains(key)) extra[key] = guest[key];
    // Mounts are listed only when one failed: the usual case is nine lines of "ok".
    extra["mount_failures"] = nlohmann::json::array();
    if (guest.contains("mounts") && guest["mounts"].is_array())
      for (const auto& m : guest["mounts"])
        if (!m.value("ok", false)) extra["mount_failures"].push_back(m);
  }

  // The results that came back, as the guest wrote them; each JSON checked like any reader.
  if (v.results) {
    for (const auto& [name, content] : *v.results) {
      if (name == "guest.json") continue;
      const std::string path = options.out_dir + "/" + name;
      write_file_whole(path, content);
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") {
        try {
          read_json_file(path, name.substr(0, name.size() - 5));
        } catch (const std::exception& e) {
          if (v.status == "ok") v.status = "infra-error", v.reason = fmt::format("the guest's results are not usable: {}", e.what());
        }
      }
    }
  }
  // The side channels' bytes are kept only when they did not decode: for a post-mortem.
  if (v.results) {
    ::unlink((work_dir + "/results.bin").c_str());
    ::unlink((work_dir + "/status.bin").c_str());
  }
  progress(fmt::format("{}{}", v.status, v.reason.empty() ? "" : ": " + v.reason));
  return finish(v.status, v.reason, extra);
}


}  // namespace nsm::vm
