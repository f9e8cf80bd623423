// Writes every output of `nsmatrix report` into one directory.
#pragma once

#include <string>
#include <vector>

#include "reports/model.h"

namespace nsm::reports {

// The file names, in the order they are written (the HTML last: it is what people open).
inline constexpr const char* kSummaryFile = "summary.md";
inline constexpr const char* kJunitFile = "junit.xml";
inline constexpr const char* kKcidbFile = "kcidb.json";
inline constexpr const char* kHtmlFile = "report.html";

// Writes summary.md, junit.xml, kcidb.json and report.html into `out_dir` (created when
// missing), each through a temporary file and rename(2). Returns their paths in that order.
// Throws SysError when a file cannot be written.
std::vector<std::string> write_reports(const RunResults& run, const std::string& out_dir);

}  // namespace nsm::reports
