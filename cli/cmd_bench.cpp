// nsmatrix bench: runs the benchmark suite (nsmatrix-bench, next to this executable) and
// writes bench.json (docs/results-format.md): Google Benchmark's JSON under "gbench" and
// one check per benchmarked operation, with its metrics.
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/bench_json.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/results.h"

extern char** environ;

namespace nsm::cli {

namespace {

struct BenchArgs {
  bool quick = false;
  std::string output = "bench.json";
  std::string filter;
  int pin = -1;
};

// The nsmatrix-bench binary in the directory of this executable.
std::string sibling_binary(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw SysError("readlink(/proc/self/exe)", ec.value());
  return (self.parent_path() / name).string();
}

// A scratch directory next to the output, removed with everything in it on scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& output) {
    auto parent = std::filesystem::path(output).parent_path();
    if (parent.empty()) parent = ".";
    make_directories(parent.string());
    std::string pattern = (parent / ".nsmatrix-bench.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw_sys(fmt::format("mkdtemp({})", pattern));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// How the suite's process ended, in words; empty when it exited with 0.
std::string describe_end(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus) == 0 ? "" : fmt::format("exited with status {}", WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) {
    const char* abbrev = ::sigabbrev_np(WTERMSIG(wstatus));
    return abbrev ? fmt::format("was killed by SIG{}", abbrev) : fmt::format("was killed by signal {}", WTERMSIG(wstatus));
  }
  return "ended in an unknown way";
}

// Runs `argv` with this process's stdout and stderr and returns its wait status. Ctrl-C
// reaches the suite (same process group) while this process waits for it, so that the
// scratch directory is still removed.
int run_suite(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  struct sigaction ignore {}, old_int {}, old_term {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGTERM, &ignore, &old_term);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, args[0], nullptr, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  int wstatus = 0;
  if (spawned == 0) {
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (spawned != 0) throw SysError(fmt::format("posix_spawn({})", argv[0]), spawned);
  return wstatus;
}

nlohmann::json read_google_benchmark_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("nsmatrix-bench wrote no results ({} is missing)", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("nsmatrix-bench's results are not JSON: {}", e.what()));
  }
}

int run_bench(const BenchArgs& args) {
  const std::string binary = sibling_binary("nsmatrix-bench");
  if (::access(binary.c_str(), X_OK) != 0) {
    fmt::print(stderr, "nsmatrix: the benchmark suite is missing: {} ({})\n", binary, errno_name(errno));
    return kExitBroken;
  }
  std::optional<ScratchDir> scratch_dir;
  try {
    scratch_dir.emplace(args.output);
  } catch (const SysError& e) {
    fmt::print(stderr, "nsmatrix: cannot write next to -o {}: {}\n", args.output, e.what());
    return kExitBadInput;
  }
  const ScratchDir& scratch = *scratch_dir;
  std::vector<std::string> argv{binary,
                                "--benchmark_out=" + scratch.file("gbench.json"),
                                "--benchmark_out_format=json",
                                "--catalogue-out=" + scratch.file("catalogue.json")};
  if (args.quick) argv.push_back("--quick");
  if (args.pin >= 0) argv.push_back(fmt::format("--pin={}", args.pin));
  if (!args.filter.empty()) argv.push_back("--benchmark_filter=" + args.filter);

  const int wstatus = run_suite(argv);
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kExitBadInput) return kExitBadInput;  // it said why
  if (const std::string end = describe_end(wstatus); !end.empty()) {
    fmt::print(stderr, "nsmatrix: the benchmark suite {}; no {} written\n", end, args.output);
    return kExitBroken;
  }

  nlohmann::json doc;
  try {
    doc = bench::make_bench_json(read_json_file(scratch.file("catalogue.json"), "bench-catalogue"),
                                 read_google_benchmark_json(scratch.file("gbench.json")), args.quick ? "quick" : "full");
  } catch (const Error& e) {
    fmt::print(stderr, "nsmatrix: {}; no {} written\n", e.what(), args.output);
    return kExitBroken;
  }
  try {
    write_json_file(args.output, doc);
  } catch (const SysError& e) {
    fmt::print(stderr, "nsmatrix: cannot write -o {}: {}\n", args.output, e.what());
    return kExitBadInput;
  }

  std::map<std::string, int> counts;
  for (const auto& check : doc["checks"]) ++counts[check["outcome"].get<std::string>()];
  fmt::print("bench: {} pass, {} skip, {} broken -> {}\n", counts["pass"], counts["skip"], counts["broken"], args.output);
  for (const auto& check : doc["checks"])
    if (check["outcome"] == "broken")
      fmt::print(stderr, "nsmatrix: {} broken: {}\n", check["id"].get<std::string>(), check["reason"].get<std::string>());
  return counts["broken"] > 0 ? kExitBroken : kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench",
                                     "Measure what isolation costs: namespace creation, setns, teardown, network setup and "
                                     "the data path (runs nsmatrix-bench); writes bench.json");
  cmd->add_flag("--quick", args->quick,
                "For CI and emulated guests: one repetition, a short minimum time, fewer sizes (default: 5 repetitions)");
  cmd->add_option("-o,--output", args->output, "Where to write bench.json")->capture_default_str();
  cmd->add_option("--filter", args->filter,
                  "Only the benchmarks whose names match this regular expression (e.g. 'create/|setns/')");
  cmd->add_option("--pin", args->pin, "Run the whole suite on this CPU only")->check(CLI::Range(0, CPU_SETSIZE - 1));
  cmd->callback([args, &selected] { selected = [args] { return run_bench(*args); }; });
}

}  // namespace nsm::cli
