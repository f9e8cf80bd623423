// The vocabulary of checks: every probe, guarantee, gap and benchmark has an id, a kind,
// the namespace type it is about, a one-line title and its requirements. The report's rows
// are the ids; its words are the titles. Outcomes are DESIGN.md's, never mixed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/ns_types.h"

namespace nsm {

enum class CheckKind { Probe, Guarantee, Gap, Bench };
std::string_view check_kind_name(CheckKind kind);  // "probe", "guarantee", "gap", "bench"
std::optional<CheckKind> check_kind_from_name(std::string_view name);

enum class Outcome { Pass, Fail, Skip, Broken, GapConfirmed, GapClosed };
// The JSON tokens: "pass", "fail", "skip", "broken", "gap-confirmed", "gap-closed".
std::string_view outcome_name(Outcome outcome);
// For people: "pass", ..., "gap confirmed", "gap closed".
std::string_view outcome_words(Outcome outcome);
std::optional<Outcome> outcome_from_name(std::string_view name);

// What a check needs before its body may run, as data (LTP's struct tst_test). An unmet need
// is a skip with a reason, decided before the body runs (see probes/requirements.h).
struct Requirements {
  std::vector<NsType> namespaces;         // each must be supported by the running kernel
  std::vector<std::string> kconfig;       // each must be y or m (when a config is known)
  std::optional<std::string> min_kernel;  // "6.14"
  bool root = false;                      // euid 0 with CAP_SYS_ADMIN
  bool rootless = false;                  // an unprivileged user creating a user namespace
  bool guest_only = false;                // only inside a QEMU guest (nsmatrix.guest=1)
  std::vector<int> capabilities;          // CAP_* numbers, effective
  std::vector<std::string> link_kinds;    // "veth", "bridge", "macvlan", "vxlan", "netkit"
  // Feature probes (probes/feature_probe.h) that must say supported: "probe.pidfd-setns".
  std::vector<std::string> features;
};

struct CheckInfo {
  std::string id;  // "net.veth.pair-connects"
  CheckKind kind;
  std::optional<NsType> type;  // nullopt for checks about no single type
  std::string title;           // "a veth pair joins two namespaces both ways"
  Requirements needs;
  // Why the check exists, for a reader: "CVE-2022-0492", "fix: 24f600856418 (cgroup-v1:
  // Require capabilities to set release_agent)", "LTP pidns05". Empty for most checks.
  std::vector<std::string> refs;
};

nlohmann::json to_json(const Requirements& needs);
nlohmann::json to_json(const CheckInfo& check);

}  // namespace nsm
