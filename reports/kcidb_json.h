// kcidb.json: KernelCI's KCIDB I/O format, schema version 5.0 (kcidb-io's v05_00), so a
// run can be submitted to a KCIDB database as-is.
//
//   checkouts: one per kernel (where its source came from: package, file or build)
//   builds:    one per kernel (release, architecture, accelerator under misc)
//   tests:     per kernel: "nsmatrix.boot" for a VM kernel; every probe ("nsmatrix.probe.ns.time",
//              DONE with the verdict: a probe reports, it does not judge); every conformance
//              check ("nsmatrix.net.veth.pair-connects"); every benchmark metric
//              ("nsmatrix.bench.create.net.time", DONE with its number and unit);
//              "nsmatrix.results" MISS for each unusable file.
//
// Ids are "nsmatrix:<run-id>/<kernel-id>[/<check-id>[/<metric>]]"; origin "nsmatrix".
// Outcomes: pass PASS, fail FAIL, broken ERROR, skip SKIP, gap confirmed and gap closed PASS
// (misc.outcome says which). Boot: ok PASS, boot-failed and panic FAIL, timeout ERROR,
// infra-error MISS.
#pragma once

#include <nlohmann/json.hpp>

#include "reports/model.h"

namespace nsm::reports {

inline constexpr std::string_view kKcidbOrigin = "nsmatrix";
// KCIDB's log_excerpt limit.
inline constexpr size_t kKcidbExcerptMax = 16384;

nlohmann::json kcidb_json(const RunResults& run);

}  // namespace nsm::reports
