// Creating a child in new namespaces: clone3 (clone where clone3 is missing) with each
// CLONE_NEW* flag alone, none (the baseline every other number includes), Docker's set, and
// the set a rootless runtime creates as an unprivileged user. Timed from the call until the
// child reports that it runs; its exit and the namespaces' teardown are not timed (see
// teardown_bench.cpp and netns_rate_bench.cpp for those).
#include <sched.h>
#include <unistd.h>

#include <fmt/format.h>

#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/timing.h"
#include "core/error.h"
#include "core/id_map.h"
#include "core/ns_types.h"
#include "core/spawn.h"

namespace nsm::bench {

namespace {

constexpr int kDockerFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
constexpr int kRootlessFlags = CLONE_NEWUSER | kDockerFlags;
// The user a rootless runtime runs as, when the suite itself runs as root.
constexpr uid_t kUnprivilegedId = 65534;

// Spawns one child and waits until it runs. Only that is timed; then the child is let go
// (it exits when its channel closes) and reaped.
Clock::duration spawn_until_running(const SpawnOptions& options) {
  const auto start = Clock::now();
  Child child = Child::spawn(options, [](Channel& channel) {
    channel.send("running");
    channel.recv(std::chrono::seconds(30));  // returns when the parent closes its end
    return 0;
  });
  child.channel().expect(child.time_left(), "the new child's first message");
  const auto running = Clock::now() - start;
  child.channel().close();
  const ChildStatus status = child.wait();
  if (!status.ok()) throw ToolError(fmt::format("the new child {}", status.describe()));
  return running;
}

void register_spawn(const CheckInfo& check, const std::string& name, int flags) {
  add(check, name, {time_metric("us"), median_metric()},
      [flags](benchmark::State& state) {
        SpawnOptions options;
        options.clone_flags = flags;
        options.verify_namespaces = false;  // the kernel's cost alone; the child changes nothing
        IterationTimes times(state);
        for (auto _ : state) times.add(spawn_until_running(options));
        times.report_median();
      })
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
}

// The rootless set is created by an unprivileged process that maps its own ids, as rootless
// podman does; the loop runs in such a process and times itself.
void register_rootless() {
  Requirements needs;
  needs.namespaces = {NsType::User, NsType::Mnt, NsType::Uts, NsType::Ipc, NsType::Pid, NsType::Net, NsType::Cgroup};
  needs.rootless = true;
  add(bench_check("bench.create.rootless", std::nullopt,
                  "an unprivileged user creates a child in new user, mnt, uts, ipc, pid, net and cgroup namespaces "
                  "and maps its ids",
                  needs),
      "create/rootless", {time_metric("us")},
      [](benchmark::State& state) {
        const auto iterations = state.max_iterations;
        SpawnOptions spawn;
        spawn.timeout = std::chrono::seconds(120);
        const auto total = time_in_child(spawn, [iterations] {
          const uid_t uid = ::geteuid() == 0 ? kUnprivilegedId : ::geteuid();
          const gid_t gid = ::geteuid() == 0 ? kUnprivilegedId : ::getegid();
          if (::geteuid() == 0) become_unprivileged(uid, gid);
          SpawnOptions options;
          options.clone_flags = kRootlessFlags;
          options.id_map = IdMap::root_is(uid, gid);
          options.verify_namespaces = false;  // as for register_spawn: the kernel's cost alone
          Clock::duration sum{};
          for (benchmark::IterationCount i = 0; i < iterations; ++i) sum += spawn_until_running(options);
          return sum;
        });
        report_total_time(state, total);
      })
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace

void register_create_benchmarks(const SuiteOptions&) {
  register_spawn(bench_check("bench.create.baseline", std::nullopt,
                             "create a child in no new namespace (the baseline the others include)", Requirements{}),
                 "create/none", 0);
  for (const auto& ns : ns_types()) {
    register_spawn(bench_check(fmt::format("bench.create.{}", ns.name), ns.type,
                               fmt::format("create a child in a new {} namespace ({})", ns.name, ns.clone_flag_name),
                               as_root({ns.type})),
                   fmt::format("create/{}", ns.name), ns.clone_flag);
  }
  register_spawn(
      bench_check("bench.create.docker", std::nullopt,
                  "create a child in Docker's set: new mnt, uts, ipc, pid, net and cgroup namespaces",
                  as_root({NsType::Mnt, NsType::Uts, NsType::Ipc, NsType::Pid, NsType::Net, NsType::Cgroup})),
      "create/docker", kDockerFlags);
  register_rootless();
}

}  // namespace nsm::bench
