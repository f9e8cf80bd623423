// What every writer shows, computed once from the model: the rows of the support matrix,
// of the check tables and of the cost tables (the union over kernels, in a stable order),
// one kernel's cell in a row, counts per kernel, and the differences between two kernels.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "reports/model.h"

namespace nsm::reports {

// A row of the support matrix: the eight types of core/ns_types.h, then every other probed
// feature in the order kernels list them.
struct SupportRow {
  std::optional<NsType> type;  // set for a namespace type
  std::string feature_id;      // set for a feature ("probe.clone3")
  std::string label;           // "time", "clone3()"
  std::string first_version;   // "5.6"
  bool differs = false;        // kernels with verdicts do not all agree
};
std::vector<SupportRow> support_rows(const RunResults& run);

struct SupportCell {
  std::optional<Verdict> verdict;
  const NamespaceProbe* ns = nullptr;
  const FeatureProbe* feature = nullptr;
  std::string why_none;  // without a verdict: why there is none
};
SupportCell support_cell(const KernelResults& kernel, const SupportRow& row);

// Why a kernel has no data from `file` ("probe.json"): its status, or the file's absence.
std::string no_data_reason(const KernelResults& kernel, std::string_view file);

// A conformance check or a benchmark, across kernels.
struct CheckRow {
  std::string id;
  CheckKind kind;
  std::optional<NsType> type;
  std::string title;
  bool differs = false;           // kernels with results do not all agree
  std::vector<std::string> refs;  // the first kernel's that has the check
};
// Conformance checks (benchmarks = false) or benchmarks, grouped by namespace type in the
// table's order (checks about no single type last), each group in first-seen order.
std::vector<CheckRow> check_rows(const RunResults& run, bool benchmarks);
const CheckResult* check_cell(const KernelResults& kernel, const CheckRow& row);

struct OutcomeCounts {
  std::array<int, 6> n{};  // indexed by Outcome
  int operator[](Outcome o) const { return n[static_cast<size_t>(o)]; }
  int total() const;
};
OutcomeCounts count_outcomes(const CheckFile& checks);

// One number a benchmark reports, across kernels.
struct MetricRow {
  std::string check_id, check_title, metric, unit;
  std::optional<NsType> type;
  bool lower_is_better = true;
};
std::vector<MetricRow> metric_rows(const RunResults& run);
const Metric* metric_cell(const KernelResults& kernel, const MetricRow& row);

// The kernel each kernel's figures are compared against: the first kernel, in column order,
// that has this metric and runs under the same accelerator. Figures from different
// accelerators are never compared. nullptr for the baseline itself or when none.
const KernelResults* baseline_for(const RunResults& run, const KernelResults& kernel, const MetricRow& row);

// A row whose support verdict or outcome differs between two kernels.
struct Change {
  std::string section;  // "support", "conformance", "bench"
  std::string id, label;
  std::string before, after;  // words: "supported", "gap confirmed", ...
};
// Only rows both kernels have results for; `missing` says which kernel lacks which file.
struct Changes {
  std::vector<Change> rows;
  std::vector<std::string> missing;
};
Changes changes_between(const RunResults& run, const KernelResults& from, const KernelResults& to);

// Supported namespace types out of those probed, and the names of the others.
struct NamespaceTally {
  int supported = 0, probed = 0;
  std::vector<std::string> not_supported;  // "time (unsupported)"
};
std::optional<NamespaceTally> namespace_tally(const KernelResults& kernel);

// The runtime axis (runtimes.json): one row per runtime and profile.
// "✓" a namespace of its own, "✗" the host's, "–" unknown.
std::string_view runtime_ns_symbol(const std::optional<bool>& is_new);
// The capabilities that matter most for escaping, of those the container holds:
// "14: NET_RAW MKNOD" (count, then the listed ones it has); "none".
std::string key_capabilities(const std::vector<std::string>& effective);
// "filter, refuses 12/12 probed calls", "disabled".
std::string seccomp_text(const RuntimeCase& c);
// "✓ own (uid 0 is not the host's)", "✗ host's root", "–".
std::string userns_text(const RuntimeCase& c);
// Confirmed and closed gaps of a case.
std::pair<int, int> gap_counts(const RuntimeCase& c);

}  // namespace nsm::reports
