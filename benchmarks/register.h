// One registration function per benchmark file; main.cpp calls them in this order, which is
// the order the suite runs in and the order of bench.json's checks.
#pragma once

#include "benchmarks/registry.h"

namespace nsm::bench {

void register_create_benchmarks(const SuiteOptions& options);             // create_bench.cpp
void register_unshare_benchmarks(const SuiteOptions& options);            // unshare_bench.cpp
void register_setns_benchmarks(const SuiteOptions& options);              // setns_bench.cpp
void register_teardown_benchmarks(const SuiteOptions& options);           // teardown_bench.cpp
void register_netns_rate_benchmarks(const SuiteOptions& options);         // netns_rate_bench.cpp
void register_link_benchmarks(const SuiteOptions& options);               // link_bench.cpp
void register_container_network_benchmarks(const SuiteOptions& options);  // container_net_bench.cpp
void register_data_path_benchmarks(const SuiteOptions& options);          // data_path_bench.cpp

inline void register_all_benchmarks(const SuiteOptions& options) {
  register_create_benchmarks(options);
  register_unshare_benchmarks(options);
  register_setns_benchmarks(options);
  register_teardown_benchmarks(options);
  register_netns_rate_benchmarks(options);
  register_link_benchmarks(options);
  register_container_network_benchmarks(options);
  register_data_path_benchmarks(options);
}

}  // namespace nsm::bench
