// nsmatrix-conformance: GoogleTest's main, plus two listings of the registered checks:
//   --nsm_list_checks          the checks' metadata as JSON on stdout (for nsmatrix test)
//   --nsm_ctest_labels=FILE    a CTest script giving each test its labels (for ctest -L)
// and one helper mode for checks that must look at a process after execve:
//   --nsm_print_clocks         {"monotonic", "boottime", "time_ns"} of this process as JSON
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/harness/check.h"
#include "conformance/harness/listing.h"

namespace {

// What an exec'd process sees of its time namespace (conformance/time_exec.cpp).
int print_clocks() {
  auto seconds = [](clockid_t clock) {
    struct timespec ts {};
    ::clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
  };
  struct stat ns {};
  const bool have_ns = ::stat("/proc/self/ns/time", &ns) == 0;
  const nlohmann::json clocks = {{"monotonic", seconds(CLOCK_MONOTONIC)},
                                 {"boottime", seconds(CLOCK_BOOTTIME)},
                                 {"time_ns", have_ns ? nlohmann::json(ns.st_ino) : nlohmann::json(nullptr)}};
  std::cout << clocks.dump() << std::endl;
  return std::cout ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  // Before GoogleTest: an exec'd helper reads its clocks as early as it can.
  if (argc == 2 && std::string_view(argv[1]) == "--nsm_print_clocks") return print_clocks();
  ::testing::InitGoogleTest(&argc, argv);
  // A peer that went away must be an error return, never a silent death of the suite.
  ::signal(SIGPIPE, SIG_IGN);

  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--nsm_list_checks") {
      std::cout << nsm::conformance::checks_listing().dump(2) << "\n";
      return 0;
    }
    if (arg.starts_with("--nsm_ctest_labels=")) {
      const std::string path(arg.substr(std::string_view("--nsm_ctest_labels=").size()));
      std::ofstream out(path, std::ios::trunc);
      out << nsm::conformance::ctest_labels_script();
      if (!out) {
        std::cerr << "nsmatrix-conformance: cannot write " << path << "\n";
        return 3;
      }
      return 0;
    }
    if (arg.starts_with("--nsm")) {
      std::cerr << "nsmatrix-conformance: unknown option " << arg << "\n";
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
