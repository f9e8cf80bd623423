// nsmatrix matrix: the kernel manifest, N VMs at a time, one results directory.
#include <iostream>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/vm_options.h"
#include "core/error.h"
#include "vm/matrix/kernel_source.h"
#include "vm/matrix/matrix.h"

namespace nsm::cli {

void add_matrix_command(CLI::App& app, Runner& selected) {
  struct Args {
    std::optional<std::string> manifest;
    std::string only;
    int jobs = 2;
    std::string out;
    GuestFlags guest;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("matrix", "boot every kernel of the manifest under QEMU, N at a time, into one results directory");
  cmd->add_option("--kernels", args->manifest, "the kernel manifest (default: the built-in one)");
  cmd->add_option("--only", args->only, "comma-separated kernel ids (default: all of the manifest)");
  cmd->add_option("-j,--jobs", args->jobs, "VMs at a time")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--out", args->out, "the run directory: run.json and one directory per kernel")->required();
  add_guest_flags(*cmd, args->guest);
  cmd->footer("Exit codes: 0 every kernel ran the suite and no check failed; 1 a kernel failed (did not boot,\n"
              "timed out, panicked, a check failed; skips are not failures); 2 bad input; 3 the tool could not work.");
  cmd->callback([args, &selected] {
    selected = [args]() -> int {
      vm::MatrixOptions options;
      options.vm = vm_options_from(args->guest);
      options.out_dir = args->out;
      options.jobs = args->jobs;
      std::vector<std::string> only;
      std::istringstream list(args->only);
      for (std::string id; std::getline(list, id, ',');)
        if (!id.empty()) only.push_back(id);
      const auto kernels = vm::manifest_kernels(args->manifest, only);
      if (kernels.empty()) throw Error("the manifest lists no kernels");
      const vm::MatrixResult result = vm::run_matrix(kernels, options, std::cout);
      return result.any_failure() ? kExitFailures : kExitOk;
    };
  });
}

}  // namespace nsm::cli
