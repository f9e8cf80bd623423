#include "reports/load.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/proc.h"
#include "core/results.h"
#include "reports/parse.h"
#include "reports/text.h"

namespace nsm::reports {

namespace fs = std::filesystem;

namespace {

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string join(const std::string& dir, std::string_view name) {
  return dir.empty() || dir.back() == '/' ? dir + std::string(name) : fmt::format("{}/{}", dir, name);
}

// Reads and parses one optional file; a failure becomes a problem, never an exception.
// Text that is not UTF-8 is shown with U+FFFD, and said in `notes`.
template <typename T>
std::optional<T> load_file(const std::string& dir, std::string_view name, std::string_view kind,
                           T (*parse)(const nlohmann::json&, const std::string&), std::vector<std::string>& problems,
                           std::vector<std::string>& notes) {
  const std::string path = join(dir, name);
  if (!exists(path)) return std::nullopt;
  try {
    bool repaired = false;
    auto doc = read_json_file(path, kind, &repaired);
    if (repaired) notes.push_back(fmt::format("{}: bytes that are not UTF-8, shown as U+FFFD", valid_utf8(path)));
    return parse(doc, path);
  } catch (const ResultsError& e) {
    problems.push_back(e.what());
  } catch (const nlohmann::json::exception& e) {
    problems.push_back(fmt::format("{}: {}", path, e.what()));
  }
  return std::nullopt;
}

// The last kConsoleTailLines lines, made safe to show (valid UTF-8, no terminal escapes).
void load_console(const std::string& dir, KernelResults& k) {
  const std::string path = join(dir, std::string(result_files::kConsole));
  if (!exists(path)) return;
  auto text = read_file(path);
  if (!text) {
    k.problems.push_back(fmt::format("{}: cannot read: {}", path, errno_name(errno)));
    return;
  }
  size_t start = text->size();
  size_t lines = 0;
  if (start > 0 && (*text)[start - 1] == '\n') --start;
  while (start > 0 && lines < kConsoleTailLines) {
    if ((*text)[start - 1] == '\n' && ++lines == kConsoleTailLines) break;
    --start;
  }
  k.console_truncated = start > 0;
  k.console_tail = printable_text(std::string_view(*text).substr(start));
}

std::vector<std::string> kernel_dirs_in(const std::string& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    const std::string sub = entry.path().string();
    if (exists(join(sub, result_files::kKernel)) || exists(join(sub, result_files::kStatus)) ||
        exists(join(sub, result_files::kProbe)))
      ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string base_name(const std::string& dir) {
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const std::string name = fs::path(trimmed).filename().string();
  return name.empty() || name == "." ? fs::absolute(trimmed).lexically_normal().filename().string() : name;
}

}  // namespace

KernelResults load_kernel(const std::string& dir, const std::string& id) {
  KernelResults k;
  // The directory's name is anyone's bytes: shown valid, the files read by the real path.
  bool bad_name = false;
  k.id = valid_utf8(id, &bad_name);
  if (bad_name)
    k.notes.push_back(fmt::format("{}: a directory name that is not UTF-8, shown as {}", valid_utf8(dir), k.id));
  k.dir = dir;
  if (!is_directory(dir)) {
    k.problems.push_back(fmt::format("{}: missing: the run lists kernel {} but its directory is not there", dir, id));
    return k;
  }
  k.kernel = load_file(dir, result_files::kKernel, "kernel", parse_kernel, k.problems, k.notes);
  k.status = load_file(dir, result_files::kStatus, "status", parse_status, k.problems, k.notes);
  k.probe = load_file(dir, result_files::kProbe, "probe", parse_probe, k.problems, k.notes);
  k.conformance = load_file(dir, result_files::kConformance, "conformance", parse_conformance, k.problems, k.notes);
  k.bench = load_file(dir, result_files::kBench, "bench", parse_bench, k.problems, k.notes);
  load_console(dir, k);

  if (k.kernel && k.kernel->id != k.id)
    k.problems.push_back(
        fmt::format("{}: id is \"{}\" but the directory is {}", join(dir, result_files::kKernel), k.kernel->id, id));
  // "ok" means the stages ran to the end and their results came back: the stages status.json
  // lists (a guest run with --stages probe has no conformance.json), else probe and conformance.
  if (k.status && k.status->status == KernelStatus::Ok) {
    std::vector<std::string_view> expected;
    if (k.status->stages.empty()) expected = {result_files::kProbe, result_files::kConformance};
    for (const auto& stage : k.status->stages)
      if (const auto file = result_files::of_stage(stage.name); !file.empty()) expected.push_back(file);
    for (std::string_view name : expected)
      if (!exists(join(dir, name)))
        k.problems.push_back(fmt::format("{}: missing, but status.json says ok", join(dir, name)));
  }
  return k;
}

RunResults load_results(const std::string& dir) {
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (ec || !fs::exists(st)) throw ResultsError(fmt::format("{}: no such results directory", dir));
  if (!fs::is_directory(st)) throw ResultsError(fmt::format("{}: not a directory (expected a results directory)", dir));
  fs::directory_iterator probe_it(dir, ec);
  if (ec) throw ResultsError(fmt::format("{}: cannot read: {}", dir, ec.message()));

  RunResults run;
  run.dir = dir;
  // `nsmatrix runtimes` writes it alone; `nsmatrix run --runtimes` beside the kernels.
  std::vector<std::string> runtime_notes;
  run.runtimes = load_file(dir, result_files::kRuntimes, "runtimes", parse_runtimes, run.problems, runtime_notes);
  run.notes.insert(run.notes.end(), runtime_notes.begin(), runtime_notes.end());
  const std::string run_file = join(dir, result_files::kRun);
  if (exists(run_file)) {
    try {
      bool repaired = false;
      run.run = parse_run(read_json_file(run_file, "run", &repaired), run_file);
      if (repaired)
        run.notes.push_back(fmt::format("{}: bytes that are not UTF-8, shown as U+FFFD", valid_utf8(run_file)));
    } catch (const ResultsError& e) {
      run.problems.push_back(e.what());
    } catch (const nlohmann::json::exception& e) {
      run.problems.push_back(fmt::format("{}: {}", run_file, e.what()));
    }
  } else if (exists(join(dir, result_files::kKernel)) || exists(join(dir, result_files::kStatus)) ||
             exists(join(dir, result_files::kProbe))) {
    // A single kernel's directory.
    run.kernels.push_back(load_kernel(dir, base_name(dir)));
    return run;
  }

  std::vector<std::string> found = kernel_dirs_in(dir);
  std::vector<std::string> ids;
  if (run.run) {
    ids = run.run->kernels;
    for (const auto& id : found) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      run.problems.push_back(fmt::format("{}: not listed in run.json; shown after the listed kernels", join(dir, id)));
      ids.push_back(id);
    }
  } else if (found.empty() && (run.runtimes || exists(join(dir, result_files::kRuntimes)))) {
    return run;  // a runtimes run: no kernel of its own
  } else {
    if (found.empty())
      throw ResultsError(fmt::format("{}: not a results directory (no usable run.json, no kernel directories){}", dir,
                                     run.problems.empty() ? "" : ": " + run.problems.front()));
    if (run.problems.empty())
      run.problems.push_back(fmt::format("{}: missing; kernels taken from the directory listing", run_file));
    ids = found;
  }
  for (const auto& id : ids) run.kernels.push_back(load_kernel(join(dir, id), id));
  return run;
}

}  // namespace nsm::reports
