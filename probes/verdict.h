// A probe's verdict: the three words of DESIGN.md.
#pragma once

#include <optional>
#include <string_view>

namespace nsm {

enum class Verdict { Supported, Unsupported, Restricted };

std::string_view verdict_name(Verdict v);  // "supported", "unsupported", "restricted"
std::optional<Verdict> verdict_from_name(std::string_view name);

}  // namespace nsm
