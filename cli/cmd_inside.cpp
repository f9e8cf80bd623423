// nsmatrix inside [--hold] [--token T]
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "runtimes/inside_view.h"

namespace nsm::cli {

namespace {

struct InsideArgs {
  bool hold = false;
  std::string token;
};

int run_inside_command(const InsideArgs& args) {
  const nlohmann::json view = runtimes::collect_inside_view({.token = args.token});
  // Held: one line, so the driver outside reads exactly one document before it looks.
  const std::string text = args.hold ? view.dump() : view.dump(2);
  fmt::print("{}\n", text);
  std::fflush(stdout);
  if (args.hold) {
    char buf[256];
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0 && errno != EINTR) throw_sys("read(stdin) while held");
    }
  }
  return kExitOk;
}

}  // namespace

void add_inside_command(CLI::App& app, Action& selected) {
  auto args = std::make_shared<InsideArgs>();
  CLI::App* sub =
      app.add_subcommand("inside", "What this process sees of its own isolation, from inside any container (JSON)");
  sub->description(
      "Run inside a container (docker, podman, runc, bubblewrap, ...), prints as JSON what\n"
      "the process sees of its isolation: its namespaces and whether each is the initial\n"
      "one (decidable from the inode on kernels that fix it: all eight types from 6.18),\n"
      "uid/gid maps, capabilities (effective, permitted, bounding, ambient), no_new_privs,\n"
      "the seccomp mode and which namespace, mount, keyring, bpf and perf calls are refused\n"
      "before the kernel looks at their (deliberately invalid) arguments, the LSM label,\n"
      "its cgroup and limits, masked and read-only paths, devices, the network links it\n"
      "sees (kind, veth peer), and the known gaps it can look at with its own privileges.\n"
      "It changes nothing. Gaps that need the host's readings to be judged are skips here;\n"
      "`nsmatrix runtimes` runs this view in each runtime and judges them from outside.\n"
      "Exit 0 when the view was written; 3 when it could not be.\n\n"
      "Examples:\n"
      "  nsmatrix inside                                  on the host: everything initial\n"
      "  docker run --rm -v $PWD/build/default/bin:/nsm IMAGE /nsm/nsmatrix inside\n"
      "  nsmatrix inside --hold --token nsm-rt-1-docker   print one line, then wait for EOF on stdin");
  sub->add_flag("--hold", args->hold,
                "Print the view as one line, then stay until stdin reaches EOF (the driver looks at the process from "
                "outside meanwhile)");
  sub->add_option("--token", args->token,
                  "A word recorded in the view; the driver finds the process by it in /proc/*/cmdline")
      ->option_text("T");
  sub->callback([args, &selected] { selected = [args] { return run_inside_command(*args); }; });
}

}  // namespace nsm::cli
