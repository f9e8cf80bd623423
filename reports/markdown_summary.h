// summary.md: a short Markdown summary for a CI job summary or a pull-request comment.
// One table row per kernel, then what needs a look (failures, broken tests, closed gaps,
// unusable files), at most kMaxAttention lines of it.
#pragma once

#include <string>

#include "reports/model.h"

namespace nsm::reports {

inline constexpr size_t kMaxAttention = 15;

std::string markdown_summary(const RunResults& run);

}  // namespace nsm::reports
