// A probe's verdict: the four words of DESIGN.md. Faulty is a kernel fault: the call said
// yes and the namespace identities prove it did not (no new namespace, or setns did not move).
#pragma once

#include <optional>
#include <string_view>

namespace nsm {

enum class Verdict { Supported, Unsupported, Restricted, Faulty };

std::string_view verdict_name(Verdict v);  // "supported", "unsupported", "restricted", "faulty"
std::optional<Verdict> verdict_from_name(std::string_view name);

}  // namespace nsm
