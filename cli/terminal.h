// Whether to colour output: only on a terminal, never when NO_COLOR is set (no-color.org)
// or TERM is "dumb".
#pragma once

#include <cstdio>

namespace nsm::cli {

bool use_colour(std::FILE* stream);

}  // namespace nsm::cli
