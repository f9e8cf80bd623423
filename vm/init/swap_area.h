// A block device and an active swap area in the guest, as a host has: without them
// /proc/diskstats is empty and /proc/swaps holds only its header, and the conformance
// gaps that show those files are host-wide would have nothing to show.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nsm::vm::init {

// The first RAM disk of the brd driver (loaded with rd_nr=1, or built in).
inline constexpr const char* kRamDisk = "/dev/ram0";

// Writes a version-1 swap header over `device` (what mkswap(8) writes: the page-size
// signature "SWAPSPACE2", last_page, no bad pages) and turns it on with swapon(2).
// Returns {"device", "ok", "error"}; a missing device or a kernel without swap is an error
// in the record, never an exception: the checks then skip and say why.
nlohmann::json activate_swap_area(const std::string& device = kRamDisk);

}  // namespace nsm::vm::init
