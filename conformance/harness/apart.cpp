#include "conformance/harness/apart.h"

#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ns_id.h"

namespace nsm::conformance {

namespace {

// The suite's own namespaces, taken once, at start: children inherit the copy, so that an
// act in a child is refused when the child is still in one of them.
const std::map<NsType, NsId>& suite_namespaces() {
  static const std::map<NsType, NsId> ids = [] {
    std::map<NsType, NsId> out;
    for (const auto& info : ns_types())
      if (auto id = ns_id_at("self", info.proc_name)) out.emplace(info.type, *id);
    return out;
  }();
  return ids;
}
[[maybe_unused]] const bool taken_at_start = (suite_namespaces(), true);

}  // namespace

void require_apart_from_suite(NsType type, std::string_view act) {
  const auto it = suite_namespaces().find(type);
  if (it == suite_namespaces().end()) return;
  const std::string_view entry = ns_info(type).proc_name;
  const auto now = ns_id_at("thread-self", entry);
  if (now && *now == it->second)
    throw KernelFault(
        fmt::format("refused to {}: this process is still in the suite's own {} namespace ({}) although it was "
                    "given a new one",
                    act, ns_name(type), ns_id_text(entry, *now)));
}

}  // namespace nsm::conformance
