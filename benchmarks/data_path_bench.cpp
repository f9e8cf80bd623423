// The data path through namespaces: TCP stream throughput and TCP/UDP request-response
// latency over loopback, a veth pair, a bridge, and (throughput) four flows on one bridge,
// with 64 B, 1 KiB and 64 KiB messages. benchmarks/side_by_side.sh runs iperf3 and sockperf
// on the same topologies for comparison.
#include <fmt/format.h>

#include "benchmarks/data_sockets.h"
#include "benchmarks/data_topologies.h"
#include "benchmarks/register.h"
#include "benchmarks/registry.h"
#include "benchmarks/request_response.h"
#include "benchmarks/stream_flow.h"
#include "benchmarks/timing.h"

namespace nsm::bench {

namespace {

struct MessageSize {
  size_t bytes;
  const char* label;  // in benchmark and metric names
};
constexpr MessageSize k64B{64, "64B"};
constexpr MessageSize k1KiB{1024, "1KiB"};
constexpr MessageSize k64KiB{64 * 1024, "64KiB"};

// A chunk is the unit the receiver acknowledges: whole messages, at least 1 MiB.
size_t chunk_bytes(size_t message) { return std::max<size_t>(1, (1 << 20) / message) * message; }

// Untimed, before the clock starts: slow start and buffer autotuning settle.
constexpr int64_t kWarmupChunks = 8;

void bench_stream(benchmark::State& state, DataPath path, size_t message) {
  std::vector<std::unique_ptr<StreamFlow>> flows;
  for (const DataFlow& f : data_path_flows(path))
    flows.push_back(
        std::make_unique<StreamFlow>(connect_tcp(*f.client, *f.server, false), message, chunk_bytes(message)));
  const auto chunks = state.max_iterations;
  auto run_all = [&](int64_t n) {
    if (flows.size() == 1) return flows[0]->transfer(n);
    std::vector<std::exception_ptr> failures(flows.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < flows.size(); ++i)
      threads.emplace_back([&, i] {
        try {
          flows[i]->transfer(n);
        } catch (...) {
          failures[i] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (auto& f : failures)
      if (f) std::rethrow_exception(f);
  };
  run_all(kWarmupChunks);
  const auto start = Clock::now();
  run_all(chunks);
  report_total_time(state, Clock::now() - start);
  state.SetBytesProcessed(chunks * static_cast<int64_t>(chunk_bytes(message) * flows.size()));
}

void bench_request_response(benchmark::State& state, DataPath path, size_t message, bool tcp) {
  const DataFlow flow = data_path_flows(path).front();
  EchoPeer peer(tcp ? connect_tcp(*flow.client, *flow.server, true) : connect_udp(*flow.client, *flow.server), message,
                tcp);
  for (int i = 0; i < 100; ++i) peer.round_trip();  // warm caches and the scheduler, untimed
  std::vector<double> rtts;
  rtts.reserve(static_cast<size_t>(state.max_iterations));
  for (auto _ : state) {
    const double rtt = std::chrono::duration<double>(peer.round_trip()).count();
    state.SetIterationTime(rtt);
    rtts.push_back(rtt);
  }
  state.counters["rtt_p50_us"] = percentile(rtts, 50) * 1e6;
  state.counters["rtt_p99_us"] = percentile(rtts, 99) * 1e6;
}

Requirements needs_for(DataPath path) {
  Requirements needs = as_root({NsType::Net});
  if (path != DataPath::Loopback) needs.link_kinds.push_back("veth");
  if (path == DataPath::Bridge || path == DataPath::Bridge8) needs.link_kinds.push_back("bridge");
  return needs;
}

void register_stream(DataPath path, const std::vector<MessageSize>& sizes) {
  const std::string name(data_path_name(path));
  const CheckInfo check = bench_check(fmt::format("bench.tcp.stream.{}", name), NsType::Net,
                                      fmt::format("TCP stream throughput {}", data_path_title(path)), needs_for(path));
  for (const MessageSize& size : sizes) {
    add(check, fmt::format("tcp-stream/{}/{}", name, size.label),
        {{fmt::format("throughput_{}", size.label), "bytes_per_second", "B/s", false}},
        [path, bytes = size.bytes](benchmark::State& state) { bench_stream(state, path, bytes); })
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

void register_request_response(DataPath path, bool tcp, const std::vector<MessageSize>& sizes) {
  const std::string name(data_path_name(path));
  const char* protocol = tcp ? "tcp" : "udp";
  const CheckInfo check =
      bench_check(fmt::format("bench.{}.rr.{}", protocol, name), NsType::Net,
                  fmt::format("{} request-response round-trip time {}", tcp ? "TCP" : "UDP", data_path_title(path)),
                  needs_for(path));
  for (const MessageSize& size : sizes) {
    add(check, fmt::format("{}-rr/{}/{}", protocol, name, size.label),
        {{fmt::format("rtt_mean_{}", size.label), "time", "us", true},
         {fmt::format("rtt_p50_{}", size.label), "rtt_p50_us", "us", true},
         {fmt::format("rtt_p99_{}", size.label), "rtt_p99_us", "us", true}},
        [path, bytes = size.bytes, tcp](benchmark::State& state) { bench_request_response(state, path, bytes, tcp); })
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

void register_data_path_benchmarks(const SuiteOptions& options) {
  const std::vector<MessageSize> stream_sizes =
      options.quick ? std::vector<MessageSize>{k64KiB} : std::vector<MessageSize>{k64B, k1KiB, k64KiB};
  const std::vector<MessageSize> tcp_rr_sizes =
      options.quick ? std::vector<MessageSize>{k64B} : std::vector<MessageSize>{k64B, k1KiB, k64KiB};
  // No 64 KiB UDP: an IPv4 datagram carries at most 65,507 bytes.
  const std::vector<MessageSize> udp_rr_sizes =
      options.quick ? std::vector<MessageSize>{k64B} : std::vector<MessageSize>{k64B, k1KiB};
  for (DataPath path : {DataPath::Loopback, DataPath::Veth, DataPath::Bridge, DataPath::Bridge8})
    register_stream(path, stream_sizes);
  for (DataPath path : {DataPath::Loopback, DataPath::Veth, DataPath::Bridge}) {
    register_request_response(path, true, tcp_rr_sizes);
    register_request_response(path, false, udp_rr_sizes);
  }
}

}  // namespace nsm::bench
