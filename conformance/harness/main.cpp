// nsmatrix-conformance: GoogleTest's main, plus two listings of the registered checks:
//   --nsm_list_checks          the checks' metadata as JSON on stdout (for nsmatrix test)
//   --nsm_ctest_labels=FILE    a CTest script giving each test its labels (for ctest -L)
// and helper modes for checks that must look at a process after execve:
//   --nsm_print_clocks         {"monotonic", "boottime", "time_ns"} of this process as JSON
//   --nsm_print_caps PID       {"uid", "cap_eff", "cap_prm", "cap_bnd", "signal_0"} as JSON:
//                              the capability sets from /proc/self/status (hex), and
//                              kill(PID, 0)'s outcome ("ok" or the errno's name)
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

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

// What an exec'd process holds (conformance/user_boundary.cpp, capabilities across execve).
int print_caps(const char* target) {
  std::ifstream in("/proc/self/status");
  nlohmann::json out{{"uid", ::getuid()}};
  std::string line;
  for (const auto& [field, key] : {std::pair{"CapEff:", "cap_eff"}, {"CapPrm:", "cap_prm"}, {"CapBnd:", "cap_bnd"}}) {
    in.clear();
    in.seekg(0);
    while (std::getline(in, line))
      if (line.starts_with(field))
        out[key] = line.substr(line.find_first_not_of(" \t", std::string_view(field).size()));
  }
  const int r = ::kill(static_cast<pid_t>(std::stol(target)), 0);
  out["signal_0"] = r == 0 ? std::string("ok") : nsm::errno_name(errno);
  std::cout << out.dump() << std::endl;
  return std::cout ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  // Before GoogleTest: an exec'd helper reads its clocks as early as it can.
  if (argc == 2 && std::string_view(argv[1]) == "--nsm_print_clocks") return print_clocks();
  if (argc == 3 && std::string_view(argv[1]) == "--nsm_print_caps") return print_caps(argv[2]);
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
