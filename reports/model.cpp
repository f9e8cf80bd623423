#include "reports/model.h"

#include <algorithm>

#include <array>

namespace nsm::reports {

namespace {

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return table[0].second;  // unreachable: every enumerator is in its table
}

template <typename Enum, size_t N>
std::optional<Enum> from_name(const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<KernelStatus, std::string_view>, 5> kStatuses{
    {{KernelStatus::Ok, "ok"},
     {KernelStatus::BootFailed, "boot-failed"},
     {KernelStatus::Timeout, "timeout"},
     {KernelStatus::Panic, "panic"},
     {KernelStatus::InfraError, "infra-error"}}};

constexpr std::array<std::pair<Accel, std::string_view>, 3> kAccels{
    {{Accel::Native, "native"}, {Accel::Kvm, "kvm"}, {Accel::Tcg, "tcg"}}};

}  // namespace

std::string_view status_name(KernelStatus status) { return name_of(kStatuses, status); }
std::optional<KernelStatus> status_from_name(std::string_view name) { return from_name(kStatuses, name); }
std::string_view accel_name(Accel accel) { return name_of(kAccels, accel); }
std::optional<Accel> accel_from_name(std::string_view name) { return from_name(kAccels, name); }

std::string_view accel_label(Accel accel) {
  switch (accel) {
    case Accel::Native:
      return "native";
    case Accel::Kvm:
      return "KVM";
    case Accel::Tcg:
      return "TCG (emulated)";
  }
  return "native";
}

const NamespaceProbe* ProbeReport::find(NsType type) const {
  for (const auto& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

const FeatureProbe* ProbeReport::find_feature(std::string_view id) const {
  for (const auto& f : features)
    if (f.id == id) return &f;
  return nullptr;
}

const CheckResult* CheckFile::find(std::string_view id) const {
  for (const auto& c : checks)
    if (c.id == id) return &c;
  return nullptr;
}

std::optional<double> StatusInfo::duration(std::string_view name) const {
  for (const auto& [n, seconds] : durations)
    if (n == name) return seconds;
  return std::nullopt;
}

KernelStatus KernelResults::effective_status() const {
  if (!problems.empty() || !status) return KernelStatus::InfraError;
  return status->status;
}

std::string KernelResults::effective_reason() const {
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) {
      if (!text.empty()) text += "; ";
      text += p;
    }
    return text;
  }
  if (!status) return "no status.json: the run did not finish";
  return status->reason;
}

std::vector<std::string> KernelResults::infra_reasons() const {
  if (!problems.empty()) return problems;
  if (!status) return {effective_reason()};
  return {};
}

std::string KernelResults::release() const {
  if (kernel && !kernel->release.empty()) return kernel->release;
  if (probe) return probe->release;
  return "";
}

const RuntimeGap* RuntimeCase::find_gap(std::string_view id) const {
  for (const auto& g : gaps)
    if (g.id == id) return &g;
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> RuntimesReport::gap_ids() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : cases)
    for (const auto& g : c.gaps)
      if (std::none_of(out.begin(), out.end(), [&](const auto& seen) { return seen.first == g.id; }))
        out.emplace_back(g.id, g.title);
  return out;
}

std::string RunResults::run_id() const {
  if (run && !run->run_id.empty()) return run->run_id;
  const auto slash = dir.find_last_not_of('/');
  const std::string trimmed = dir.substr(0, slash == std::string::npos ? 0 : slash + 1);
  const auto last = trimmed.rfind('/');
  return last == std::string::npos ? trimmed : trimmed.substr(last + 1);
}

std::vector<std::string> RunResults::all_problems() const {
  std::vector<std::string> out = problems;
  for (const auto& k : kernels) out.insert(out.end(), k.problems.begin(), k.problems.end());
  return out;
}

}  // namespace nsm::reports
