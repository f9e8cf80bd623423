// The probe as a table for people: one row per namespace type, one per feature, the reason
// under anything not supported, and every disagreement between sources.
#pragma once

#include <string>

#include "probes/probe_report.h"

namespace nsm {

// `colour`: ANSI colours (the caller decides: a terminal, and NO_COLOR unset). The verdict
// symbol (✔ ✘ ⊘) carries the meaning without colour.
std::string render_probe_table(const ProbeReport& report, bool colour);

}  // namespace nsm
