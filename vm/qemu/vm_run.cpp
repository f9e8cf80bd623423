#include "vm/qemu/vm_run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/unique_fd.h"
#include "vm/initramfs/cpio_writer.h"
#include "vm/initramfs/kernel_archive.h"
#include "vm/qemu/accel.h"
#include "vm/qemu/run_status.h"

namespace nsm::vm {

namespace {

using Clock = std::chrono::steady_clock;

void write_file_whole(const std::string& path, std::string_view text) { write_file_atomic(path, text); }

// What a guest may send home, by name: the stages' results and logs. Everything else (a
// status.json, a kernel.json, a console.log of its own making, hidden names) is refused:
// those files are the host's to write.
bool accepted_guest_file(std::string_view name) {
  for (const std::string_view stage : {"probe", "conformance", "bench"}) {
    if (name == result_files::of_stage(stage)) return true;
    if (name.size() == stage.size() + 4 && name.substr(0, stage.size()) == stage && name.substr(stage.size()) == ".log")
      return true;
  }
  return false;
}

// How much of each port's output the host reads. A real console is well under 1 MB (the
// guest runs at loglevel=5); the results frame carries the bundle, at most
// BundleLimits::max_bytes decompressed and so not much more compressed.
constexpr size_t kMaxConsoleBytes = size_t{8} << 20;
constexpr size_t kMaxResultsStreamBytes = (size_t{64} << 20) + (size_t{1} << 20);
constexpr size_t kMaxStatusStreamBytes = size_t{64} << 10;
constexpr size_t kMaxQemuLogBytes = size_t{256} << 10;

struct CappedRead {
  std::string text;
  uint64_t size = 0;  // the file's whole size
  bool cut = false;
};

// A file QEMU wrote from the guest's bytes, never more than `cap` of it in memory: when it
// is bigger, its first and last halves of the cap with a line saying what was left out
// (a splat flood's start and a panic at its end are both kept).
CappedRead read_capped(const std::string& path, size_t cap) {
  CappedRead r;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return r;
  r.size = static_cast<uint64_t>(st.st_size);
  auto read_at = [&](uint64_t offset, size_t n) {
    std::string buf(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t k = ::pread(fd.get(), buf.data() + got, n - got, static_cast<off_t>(offset + got));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      got += static_cast<size_t>(k);
    }
    buf.resize(got);
    return buf;
  };
  if (r.size <= cap) {
    r.text = read_at(0, static_cast<size_t>(r.size));
    return r;
  }
  r.cut = true;
  r.text = read_at(0, cap / 2);
  r.text += fmt::format("\n[nsmatrix: {} bytes left out here; the output was {} bytes, {} are kept]\n", r.size - cap,
                        r.size, cap);
  r.text += read_at(r.size - cap / 2, cap / 2);
  return r;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The run's initrd: the base archive, then the kernel's (the kernel unpacks both, in
// order), written into the run's work directory and removed after it: caching the pair
// kept a base's size per kernel per build (a GB after one CI run) to save an 18 MB copy.
std::string combined_initrd(const BaseArchive& base, const KernelArchive& kernel, const std::string& work_dir) {
  const std::string path = work_dir + "/initrd.cpio";
  std::string data = must_read_file(base.path);
  data += must_read_file(kernel.path);
  write_file_atomic(path, data);
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
  // One file opened once for both streams: two opens with O_TRUNC overwrote each other.
  options.output = Output::File;
  options.output_path = work_dir + "/qemu.log";
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
    case ChildStatus::End::TimedOut:
      run.evidence.timed_out = true;
      break;
    case ChildStatus::End::Signaled:
      run.evidence.qemu_signal = r.status.signal;
      break;
    case ChildStatus::End::Exited:
      if (r.status.error)
        run.evidence.start_error = *r.status.error;
      else
        run.evidence.qemu_exit_code = r.status.exit_code;
      break;
  }
  // Everything below is the guest's (or QEMU's about it): read under caps, the cap said.
  auto capped = [&](const std::string& path, size_t cap, std::string_view what) {
    CappedRead r = read_capped(path, cap);
    if (r.cut) run.evidence.limits.push_back(fmt::format("{}: {} bytes, more than the {} kept", what, r.size, cap));
    return r;
  };
  run.evidence.qemu_stderr = capped(work_dir + "/qemu.log", kMaxQemuLogBytes, "QEMU's output").text;
  CappedRead console = capped(console_path, kMaxConsoleBytes, "console");
  // The results directory keeps what was read, not a flood.
  if (console.cut) write_file_atomic(console_path, console.text);
  run.evidence.console = std::move(console.text);
  run.evidence.results_stream = capped(work_dir + "/results.bin", kMaxResultsStreamBytes, "results port").text;
  run.evidence.status_stream = capped(work_dir + "/status.bin", kMaxStatusStreamBytes, "status port").text;
  return run;
}

KernelDocument kernel_document(const BootTarget& t) {
  KernelDocument k;
  k.id = t.id;
  if (!t.release.empty()) k.release = t.release;
  if (!t.version.empty()) k.version = t.version;
  k.source = t.source;
  k.image = t.image;
  if (!t.config.empty()) k.config_source = fmt::format("/boot/config-{}", t.release);
  k.modules.emplace();
  for (const auto& m : t.modules) k.modules->push_back(module_stem(m));
  return k;
}

// The guest's own account (guest.json): its durations and what it set up, into `status`
// (and its boot time into `kernel`). Stage names are taken only from the known stages, so a
// guest cannot overwrite a host-measured duration. Throws nlohmann::json::exception on a
// field of the wrong type, and then changes nothing.
void take_guest_facts(const RunStatus& v, Clock::time_point started, double qemu_seconds, StatusDocument& status,
                      KernelDocument& kernel) {
  StatusDocument s = status;
  std::optional<double> boot_seconds;
  s.durations = {{"total_seconds", seconds_since(started)}, {"qemu_seconds", qemu_seconds}};
  const nlohmann::json& guest = v.guest;
  // Durations are numbers or absent: a guest's string or object is dropped, not carried.
  auto number = [](const nlohmann::json& j) {
    return j.is_number() ? std::optional<double>(j.get<double>()) : std::nullopt;
  };
  if (guest.is_object() && guest.contains("boot_seconds"))
    if ((boot_seconds = number(guest["boot_seconds"]))) s.durations["boot_seconds"] = *boot_seconds;
  if (guest.is_object() && guest.contains("stages") && guest["stages"].is_array())
    for (const auto& st : guest["stages"]) {
      const std::string name =
          st.is_object() && st.contains("name") && st["name"].is_string() ? st["name"].get<std::string>() : "";
      if (result_files::of_stage(name).empty() || !st.contains("seconds")) continue;
      if (const auto seconds = number(st["seconds"])) s.durations[name + "_seconds"] = *seconds;
    }
  if (guest.is_object() && guest.contains("total_seconds"))
    if (const auto seconds = number(guest["total_seconds"])) s.durations["guest_seconds"] = *seconds;
  if (guest.is_object()) {
    for (auto [key, into] :
         {std::pair{"stages", &StatusDocument::stages}, std::pair{"modules", &StatusDocument::modules},
          std::pair{"loopback", &StatusDocument::loopback}, std::pair{"root", &StatusDocument::root},
          std::pair{"swap", &StatusDocument::swap}})
      if (guest.contains(key)) s.*into = guest[key];
    // Mounts are listed only when one failed: the usual case is ten lines of "ok".
    s.mount_failures = nlohmann::json::array();
    if (guest.contains("mounts") && guest["mounts"].is_array())
      for (const auto& m : guest["mounts"])
        if (!m.is_object() || !m.value("ok", false)) s.mount_failures->push_back(m);
  }
  status = std::move(s);
  if (boot_seconds) kernel.boot_seconds = boot_seconds;
}

}  // namespace

VmResult write_unbooted(const std::string& out_dir, const std::string& id, const nlohmann::json& source,
                        const std::string& status, const std::string& reason) {
  make_directories(out_dir);
  VmResult result{status, reason, {}, {}};
  result.kernel_doc.id = id;
  result.kernel_doc.source = source;
  result.status_doc.status = status;
  result.status_doc.reason = reason;
  result.status_doc.durations = {{"total_seconds", 0.0}};
  write_kernel_document(out_dir, result.kernel_doc);
  write_status_document(out_dir, result.status_doc);
  return result;
}

VmResult run_vm(const BootTarget& target, const VmOptions& options, const VmProgress& progress) {
  const auto started = Clock::now();
  make_directories(options.out_dir);
  const std::string work_dir = options.out_dir + "/.qemu";
  make_directories(work_dir);
  VmResult result;
  result.kernel_doc = kernel_document(target);

  auto finish = [&](const std::string& status, const std::string& reason, StatusDocument doc) {
    ::unlink((work_dir + "/initrd.cpio").c_str());  // made for this run only (combined_initrd)
    result.status = status;
    result.reason = reason;
    doc.status = status;
    doc.reason = reason;
    if (doc.durations.empty()) doc.durations["total_seconds"] = seconds_since(started);
    result.status_doc = std::move(doc);
    write_kernel_document(options.out_dir, result.kernel_doc);
    write_status_document(options.out_dir, result.status_doc);
    return result;
  };

  // Everything before QEMU runs: a failure here is ours (or the input's), never a boot.
  std::string initrd, append;
  QemuSetup setup;
  setup.machine = options.machine;
  setup.memory_mb = options.memory_mb;
  try {
    if (::access(target.image.c_str(), R_OK) != 0)
      throw InputError(fmt::format("{}: {}", target.image, SysError("access", errno).what()));
    BaseArchive base = options.base ? *options.base : build_base_archive(options.bin_dir, options.cache_dir);
    if (!options.base)
      progress(fmt::format("base initramfs {} ({:.1f} MB, {})", base.path, base.bytes / 1e6,
                           base.reused ? "cached" : "built"));
    const KernelArchive kernel =
        build_kernel_archive({target.release, target.config, target.modules}, options.cache_dir);
    initrd = combined_initrd(base, kernel, work_dir);
    result.kernel_doc.guest_binaries.emplace();
    for (const auto& b : base.binaries)
      result.kernel_doc.guest_binaries->push_back(
          {b.name, b.build_id.empty() ? std::nullopt : std::optional<std::string>(b.build_id), b.host_path});
    append = fmt::format("{} {}", base_kernel_cmdline(options.machine), guest_kernel_words(options.guest));
    if (!options.extra_cmdline.empty()) append += " " + options.extra_cmdline;

    const std::string version = qemu_version();
    result.kernel_doc.qemu_version = version;
    const AccelChoice accel = choose_accel(options.accel, options.cache_dir, version, [&](std::string& why) {
      progress("trying KVM with a short trial boot");
      QemuSetup trial = setup;
      trial.accel = "kvm";
      GuestOptions none;
      none.stages.clear();
      const std::string trial_append =
          fmt::format("{} {}", base_kernel_cmdline(options.machine), guest_kernel_words(none));
      const QemuRun run = boot(trial, target.image, initrd, trial_append, work_dir, work_dir + "/kvm-trial.log", 15);
      const RunStatus v = judge_run(run.evidence);
      why = v.status == "ok" ? fmt::format("ok in {:.1f} s", run.seconds)
                             : fmt::format("failed ({}: {})", v.status, v.reason);
      return v.status == "ok";
    });
    setup.accel = accel.accel;
    result.kernel_doc.accel = accel.accel;
    result.kernel_doc.accel_reason = accel.why;
    result.kernel_doc.machine = options.machine;
    result.kernel_doc.cmdline = append;
  } catch (const std::exception& e) {
    return finish("infra-error", e.what(), {});
  }

  progress(fmt::format("booting {} ({}, {}, timeout {:.0f} s)", target.release, setup.accel, setup.machine,
                       options.timeout_seconds));
  const std::string console_path = options.out_dir + "/" + std::string(result_files::kConsole);
  // From here on the input is the guest's: whatever it makes go wrong, kernel.json and
  // status.json are still written (infra-error, naming why).
  try {
    const QemuRun run = boot(setup, target.image, initrd, append, work_dir, console_path, options.timeout_seconds);
    RunStatus v = judge_run(run.evidence);
    StatusDocument doc;
    std::vector<std::string> limits = run.evidence.limits;
    try {
      take_guest_facts(v, started, run.seconds, doc, result.kernel_doc);
    } catch (const std::exception& e) {
      // guest.json with a field of the wrong type: its facts are lost, its status is not.
      doc.durations = {{"total_seconds", seconds_since(started)}, {"qemu_seconds", run.seconds}};
      if (v.status == "ok")
        v.status = "infra-error", v.reason = fmt::format("the guest's report (guest.json) is not usable: {}", e.what());
    }
    for (const auto& splat : v.splats) doc.splats.push_back({splat.kind, splat.line});
    doc.splat_count = v.splat_count;
    if (v.splat_count > v.splats.size())
      limits.push_back(fmt::format("splats: {} on the console, the first {} listed", v.splat_count, v.splats.size()));
    if (v.guest_exit_code) doc.guest_exit_code = *v.guest_exit_code;

    // The results that came back: only the files a guest may send, each written on its own
    // (one that cannot be written does not stop the rest, nor the host's own files after).
    if (v.results) {
      std::vector<std::string> refused = v.dropped;
      for (const auto& [name, content] : *v.results) {
        if (name == result_files::kGuest) continue;
        if (!accepted_guest_file(name)) {
          refused.push_back(fmt::format("{:?}: not a file a guest may send", name));
          continue;
        }
        const std::string path = options.out_dir + "/" + name;
        try {
          write_file_whole(path, content);
          if (name.size() > 5 && name.substr(name.size() - 5) == ".json")
            read_json_file(path, name.substr(0, name.size() - 5));
        } catch (const std::exception& e) {
          if (v.status == "ok")
            v.status = "infra-error", v.reason = fmt::format("the guest's results are not usable: {}", e.what());
        }
      }
      if (!refused.empty()) {
        for (const auto& r : refused) limits.push_back("results bundle: dropped " + r);
        // Our guest sends none of these: a kernel that makes it do so is not ok.
        if (v.status == "ok")
          v.status = "infra-error",
          v.reason = fmt::format("the guest sent {} file{} the host does not accept (first: {})", refused.size(),
                                 refused.size() == 1 ? "" : "s", printable(refused.front(), 300));
      }
    }
    doc.limits = limits;
    // The side channels' bytes are kept only when they did not decode: for a post-mortem.
    if (v.results) {
      ::unlink((work_dir + "/results.bin").c_str());
      ::unlink((work_dir + "/status.bin").c_str());
    }
    v.reason = printable(v.reason, 2000);
    progress(fmt::format("{}{}", v.status, v.reason.empty() ? "" : ": " + v.reason));
    return finish(v.status, v.reason, std::move(doc));
  } catch (const std::exception& e) {
    return finish("infra-error",
                  printable(fmt::format("the host could not take in the guest's output: {}", e.what()), 2000), {});
  }
}

}  // namespace nsm::vm
