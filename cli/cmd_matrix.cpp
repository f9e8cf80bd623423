// nsmatrix matrix: the kernel manifest, N VMs at a time, one results directory.
#include <iostream>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/vm_options.h"
#include "core/error.h"
#include "reports/report.h"
#include "vm/matrix/kernel_source.h"
#include "vm/matrix/matrix.h"

namespace nsm::cli {

namespace {
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream list(text);
  for (std::string item; std::getline(list, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}
}  // namespace

void add_matrix_command(CLI::App& app, Action& selected) {
  struct Args {
    std::optional<std::string> manifest;
    std::string only;
    std::string tags;
    int jobs = 2;
    std::string out;
    bool list = false;
    bool collect = false;
    bool report = true;
    GuestFlags guest;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "matrix",
      "Boot every kernel of the manifest under QEMU, N at a time, into one results directory, then the report");
  cmd->add_option("--kernels", args->manifest, "the kernel manifest (default: the built-in one)");
  cmd->add_option("--only", args->only, "comma-separated kernel ids (default: all of the manifest)");
  cmd->add_option("--tags", args->tags,
                  "comma-separated manifest tags: the kernels carrying any of them (oldest,newest)");
  cmd->add_option("-j,--jobs", args->jobs, "VMs at a time")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--out", args->out,
                  "the run directory: run.json, one directory per kernel, the report (default: results/<date>-<time>)");
  cmd->add_flag("--list", args->list, "print the selected kernel ids as a JSON array and stop (CI fans them out)");
  cmd->add_flag("--collect", args->collect,
                "boot nothing: gather the kernel directories already under --out (copied from separate runs), "
                "rewrite run.json, print the summary, exit as the matrix would");
  cmd->add_flag("!--no-report", args->report,
                "do not write report.html, summary.md, junit.xml and kcidb.json into --out");
  add_guest_flags(*cmd, args->guest);
  cmd->footer(
      "Exit codes: 0 every kernel ran the suite and no check failed; 1 a kernel failed (did not boot,\n"
      "timed out, panicked, a check failed; skips are not failures); 2 bad input (an option, or a manifest\n"
      "entry that cannot be prepared, such as a pinned package gone from the archive: the other kernels\n"
      "still run); 3 the tool could not work.");
  cmd->callback([args, &selected] {
    selected = [args]() -> int {
      // The report of the directory, its path printed last (as `nsmatrix run` does).
      auto report = [&] {
        if (!args->report) return;
        const auto paths = reports::report_directory(args->out, args->out, stderr);
        if (!paths.empty()) std::cout << "report: " << paths.back() << "\n";
      };
      if (args->collect) {
        if (args->out.empty()) throw InputError("--collect needs --out DIR");
        const bool failed = vm::collect_matrix(args->out, std::cout).any_failure();
        report();
        return failed ? kExitFailures : kExitOk;
      }
      const std::vector<std::string> only = split_list(args->only), tags = split_list(args->tags);
      if (!only.empty() && !tags.empty()) throw InputError("give --only or --tags, not both");
      if (args->list) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& k : vm::manifest_kernels(args->manifest, only, tags)) out.push_back(k.id);
        std::cout << out.dump() << "\n";
        return kExitOk;
      }
      if (args->out.empty()) args->out = default_out_dir();
      vm::MatrixOptions options;
      options.vm = vm_options_from(args->guest);
      options.out_dir = args->out;
      options.jobs = args->jobs;
      const auto kernels = vm::manifest_kernels(args->manifest, only, tags);
      if (kernels.empty())
        throw InputError(tags.empty() ? "the manifest lists no kernels"
                                      : "no kernel of the manifest carries those tags");
      const vm::MatrixResult result = vm::run_matrix(kernels, options, std::cout);
      report();
      if (!result.bad_input.empty()) {
        std::cerr << fmt::format("nsmatrix matrix: the manifest entry of {} could not be prepared (see above)\n",
                                 fmt::join(result.bad_input, ", "));
        return kExitBadInput;
      }
      return result.any_failure() ? kExitFailures : kExitOk;
    };
  });
}

}  // namespace nsm::cli
