// The known gaps (conformance/README.md) that can be looked at from inside any container,
// with that container's own privileges and without changing anything: what each one needs
// seen in there (observe_gaps), and the verdict against the host's own readings taken
// before and after (judge_gaps). The ids are the conformance suite's, so the report puts
// a runtime's verdict next to the suite's own container's.
//
// A gap is confirmed only by host state seen from inside (the host's last kernel log line,
// its keyring's serial, its boot id, its clock between two reads), closed only by a
// positive observation (a refusal, a value of the container's own while the host held
// still); anything else is broken. Without the host's readings (`nsmatrix inside` on its
// own) a gap that needs them is a skip that says so. The gaps that need a change to the
// host (setting the clock, loading a module, writing pid_max) or a container built a
// particular way are the conformance suite's alone.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm::runtimes {

struct InsideGap {
  std::string id;     // "kernel.gap.keyring-shared"
  std::string title;  // what the gap is, for a reader
};
// Every gap the inside view looks at, in the order it reports them.
const std::vector<InsideGap>& inside_gaps();

// In the container (or on the host, for the host's readings): {gap id: what was seen}.
nlohmann::json observe_gaps();

// [{id, title, outcome, evidence}] in inside_gaps() order. outcome is one of DESIGN.md's
// tokens: "gap-confirmed", "gap-closed", "skip", "broken". host_before / host_after are
// observe_gaps() run on the host around the container's; null without them.
nlohmann::json judge_gaps(const nlohmann::json& inside, const nlohmann::json& host_before,
                          const nlohmann::json& host_after);

}  // namespace nsm::runtimes
