#include "core/checks.h"

#include <linux/capability.h>

#include <array>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nsm {

namespace {
constexpr std::array<std::pair<CheckKind, std::string_view>, 4> kKinds{{{CheckKind::Probe, "probe"},
                                                                        {CheckKind::Guarantee, "guarantee"},
                                                                        {CheckKind::Gap, "gap"},
                                                                        {CheckKind::Bench, "bench"}}};

struct OutcomeNames {
  Outcome outcome;
  std::string_view token;
  std::string_view words;
};
constexpr std::array<OutcomeNames, 6> kOutcomes{{
    {Outcome::Pass, "pass", "pass"},
    {Outcome::Fail, "fail", "fail"},
    {Outcome::Skip, "skip", "skip"},
    {Outcome::Broken, "broken", "broken"},
    {Outcome::GapConfirmed, "gap-confirmed", "gap confirmed"},
    {Outcome::GapClosed, "gap-closed", "gap closed"},
}};

std::string capability_name(int cap) {
  static constexpr std::array<std::pair<int, std::string_view>, 8> known{{{CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
                                                                          {CAP_NET_ADMIN, "CAP_NET_ADMIN"},
                                                                          {CAP_SYS_TIME, "CAP_SYS_TIME"},
                                                                          {CAP_SYS_MODULE, "CAP_SYS_MODULE"},
                                                                          {CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE"},
                                                                          {CAP_SYSLOG, "CAP_SYSLOG"},
                                                                          {CAP_SETUID, "CAP_SETUID"},
                                                                          {CAP_SYS_PTRACE, "CAP_SYS_PTRACE"}}};
  for (auto [n, name] : known)
    if (n == cap) return std::string(name);
  return fmt::format("CAP_{}", cap);
}
}  // namespace

std::string_view check_kind_name(CheckKind kind) {
  for (auto [k, name] : kKinds)
    if (k == kind) return name;
  return "probe";
}

std::optional<CheckKind> check_kind_from_name(std::string_view name) {
  for (auto [k, n] : kKinds)
    if (n == name) return k;
  return std::nullopt;
}

std::string_view outcome_name(Outcome outcome) {
  for (const auto& o : kOutcomes)
    if (o.outcome == outcome) return o.token;
  return "broken";
}

std::string_view outcome_words(Outcome outcome) {
  for (const auto& o : kOutcomes)
    if (o.outcome == outcome) return o.words;
  return "broken";
}

std::optional<Outcome> outcome_from_name(std::string_view name) {
  for (const auto& o : kOutcomes)
    if (o.token == name) return o.outcome;
  return std::nullopt;
}

nlohmann::json to_json(const Requirements& needs) {
  nlohmann::json j = nlohmann::json::object();
  if (!needs.namespaces.empty()) {
    auto& list = j["namespaces"] = nlohmann::json::array();
    for (NsType t : needs.namespaces) list.push_back(std::string(ns_name(t)));
  }
  if (!needs.kconfig.empty()) j["kconfig"] = needs.kconfig;
  if (needs.min_kernel) j["min_kernel"] = *needs.min_kernel;
  if (needs.root) j["root"] = true;
  if (needs.rootless) j["rootless"] = true;
  if (needs.guest_only) j["guest_only"] = true;
  if (!needs.capabilities.empty()) {
    auto& list = j["capabilities"] = nlohmann::json::array();
    for (int cap : needs.capabilities) list.push_back(capability_name(cap));
  }
  if (!needs.link_kinds.empty()) j["link_kinds"] = needs.link_kinds;
  if (!needs.features.empty()) j["features"] = needs.features;
  return j;
}

nlohmann::json to_json(const CheckInfo& check) {
  nlohmann::json j = {
      {"id", check.id},
      {"kind", std::string(check_kind_name(check.kind))},
      {"type", check.type ? nlohmann::json(std::string(ns_name(*check.type))) : nlohmann::json(nullptr)},
      {"title", check.title},
      {"requirements", to_json(check.needs)},
  };
  if (!check.refs.empty()) j["refs"] = check.refs;
  return j;
}

}  // namespace nsm
