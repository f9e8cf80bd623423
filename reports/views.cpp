#include "reports/views.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/results.h"
#include "reports/symbols.h"

namespace nsm::reports {

namespace {

const CheckFile* file_for(const KernelResults& k, bool benchmarks) {
  if (benchmarks) return k.bench ? &*k.bench : nullptr;
  return k.conformance ? &*k.conformance : nullptr;
}

size_t type_order(const std::optional<NsType>& type) {
  if (!type) return ns_types().size();
  for (size_t i = 0; i < ns_types().size(); ++i)
    if (ns_types()[i].type == *type) return i;
  return ns_types().size();
}

}  // namespace

std::string no_data_reason(const KernelResults& k, std::string_view file) {
  const KernelStatus status = k.effective_status();
  if (status != KernelStatus::Ok) {
    std::string why = fmt::format("{}", status_name(status));
    const std::string reason = k.effective_reason();
    if (!reason.empty()) why += ": " + reason;
    return why;
  }
  return fmt::format("no {}", file);
}

std::vector<SupportRow> support_rows(const RunResults& run) {
  std::vector<SupportRow> rows;
  for (const auto& info : ns_types())
    rows.push_back({info.type, "", std::string(info.name), std::string(info.first_version), false});
  std::set<std::string> seen;
  for (const auto& k : run.kernels) {
    if (!k.probe) continue;
    for (const auto& f : k.probe->features)
      if (seen.insert(f.id).second)
        rows.push_back({std::nullopt, f.id, f.title.empty() ? f.id : f.title, f.first_version, false});
  }
  for (auto& row : rows) {
    std::set<Verdict> verdicts;
    for (const auto& k : run.kernels)
      if (auto cell = support_cell(k, row); cell.verdict) verdicts.insert(*cell.verdict);
    row.differs = verdicts.size() > 1;
  }
  return rows;
}

SupportCell support_cell(const KernelResults& k, const SupportRow& row) {
  SupportCell cell;
  if (!k.probe) {
    cell.why_none = no_data_reason(k, result_files::kProbe);
    return cell;
  }
  if (row.type) {
    cell.ns = k.probe->find(*row.type);
    if (cell.ns)
      cell.verdict = cell.ns->verdict;
    else
      cell.why_none = fmt::format("not in {}", result_files::kProbe);
  } else {
    cell.feature = k.probe->find_feature(row.feature_id);
    if (cell.feature)
      cell.verdict = cell.feature->verdict;
    else
      cell.why_none = "not probed by this kernel's nsmatrix";
  }
  return cell;
}

std::vector<CheckRow> check_rows(const RunResults& run, bool benchmarks) {
  std::vector<CheckRow> rows;
  std::map<std::string, size_t> index;
  for (const auto& k : run.kernels) {
    const CheckFile* file = file_for(k, benchmarks);
    if (!file) continue;
    for (const auto& c : file->checks) {
      if (index.count(c.id)) continue;
      index[c.id] = rows.size();
      rows.push_back({c.id, c.kind, c.type, c.title, false, c.refs});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const CheckRow& a, const CheckRow& b) { return type_order(a.type) < type_order(b.type); });
  for (auto& row : rows) {
    std::set<Outcome> outcomes;
    for (const auto& k : run.kernels)
      if (const auto* c = check_cell(k, row)) outcomes.insert(c->outcome);
    row.differs = outcomes.size() > 1;
  }
  return rows;
}

const CheckResult* check_cell(const KernelResults& k, const CheckRow& row) {
  const CheckFile* file = file_for(k, row.kind == CheckKind::Bench);
  return file ? file->find(row.id) : nullptr;
}

int OutcomeCounts::total() const {
  int sum = 0;
  for (int x : n) sum += x;
  return sum;
}

OutcomeCounts count_outcomes(const CheckFile& checks) {
  OutcomeCounts counts;
  for (const auto& c : checks.checks) ++counts.n[static_cast<size_t>(c.outcome)];
  return counts;
}

std::vector<MetricRow> metric_rows(const RunResults& run) {
  std::vector<MetricRow> rows;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const auto& check : check_rows(run, true)) {
    for (const auto& k : run.kernels) {
      const CheckResult* c = check_cell(k, check);
      if (!c) continue;
      for (const auto& m : c->metrics)
        if (seen.insert({c->id, m.name, m.unit}).second)
          rows.push_back({c->id, c->title, m.name, m.unit, c->type, m.lower_is_better});
    }
  }
  return rows;
}

