// Writes every output of `nsmatrix report` into one directory.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "reports/model.h"

namespace nsm::reports {

// Writes summary.md, junit.xml, kcidb.json and report.html into `out_dir` (created when
// missing), each through a temporary file and rename(2). Returns their paths in that order.
// Throws SysError when a file cannot be written.
std::vector<std::string> write_reports(const RunResults& run, const std::string& out_dir);

// What `nsmatrix report` (and the end of `nsmatrix run`) does: loads `results_dir`, names
// every unusable file and every kernel shown as infra-error on `err`, and writes the four
// files into `out_dir`. Returns their paths, report.html last. Throws ResultsError when
// `results_dir` is missing, unreadable or holds no results; SysError when writing fails.
std::vector<std::string> report_directory(const std::string& results_dir, const std::string& out_dir, std::FILE* err);

}  // namespace nsm::reports
