// What the test process may do: tests that need root skip without it.
#pragma once

#include <unistd.h>

namespace nsm::test {

inline bool is_root() { return ::geteuid() == 0; }

}  // namespace nsm::test
