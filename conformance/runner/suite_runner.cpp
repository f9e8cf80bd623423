#include "conformance/runner/suite_runner.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "conformance/runner/conformance_json.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/unique_fd.h"

namespace nsm::conformance {

namespace {

// In the child: replaces it with the suite. Never returns.
[[noreturn]] void exec_suite(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::vector<std::string> copies{binary};
  copies.insert(copies.end(), args.begin(), args.end());
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  std::fprintf(stderr, "nsmatrix: execv(%s): %s\n", binary.c_str(), errno_name(errno).c_str());
  ::_exit(127);
}

}  // namespace

std::string suite_binary_next_to_self() {
  const std::string path = own_bin_dir() + "/nsmatrix-conformance";
  // A broken installation, not bad input: exit code 3.
  if (::access(path.c_str(), X_OK) != 0)
    throw ToolError(
        fmt::format("the conformance suite is missing: {} ({}); build the nsmatrix-conformance target", path, errno_name(errno)));
  return path;
}

nlohmann::json list_checks(const std::string& binary) {
  auto [read_end, write_end] = make_pipe();
  SpawnOptions options;
  options.timeout = std::chrono::seconds(60);
  const int out = write_end.get();
  Child child = Child::spawn(options, [&](Channel&) -> int {
    ::dup2(out, STDOUT_FILENO);
    exec_suite(binary, {"--nsm_list_checks"});
  });
  write_end.reset();
  std::string text;
  char buf[65536];
  for (;;) {
    struct pollfd p {read_end.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(child.time_left().count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // the deadline: wait() below kills and reports
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  const ChildStatus status = child.wait();
  if (!status.ok()) throw ToolError(fmt::format("{} --nsm_list_checks {}", binary, status.describe()));
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
  std::vector<std::string> args{"--gtest_output=json:" + options.scratch_path};
  if (!options.verbose) args.emplace_back("--gtest_brief=1");
  if (options.filter) args.push_back("--gtest_filter=" + *options.filter);
  SpawnOptions spawn;
  spawn.timeout = options.timeout;
  Child child = Child::spawn(spawn, [&](Channel&) -> int { exec_suite(options.binary, args); });
  SuiteResult result;
  result.status = child.wait();

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
