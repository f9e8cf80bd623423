// nsmatrix-bench: the benchmark suite. Google Benchmark's own flags work as usual; besides:
//   --quick                 CI and emulated guests: one repetition, short minimum time, fewer
//                           sizes and iterations (default: 5 repetitions of 0.5 s)
//   --pin=CPU               run everything (threads and children too) on that CPU only
//   --catalogue-out=FILE    write which benchmark measures which check (for nsmatrix bench)
// Exit codes: 0 done (benchmarks that could not run are marked in the output); 2 bad usage,
// including a --benchmark_filter that matches nothing.
#include <sched.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/register.h"
#include "core/error.h"
#include "core/results.h"

namespace {

constexpr int kExitBadUsage = 2;

struct Flags {
  nsm::bench::SuiteOptions suite;
  std::optional<int> pin;
  std::optional<std::string> catalogue_out;
  std::vector<char*> passed_on;  // to Google Benchmark
};

// "0-1,4" for a CPU set.
std::string cpu_list(const cpu_set_t& set) {
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!out.empty()) out += ',';
    out += last == cpu ? std::to_string(cpu) : fmt::format("{}-{}", cpu, last);
    cpu = last;
  }
  return out;
}

// Pins this process (and all it starts later) to `cpu`; a person's error gets one line.
std::optional<std::string> pin_to(int cpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    return fmt::format("sched_getaffinity: {}", nsm::errno_name(errno));
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
    return fmt::format("--pin={}: this process may not run on CPU {} (allowed: {})", cpu, cpu, cpu_list(allowed));
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (::sched_setaffinity(0, sizeof one, &one) != 0)
    return fmt::format("sched_setaffinity(CPU {}): {}", cpu, nsm::errno_name(errno));
  return std::nullopt;
}

std::optional<int> parse_cpu(std::string_view text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  flags.passed_on.push_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      flags.suite.quick = true;
    } else if (arg.starts_with("--pin=")) {
      flags.pin = parse_cpu(arg.substr(6));
      if (!flags.pin) {
        fmt::print(stderr, "nsmatrix-bench: --pin wants a CPU number, got '{}'\n", arg.substr(6));
        return kExitBadUsage;
      }
    } else if (arg.starts_with("--catalogue-out=")) {
      flags.catalogue_out = std::string(arg.substr(16));
    } else {
      flags.passed_on.push_back(argv[i]);
    }
  }

  // Defaults first, so that the caller's own Google Benchmark flags override them.
  std::vector<std::string> defaults;
  if (flags.suite.quick)
    defaults = {"--benchmark_min_time=0.05", "--benchmark_repetitions=1"};
  else
    defaults = {"--benchmark_repetitions=5", "--benchmark_display_aggregates_only=true"};
  std::vector<char*> args{flags.passed_on.front()};
  for (auto& d : defaults) args.push_back(d.data());
  args.insert(args.end(), flags.passed_on.begin() + 1, flags.passed_on.end());
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return kExitBadUsage;

  if (flags.pin) {
    if (auto problem = pin_to(*flags.pin)) {
      fmt::print(stderr, "nsmatrix-bench: {}\n", *problem);
      return kExitBadUsage;
    }
    benchmark::AddCustomContext("nsmatrix_pinned_cpu", std::to_string(*flags.pin));
  }
  benchmark::AddCustomContext("nsmatrix_mode", flags.suite.quick ? "quick" : "full");

  nsm::bench::register_all_benchmarks(flags.suite);
  if (flags.catalogue_out) {
    try {
      nlohmann::json catalogue = nsm::bench::catalogue_json();
      catalogue["schema_version"] = nsm::kSchemaVersion;
      nsm::write_json_file(*flags.catalogue_out, catalogue);
    } catch (const std::exception& e) {
      fmt::print(stderr, "nsmatrix-bench: {}\n", e.what());
      return kExitBadUsage;
    }
  }

  const size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {
    fmt::print(stderr, "nsmatrix-bench: no benchmark matches the filter '{}'\n", benchmark::GetBenchmarkFilter());
    return kExitBadUsage;
  }
  return 0;
}
