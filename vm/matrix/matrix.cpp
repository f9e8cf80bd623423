#include "vm/matrix/matrix.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/results.h"
#include "core/run_documents.h"
#include "core/version.h"
#include "vm/initramfs/base_archive.h"
#include "vm/protocol/bundle.h"

namespace nsm::vm {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

void print_summary(const MatrixResult& result, const std::string& how, const std::string& out_dir, std::ostream& out) {
  size_t width = 6;
  for (const auto& k : result.kernels) width = std::max(width, k.id.size());
  out << fmt::format("\n{} kernel{} in {:.1f} s {}, results in {}\n", result.kernels.size(),
                     result.kernels.size() == 1 ? "" : "s", result.seconds, how, out_dir);
  for (const auto& k : result.kernels) out << outcome_line(k, width) << "\n";
  out << std::flush;
}

bool MatrixResult::any_failure() const {
  for (const auto& k : kernels)
    if (k.failure()) return true;
  return false;
}

KernelOutcome read_outcome(const std::string& kernel_dir, const std::string& id) {
  KernelOutcome k;
  k.id = id;
  try {
    const StatusDocument status = read_status_document(kernel_dir);
    k.status = status.status;
    k.reason = status.reason;
    if (const auto it = status.durations.find("boot_seconds"); it != status.durations.end())
      k.boot_seconds = it->second;
    if (const auto it = status.durations.find("total_seconds"); it != status.durations.end())
      k.total_seconds = it->second;
    // A flood lists the first splats only; the count has them all.
    k.splats = status.splat_count.value_or(status.splats.size());
  } catch (const std::exception& e) {
    k.status = "infra-error";
    k.reason = e.what();
  }
  try {
    const KernelDocument kernel = read_kernel_document(kernel_dir);
    k.release = kernel.release.value_or("");
    k.accel = kernel.accel.value_or("");
  } catch (const std::exception&) {
  }
  const std::string conformance_json = kernel_dir + "/" + std::string(result_files::kConformance);
  if (::access(conformance_json.c_str(), F_OK) == 0) {
    try {
      const auto conformance = read_json_file(conformance_json, "conformance");
      k.summary = conformance.at("summary");
      k.failed_checks = k.summary.value("fail", 0);
    } catch (const std::exception& e) {
      if (k.status == "ok") k.status = "infra-error", k.reason = e.what();
    }
  }
  return k;
}

std::string outcome_line(const KernelOutcome& k, size_t id_width) {
  std::string checks = "no checks";
  if (k.summary.is_object()) {
    checks.clear();
    for (const char* o : {"pass", "fail", "skip", "broken", "gap-confirmed", "gap-closed"})
      checks += fmt::format("{}{} {}", checks.empty() ? "" : ", ", k.summary.value(o, 0), o);
  }
  std::string line = fmt::format("{:<{}}  {:<11}  {:<28}  {:<3}  boot {:>5.2f} s  total {:>6.1f} s  {}", k.id, id_width,
                                 k.status, k.release.empty() ? "-" : k.release, k.accel.empty() ? "-" : k.accel,
                                 k.boot_seconds, k.total_seconds, checks);
  if (k.splats) line += fmt::format("  [{} console splat{}]", k.splats, k.splats == 1 ? "" : "s");
  if (!k.reason.empty()) line += "  — " + k.reason;
  return line;
}

MatrixResult run_matrix(const std::vector<MatrixKernel>& kernels, const MatrixOptions& options, std::ostream& out) {
  const auto started = Clock::now();
  const std::string started_at = utc_timestamp();
  // Each id names a directory under out_dir: nothing that could climb out of it, no twice.
  std::set<std::string> seen;
  for (const auto& k : kernels) {
    if (!valid_bundle_name(k.id))
      throw InputError(fmt::format("\"{}\" cannot be a kernel id: ids name directories", k.id));
    if (!seen.insert(k.id).second) throw InputError(fmt::format("kernel \"{}\" is listed twice", k.id));
  }
  make_directories(options.out_dir);
  std::mutex print_mutex;
  auto say = [&](const std::string& id, std::string_view line) {
    std::lock_guard lock(print_mutex);
    out << fmt::format("[{}] {}\n", id, line) << std::flush;
  };

  // The base archive is the same for every kernel: built (or found) once, before any VM.
  VmOptions vm = options.vm;
  if (!vm.base) {
    vm.base = build_base_archive(vm.bin_dir, vm.cache_dir);
    say("matrix",
        fmt::format("base initramfs {} ({:.1f} MB, {}){}", vm.base->path, vm.base->bytes / 1e6,
                    vm.base->reused ? "cached" : "built",
                    vm.base->missing.empty() ? "" : fmt::format("; not built: {}", fmt::join(vm.base->missing, ", "))));
  }

  std::vector<std::string> ids;
  for (const auto& k : kernels) ids.push_back(k.id);
  auto write_run = [&](const std::string& ended) {
    nlohmann::json run =
        run_document(options.out_dir, started_at, ended.empty() ? nlohmann::json() : nlohmann::json(ended), ids);
    run["matrix"] = {
        {"jobs", options.jobs}, {"accel", vm.accel}, {"machine", vm.machine}, {"timeout_seconds", vm.timeout_seconds}};
    write_json_file(options.out_dir + "/" + std::string(result_files::kRun), run);
  };
  write_run("");

  std::mutex prepare_mutex;  // fetching and unpacking go one at a time (apt's lock, the cache)
  std::mutex bad_input_mutex;
  std::vector<std::string> bad_input;  // ids whose manifest entry could not be prepared
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < kernels.size(); i = next++) {
      const MatrixKernel& k = kernels[i];
      const std::string dir = fmt::format("{}/{}", options.out_dir, k.id);
      try {
        BootTarget target;
        try {
          std::lock_guard lock(prepare_mutex);
          target = k.prepare([&](std::string_view line) { say(k.id, line); });
        } catch (const NotBootableError& e) {
          say(k.id, fmt::format("boot-failed: {}", e.what()));
          write_unbooted(dir, k.id, {{"type", "unknown"}}, "boot-failed", e.what());
          continue;
        } catch (const InputError& e) {
          // The manifest entry itself is wrong (a vanished pin, a fragment Kconfig drops):
          // the other kernels still run, and the matrix exits as for bad input.
          say(k.id, fmt::format("infra-error (bad manifest entry): {}", e.what()));
          write_unbooted(dir, k.id, {{"type", "unknown"}}, "infra-error",
                         fmt::format("cannot prepare the kernel: {}", e.what()));
          std::lock_guard lock(bad_input_mutex);
          bad_input.push_back(k.id);
          continue;
        } catch (const std::exception& e) {
          say(k.id, fmt::format("infra-error: {}", e.what()));
          write_unbooted(dir, k.id, {{"type", "unknown"}}, "infra-error",
                         fmt::format("cannot prepare the kernel: {}", e.what()));
          continue;
        }
        target.id = k.id;
        VmOptions mine = vm;
        mine.out_dir = dir;
        run_vm(target, mine, [&](std::string_view line) { say(k.id, line); });
      } catch (const std::exception& e) {
        // Only writing the results directory itself can end up here.
        say(k.id, fmt::format("infra-error: {}", e.what()));
      }
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(kernels.size())));
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  MatrixResult result;
  result.bad_input = bad_input;
  for (const auto& k : kernels)
    result.kernels.push_back(read_outcome(fmt::format("{}/{}", options.out_dir, k.id), k.id));
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  write_run(utc_timestamp());
  std::lock_guard lock(print_mutex);
  print_summary(result, fmt::format("({} at a time)", jobs), options.out_dir, out);
  return result;
}

MatrixResult collect_matrix(const std::string& out_dir, std::ostream& out) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / result_files::kStatus))
      ids.push_back(entry.path().filename());
  if (ec) throw InputError(fmt::format("{}: {}", out_dir, SysError("opendir", ec.value()).what()));
  if (ids.empty()) throw InputError(fmt::format("{}: no kernel directories (none holds a status.json)", out_dir));
  std::sort(ids.begin(), ids.end());
  MatrixResult result;
  nlohmann::json started = nullptr, ended = nullptr;
  for (const auto& id : ids) {
    result.kernels.push_back(read_outcome(fmt::format("{}/{}", out_dir, id), id));
    result.seconds += result.kernels.back().total_seconds;
  }
  nlohmann::json run = run_document(out_dir, nullptr, utc_timestamp(), ids);
  run["matrix"] = {{"collected", true}};
  write_json_file(out_dir + "/" + std::string(result_files::kRun), run);
  print_summary(result, "(collected; seconds summed over kernels)", out_dir, out);
  return result;
}

}  // namespace nsm::vm
