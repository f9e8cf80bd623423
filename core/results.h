// The results directory (DESIGN.md, "The results directory"): file names, the schema
// version, and JSON reading/writing that never guesses.
//
//   results/<run-id>/run.json, report.html, summary.md, junit.xml, kcidb.json
//   results/<run-id>/<kernel-id>/{kernel,probe,conformance,bench,status}.json, console.log
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nsm {

// Every JSON file the suite writes carries this. Readers reject a larger one.
inline constexpr int kSchemaVersion = 1;

namespace result_files {
inline constexpr std::string_view kRun = "run.json";
inline constexpr std::string_view kKernel = "kernel.json";
inline constexpr std::string_view kProbe = "probe.json";
inline constexpr std::string_view kConformance = "conformance.json";
inline constexpr std::string_view kBench = "bench.json";
inline constexpr std::string_view kStatus = "status.json";
inline constexpr std::string_view kConsole = "console.log";
// In a VM run's results bundle only: the guest's own account of its run (nsmatrix-init).
inline constexpr std::string_view kGuest = "guest.json";
// Beside the kernel directories: `nsmatrix runtimes` (runtimes/README.md), the runtime axis.
inline constexpr std::string_view kRuntimes = "runtimes.json";
// The report `nsmatrix report` (and run, matrix) writes beside the kernel directories, in
// the order it writes them (the HTML last: it is what people open).
inline constexpr std::string_view kSummary = "summary.md";
inline constexpr std::string_view kJunit = "junit.xml";
inline constexpr std::string_view kKcidb = "kcidb.json";
inline constexpr std::string_view kReportHtml = "report.html";

// The results file a stage writes ("probe" -> probe.json); empty for an unknown stage.
constexpr std::string_view of_stage(std::string_view stage) {
  if (stage == "probe") return kProbe;
  if (stage == "conformance") return kConformance;
  if (stage == "bench") return kBench;
  return {};
}
}  // namespace result_files

// A results file that cannot be used; what() names the file and the problem.
class ResultsError : public InputError {
 public:
  using InputError::InputError;
};

// How deep a JSON document from outside (a guest, a results directory) may nest. Ours
// nest fewer than 8 levels; a bound keeps every recursive walk (copy, dump, destroy) shallow.
inline constexpr int kMaxJsonDepth = 64;

// nlohmann::json::parse with a depth limit (the parser itself is iterative; the limit is for
// whatever walks the tree after). Throws nsm::InputError: malformed, or nested deeper than
// max_depth. Every document that did not come from this process is parsed through here.
nlohmann::json parse_json_bounded(std::string_view text, int max_depth = kMaxJsonDepth);

// Writes `doc` (pretty, newline-terminated) through write_file_atomic (core/atomic_file.h),
// so a reader never sees half a file. Creates missing parent directories. Throws SysError.
void write_json_file(const std::string& path, const nlohmann::json& doc);

// Reads a results file and checks its schema_version (present, an integer, not newer than
// kSchemaVersion) and, when `kind` is non-empty, its "kind" field. Throws ResultsError
// naming the file: missing, unreadable, malformed, wrong kind, or from a future schema.
// With `repaired_utf8`, bytes that are not UTF-8 are first replaced by U+FFFD (and the
// flag set) rather than making the file malformed: for readers that show, not judge.
nlohmann::json read_json_file(const std::string& path, std::string_view kind = {}, bool* repaired_utf8 = nullptr);

// Creates a directory and its parents (mkdir -p). Throws SysError.
void make_directories(const std::string& path);

// ISO 8601 UTC time, "2026-11-29T09:11:34Z".
std::string utc_timestamp();

// run.json for a run written into `out_dir` (its run_id is out_dir's last component):
// schema_version, kind, tool_version, run_id, host (hostname, release, cpus), started,
// ended (null while the run goes on) and kernels. Callers add their own objects ("matrix").
nlohmann::json run_document(const std::string& out_dir, const nlohmann::json& started, const nlohmann::json& ended,
                            const std::vector<std::string>& kernels);

}  // namespace nsm
