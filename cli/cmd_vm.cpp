// nsmatrix vm: boot one kernel under QEMU and run the suite inside it.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/vm_options.h"
#include "core/error.h"
#include "vm/matrix/kernel_source.h"
#include "vm/matrix/matrix.h"

namespace nsm::cli {

void add_vm_command(CLI::App& app, Action& selected) {
  struct Args {
    std::string kernel;
    std::optional<std::string> modules;
    std::optional<std::string> manifest;
    std::string out;
    GuestFlags guest;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("vm", "Boot one kernel under QEMU, run the suite inside, bring the results home");
  cmd->add_option("--kernel", args->kernel, "a kernel id of the manifest, or the path of a bzImage")->required();
  cmd->add_option("--modules", args->modules, "with a bzImage path: its modules tree (lib/modules/RELEASE)");
  cmd->add_option("--kernels", args->manifest, "the kernel manifest (default: the built-in one)");
  cmd->add_option("--out", args->out, "the run directory (run.json, KERNEL-ID/...); default results/vm-TIMESTAMP");
  add_guest_flags(*cmd, args->guest);
  cmd->footer(
      "Exit codes: 0 the suite ran and no check failed; 1 a check failed or the kernel did not boot\n"
      "(status.json says why); 2 bad input (unknown id, not a bzImage); 3 the tool could not work.");
  cmd->callback([args, &selected] {
    selected = [args]() -> int {
      vm::VmOptions options = vm_options_from(args->guest);
      const std::string out = args->out.empty() ? default_run_dir("vm") : args->out;
      vm::MatrixKernel kernel = vm::kernel_from_argument(args->kernel, args->modules, args->manifest);
      // Prepared here, not in the matrix: a kernel that cannot be prepared is bad input.
      vm::BootTarget target;
      try {
        target = kernel.prepare(
            [](std::string_view line) { std::cout << fmt::format("[{}] {}\n", "vm", line) << std::flush; });
      } catch (const vm::NotBootableError& e) {
        vm::write_unbooted(fmt::format("{}/{}", out, kernel.id), kernel.id, {{"type", "file"}, {"path", args->kernel}},
                           "boot-failed", e.what());
        throw;
      } catch (const Error& e) {
        vm::write_unbooted(fmt::format("{}/{}", out, kernel.id), kernel.id,
                           {{"type", "unknown"}, {"argument", args->kernel}}, "infra-error",
                           fmt::format("cannot prepare the kernel: {}", e.what()));
        throw;
      }
      target.id = kernel.id;
      vm::MatrixOptions matrix;
      matrix.out_dir = out;
      matrix.jobs = 1;
      matrix.vm = options;
      const vm::MatrixResult result =
          vm::run_matrix({{kernel.id, [target](const vm::PrepareProgress&) { return target; }}}, matrix, std::cout);
      return result.any_failure() ? kExitFailures : kExitOk;
    };
  });
}

}  // namespace nsm::cli
