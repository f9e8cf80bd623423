#include "reports/report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/results.h"
#include "core/unique_fd.h"
#include "reports/html_report.h"
#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"

namespace nsm::reports {

namespace {

// Whole file or nothing: a reader (a CI uploader, a browser) never sees half a report; and
// never through a file planted in someone else's output directory.
void write_atomically(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

}  // namespace

std::vector<std::string> write_reports(const RunResults& run, const std::string& out_dir) {
  make_directories(out_dir);
  auto path = [&](std::string_view name) {
    return out_dir.back() == '/' ? out_dir + std::string(name) : fmt::format("{}/{}", out_dir, name);
  };
  std::vector<std::string> written;
  write_atomically(path(result_files::kSummary), markdown_summary(run));
  written.push_back(path(result_files::kSummary));
  write_atomically(path(result_files::kJunit), junit_xml(run));
  written.push_back(path(result_files::kJunit));
  write_atomically(path(result_files::kKcidb),
                   kcidb_json(run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  written.push_back(path(result_files::kKcidb));
  write_atomically(path(result_files::kReportHtml), html_report(run));
  written.push_back(path(result_files::kReportHtml));
  return written;
}

std::vector<std::string> report_directory(const std::string& results_dir, const std::string& out_dir, std::FILE* err) {
  const RunResults run = load_results(results_dir);
  for (const auto& p : run.problems) fmt::print(err, "nsmatrix report: {}\n", p);
  for (const auto& k : run.kernels) {
    const auto reasons = k.infra_reasons();
    if (reasons.empty()) continue;
    for (const auto& r : reasons) fmt::print(err, "nsmatrix report: {}\n", r);
    fmt::print(err, "nsmatrix report: kernel {} is shown as infra-error\n", k.id);
  }
  std::fflush(err);
  return write_reports(run, out_dir);
}

}  // namespace nsm::reports
