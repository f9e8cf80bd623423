// A kernel's results directory as `nsmatrix report` reads it (reports/load.h), then every
// report writer on what was loaded. load_kernel never throws for a bad file (it becomes a
// problem naming it); the writers take any model. Input: kernel.json %% status.json %%
// probe.json %% conformance.json %% bench.json %% console.log, an empty part being a file
// that is absent. The files are written into a directory of this process under the current
// directory (libFuzzer ends without running exit handlers: scripts/fuzz.sh runs each target in
// a directory of its own under build/fuzz, and removes it afterwards).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/results.h"
#include "fuzz/fuzz_input.h"
#include "reports/html_report.h"
#include "reports/junit_xml.h"
#include "reports/kcidb_json.h"
#include "reports/load.h"
#include "reports/markdown_summary.h"

namespace {

const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::current_path() / ("report_load.work." + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "k1");
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nsm::reports;
  static constexpr std::string_view kFiles[] = {nsm::result_files::kKernel, nsm::result_files::kStatus,
                                                nsm::result_files::kProbe,  nsm::result_files::kConformance,
                                                nsm::result_files::kBench,  nsm::result_files::kConsole};
  const auto parts = nsm::fuzz::split_parts(nsm::fuzz::as_text(data, size), std::size(kFiles));
  const auto dir = work_dir() / "k1";
  for (size_t i = 0; i < std::size(kFiles); ++i) {
    const auto path = dir / kFiles[i];
    if (parts[i].empty()) {
      std::filesystem::remove(path);
    } else {
      std::ofstream(path, std::ios::binary | std::ios::trunc)
          .write(parts[i].data(), static_cast<std::streamsize>(parts[i].size()));
    }
  }
  RunResults run;
  run.dir = work_dir().string();
  run.kernels.push_back(load_kernel(dir.string(), "k1"));
  (void)run.all_problems();
  (void)html_report(run);
  (void)junit_xml(run);
  (void)markdown_summary(run);
  (void)kcidb_json(run).dump();  // strict: the writers must have made every string valid UTF-8
  return 0;
}
