// `nsmatrix runtimes`: for each container runtime installed here (docker, podman, runc, crun,
// bubblewrap, systemd-nspawn, LXC) and each of its profiles, start a container with the
// runtime's defaults from the project's own rootfs, run the held inside view in it, compare
// it with the host from outside (runtimes/outside.h), judge its gaps against the host's
// readings before and after, and write runtimes.json (docs/results-format.md, "runtimes").
//
// Everything the run makes carries its marker (conformance/driver/residue.h) and is removed
// when it ends, whichever way; after a SIGKILL, `nsmatrix clean` removes it.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm::runtimes {

struct DriverOptions {
  std::vector<std::string> runtimes;  // empty: all
  std::vector<std::string> profiles;  // empty: all of each runtime's
  std::string out_dir;                // runtimes.json and logs/
  std::string bin_dir;                // where nsmatrix is (the rootfs is built from it)
};

// The names `--runtime` accepts, and each one's profiles ("docker": default, privileged).
std::vector<std::pair<std::string, std::vector<std::string>>> runtime_profiles();

struct DriverResult {
  nlohmann::json doc;  // what runtimes.json holds
  std::string path;    // DIR/runtimes.json
  int broken = 0;      // cases whose setup or comparison failed
  int ran = 0, skipped = 0;
  int broken_gaps = 0;    // gap verdicts of containers that ran which are broken (no verdict)
  int host_problems = 0;  // what the run could not remove, or a host setting it had to set back
  int interrupted = 0;    // the signal (SIGINT, SIGTERM, SIGHUP) that stopped the run early, 0: none
};

// Progress on `progress`, one line per case. Throws nsm::InputError for an unknown runtime
// or profile, nsm::ToolError when the rootfs cannot be built or the host left unclean.
DriverResult run_runtimes(const DriverOptions& options, std::FILE* progress);

}  // namespace nsm::runtimes
