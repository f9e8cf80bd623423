#include "benchmarks/runner/bench_runner.h"

#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "benchmarks/bench_json.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"

extern char** environ;

namespace nsm::bench {

namespace {

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

// Runs `argv` with this process's stdout and stderr and returns its wait status. SIGINT and
// SIGTERM are ignored here while the suite (which gets the default actions back) runs.
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
  if (!in) throw ToolError(fmt::format("nsmatrix-bench wrote no results ({} is missing)", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ToolError(fmt::format("nsmatrix-bench's results are not JSON: {}", e.what()));
  }
}

}  // namespace

std::string bench_binary_next_to_self() {
  const std::string path = own_bin_dir() + "/nsmatrix-bench";
  if (::access(path.c_str(), X_OK) != 0)
    throw ToolError(
        fmt::format("the benchmark suite is missing: {} ({}); build the nsmatrix-bench target", path, errno_name(errno)));
  return path;
}

SuiteRunResult run_bench_suite(const SuiteRunOptions& options) {
  const ScratchDir scratch(options.output);
  std::vector<std::string> argv{options.binary,
                                "--benchmark_out=" + scratch.file("gbench.json"),
                                "--benchmark_out_format=json",
                                "--catalogue-out=" + scratch.file("catalogue.json")};
  if (options.quick) argv.push_back("--quick");
  if (options.pin >= 0) argv.push_back(fmt::format("--pin={}", options.pin));
  if (!options.filter.empty()) argv.push_back("--benchmark_filter=" + options.filter);

  const int wstatus = run_suite(argv);
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 2) throw BadBenchArguments("nsmatrix-bench refused its arguments");
  if (const std::string end = describe_end(wstatus); !end.empty())
    throw ToolError(fmt::format("the benchmark suite {}; no {} written", end, options.output));

  SuiteRunResult result;
  try {
    result.document = make_bench_json(read_json_file(scratch.file("catalogue.json"), "bench-catalogue"),
                                      read_google_benchmark_json(scratch.file("gbench.json")), options.quick ? "quick" : "full");
  } catch (const Error& e) {
    throw ToolError(fmt::format("{}; no {} written", e.what(), options.output));
  }
  write_json_file(options.output, result.document);
  for (const auto& check : result.document["checks"]) {
    const std::string outcome = check["outcome"].get<std::string>();
    result.pass += outcome == "pass";
    result.skip += outcome == "skip";
    result.broken += outcome == "broken";
  }
  return result;
}

}  // namespace nsm::bench