const Metric* metric_cell(const KernelResults& k, const MetricRow& row) {
  if (!k.bench) return nullptr;
  const CheckResult* c = k.bench->find(row.check_id);
  if (!c) return nullptr;
  for (const auto& m : c->metrics)
    if (m.name == row.metric && m.unit == row.unit) return &m;
  return nullptr;
}

const KernelResults* baseline_for(const RunResults& run, const KernelResults& kernel, const MetricRow& row) {
  for (const auto& k : run.kernels) {
    if (!metric_cell(k, row) || k.accel() != kernel.accel()) continue;
    return &k == &kernel ? nullptr : &k;
  }
  return nullptr;
}

Changes changes_between(const RunResults& run, const KernelResults& from, const KernelResults& to) {
  Changes out;
  for (const KernelResults* k : {&from, &to}) {
    if (!k->probe)
      out.missing.push_back(fmt::format("{}: {}", k->id, no_data_reason(*k, result_files::kProbe)));
    else if (!k->conformance)
      out.missing.push_back(fmt::format("{}: {}", k->id, no_data_reason(*k, result_files::kConformance)));
  }
  for (const auto& row : support_rows(run)) {
    const auto a = support_cell(from, row), b = support_cell(to, row);
    if (a.verdict && b.verdict && *a.verdict != *b.verdict)
      out.rows.push_back({"support", row.type ? std::string(ns_name(*row.type)) : row.feature_id, row.label,
                          std::string(verdict_name(*a.verdict)), std::string(verdict_name(*b.verdict))});
  }
  for (bool benchmarks : {false, true}) {
    for (const auto& row : check_rows(run, benchmarks)) {
      const auto* a = check_cell(from, row);
      const auto* b = check_cell(to, row);
      if (a && b && a->outcome != b->outcome)
        out.rows.push_back({benchmarks ? "bench" : "conformance", row.id, row.title,
                            std::string(outcome_words(a->outcome)), std::string(outcome_words(b->outcome))});
    }
  }
  return out;
}

std::optional<NamespaceTally> namespace_tally(const KernelResults& k) {
  if (!k.probe) return std::nullopt;
  NamespaceTally t;
  for (const auto& info : ns_types()) {
    const auto* ns = k.probe->find(info.type);
    if (!ns) continue;
    ++t.probed;
    if (ns->verdict == Verdict::Supported)
      ++t.supported;
    else
      t.not_supported.push_back(fmt::format("{} ({})", info.name, verdict_name(ns->verdict)));
  }
  return t;
}

std::string_view runtime_ns_symbol(const std::optional<bool>& is_new) {
  if (!is_new) return kNoDataSymbol;
  return *is_new ? "\u2713" : "\u2717";
}

std::string key_capabilities(const std::vector<std::string>& effective) {
  // What an escape or a host change needs (mount, modules, raw devices, other processes).
  static const char* const kKey[] = {
      "CAP_SYS_ADMIN",       "CAP_SYS_MODULE", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_NET_ADMIN", "CAP_SYSLOG",
      "CAP_DAC_READ_SEARCH", "CAP_SYS_TIME",   "CAP_BPF",        "CAP_NET_RAW",   "CAP_MKNOD"};
  if (effective.empty()) return "none";
  std::string out = std::to_string(effective.size());
  std::string listed;
  for (const char* key : kKey)
    if (std::find(effective.begin(), effective.end(), key) != effective.end())
      listed += fmt::format(" {}", std::string_view(key).substr(4));
  return listed.empty() ? out : out + ":" + listed;
}

std::string seccomp_text(const RuntimeCase& c) {
  if (c.seccomp.empty()) return std::string(kNoDataSymbol);
  if (c.seccomp_refused.empty()) return c.seccomp;
  return fmt::format("{}, refuses {}", c.seccomp, c.seccomp_refused.size());
}

std::string userns_text(const RuntimeCase& c) {
  std::optional<bool> own;
  for (const auto& [type, is_new] : c.namespaces)
    if (type == NsType::User) own = is_new;
  if (!own) return std::string(kNoDataSymbol);
  if (*own && c.uid_identity == false) return "\u2713 own (uid 0 is not the host's)";
  if (*own) return "\u2713 own";
  return "\u2717 host's";
}

std::pair<int, int> gap_counts(const RuntimeCase& c) {
  int confirmed = 0, closed = 0;
  for (const auto& g : c.gaps) {
    confirmed += g.outcome == Outcome::GapConfirmed;
    closed += g.outcome == Outcome::GapClosed;
  }
  return {confirmed, closed};
}

}  // namespace nsm::reports
