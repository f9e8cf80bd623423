// nsmatrix-conformance: GoogleTest's main, plus two listings of the registered checks:
//   --nsm_list_checks          the checks' metadata as JSON on stdout (for nsmatrix test)
//   --nsm_ctest_labels=FILE    a CTest script giving each test its labels (for ctest -L)
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/harness/check.h"
#include "conformance/harness/listing.h"

int main(int argc, char** argv) {
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
