// How each container runtime starts a container with its own defaults (and the few named
// profiles people use) from the project's rootfs, running the held inside view
// (`nsmatrix inside --hold --token T`): docker, podman, runc, crun, bubblewrap,
// systemd-nspawn and LXC. An engine also starts what its runtime needs for the run (dockerd,
// an image imported from the tarball, a bridge, a bundle) and stops it after. Everything it
// makes is named with the run's marker (conformance/driver/residue.h), under the run's work
// directory, so `nsmatrix clean` finds it if the run is killed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exec.h"
#include "runtimes/rootfs.h"

namespace nsm::runtimes {

// What every engine of one run shares.
struct RunContext {
  std::string marker;    // "nsm-rt-<pid>-p<pidns>"
  std::string work_dir;  // /var/lib/<marker>
  std::string log_dir;   // <out>/logs: each runtime's own output, kept for the reader
  Rootfs rootfs;
  int pid = 0;  // the driver's (bridge names: nsm-<pid>-<tag>)
};

// A runtime that cannot run here says why; the driver records it as a skip.
struct CannotRun : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whether a signal (SIGINT, SIGTERM, SIGHUP) asked the run to stop (runtimes/driver.cpp):
// a wait it interrupted then gives up, and the run cleans up and ends.
bool stop_requested();

// One container to start: the command and how (its environment, namespaces for the
// runtime's own process); the driver sets how its output is read.
struct Launch {
  std::vector<std::string> argv;
  ProgramOptions options;
  std::vector<std::string> notes;  // how this start differs from a plain one, and why
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;                   // "docker"
  virtual std::string program() const = 0;                // the command looked up in PATH
  virtual std::vector<std::string> profiles() const = 0;  // "default" first
  // "20.10.24" (the runtime's own answer), or what it said instead.
  virtual std::string version(const RunContext& ctx);
  // Starts what the runtime needs. Throws CannotRun (a skip) or ToolError.
  virtual void prepare(RunContext& ctx) { (void)ctx; }
  // The container for `profile`, whose inside view carries `token`. Throws CannotRun.
  virtual Launch launch(const RunContext& ctx, const std::string& profile, const std::string& token) = 0;
  // Stops what prepare() started. Never throws; says what went wrong.
  virtual std::vector<std::string> finish(RunContext& ctx) {
    (void)ctx;
    return {};
  }
};

// Every engine, in report order.
std::vector<std::unique_ptr<Engine>> all_engines();

// The argv that runs the held inside view in the container.
std::vector<std::string> inside_command(const std::string& token);

}  // namespace nsm::runtimes
