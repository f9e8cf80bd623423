// nsmatrix: the one command. Subcommands live in cmd_<name>.cpp (see command.h).
#include <cstdio>
#include <exception>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "nsmatrix: which Linux namespaces this kernel has, which isolation guarantees hold,\n"
      "which known gaps remain, and what isolation costs. For the running kernel, or for\n"
      "a matrix of kernels booted under QEMU.",
      "nsmatrix"};
  app.set_version_flag("--version", std::string(nsm::kToolVersion));
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 done; 1 failures found (a failed check, a kernel that did not boot);\n"
      "2 bad input; 3 the tool itself could not work.\n"
      "Run 'nsmatrix SUBCOMMAND --help' for each subcommand's options.");

  nsm::cli::Action selected;
  nsm::cli::add_run_command(app, selected);
  nsm::cli::add_probe_command(app, selected);
  nsm::cli::add_test_command(app, selected);
  nsm::cli::add_clean_command(app, selected);
  nsm::cli::add_report_command(app, selected);
  nsm::cli::add_kernels_command(app, selected);
  nsm::cli::add_vm_command(app, selected);
  nsm::cli::add_matrix_command(app, selected);
  nsm::cli::add_bench_command(app, selected);
  nsm::cli::add_inside_command(app, selected);
  nsm::cli::add_runtimes_command(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? nsm::cli::kExitOk : nsm::cli::kExitBadInput;
  }
  try {
    return selected ? selected() : nsm::cli::kExitOk;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "nsmatrix: {}\n", e.what());
    return nsm::cli::exit_code_of(e);
  }
}
