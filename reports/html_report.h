// report.html: one self-contained page (inline CSS and SVG, no script, no network) that
// shows a run of one kernel or many: the support matrix, guarantees, gaps, costs, what
// changed between neighbouring kernels, and each kernel's details. Readable in light and
// dark, on paper, with a keyboard, and without colour vision (every state has a symbol).
#pragma once

#include <string>

#include "reports/model.h"

namespace nsm::reports {

std::string html_report(const RunResults& run);

}  // namespace nsm::reports
