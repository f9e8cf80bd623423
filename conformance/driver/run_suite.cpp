#include "conformance/driver/run_suite.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "conformance/driver/check_filter.h"
#include "conformance/driver/conformance_json.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/proc.h"

namespace nsm::conformance {

std::string suite_binary_next_to_self() {
  const std::string path = own_bin_dir() + "/nsmatrix-conformance";
  // A broken installation, not bad input: exit code 3.
  if (::access(path.c_str(), X_OK) != 0)
    throw ToolError(fmt::format("the conformance suite is missing: {} ({}); build the nsmatrix-conformance target",
                                path, errno_name(errno)));
  return path;
}

nlohmann::json list_checks(const std::string& binary) {
  ProgramOptions options;
  options.timeout = std::chrono::seconds(60);
  const ProgramResult r = run_program({binary, "--nsm_list_checks"}, options);
  if (!r.ok())
    throw ToolError(
        fmt::format("{} --nsm_list_checks {}{}", binary, r.status.describe(), r.err.empty() ? "" : ": " + trim(r.err)));
  const std::string& text = r.out;
  try {
    auto listing = nlohmann::json::parse(text);
    if (!listing.is_array()) throw ToolError("not a JSON array");
    return listing;
  } catch (const std::exception& e) {
    throw ToolError(fmt::format("{} --nsm_list_checks printed no usable list: {}", binary, e.what()));
  }
}

SuiteResult run_conformance(const SuiteOptions& options) {
  const nlohmann::json listing = list_checks(options.binary);
  ::unlink(options.scratch_path.c_str());
  std::vector<std::string> argv{options.binary, "--gtest_output=json:" + options.scratch_path};
  if (!options.verbose) argv.emplace_back("--gtest_brief=1");
  if (options.filter) argv.push_back("--gtest_filter=" + gtest_filter_for(*options.filter, listing));
  ProgramOptions program;
  program.output = Output::Inherit;
  program.timeout = options.timeout;
  SuiteResult result;
  result.status = run_program(argv, program).status;

  std::optional<nlohmann::json> gtest;
  if (auto text = read_file(options.scratch_path)) {
    try {
      gtest = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception&) {
      gtest.reset();  // half a file from a suite that died while writing it
    }
  }
  ::unlink(options.scratch_path.c_str());
  if (result.status.end != ChildStatus::End::Exited) gtest.reset();  // never trust a killed suite's leftovers
  result.document = conformance_document(listing, gtest, result.status.describe());
  return result;
}

}  // namespace nsm::conformance
