#include "vm/init/swap_area.h"

#include <fcntl.h>
#include <sys/swap.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm::vm::init {

namespace {

// The start of the kernel's union swap_header (include/linux/swap.h): 1 KiB of boot
// sector room, then the version-1 fields; the signature ends the first page.
constexpr size_t kInfoOffset = 1024;
struct SwapInfo {
  uint32_t version;
  uint32_t last_page;
  uint32_t nr_badpages;
};

void write_swap_header(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", device));
  const off_t bytes = ::lseek(fd.get(), 0, SEEK_END);
  if (bytes < 0) throw_sys(fmt::format("lseek({})", device));
  const long page = ::sysconf(_SC_PAGESIZE);
  if (bytes / page < 10)
    throw ToolError(fmt::format("{} holds only {} bytes: too small for a swap area", device, bytes));
  std::vector<char> header(static_cast<size_t>(page), 0);
  const SwapInfo info{1, static_cast<uint32_t>(bytes / page - 1), 0};
  std::memcpy(header.data() + kInfoOffset, &info, sizeof info);
  std::memcpy(header.data() + page - 10, "SWAPSPACE2", 10);
  if (::pwrite(fd.get(), header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()))
    throw_sys(fmt::format("pwrite({}, swap header)", device));
  if (::fsync(fd.get()) != 0) throw_sys(fmt::format("fsync({})", device));
}

}  // namespace

nlohmann::json activate_swap_area(const std::string& device) {
  try {
    write_swap_header(device);
    if (::swapon(device.c_str(), 0) != 0) throw_sys(fmt::format("swapon({})", device));
    return {{"device", device}, {"ok", true}, {"error", nullptr}};
  } catch (const std::exception& e) {
    return {{"device", device}, {"ok", false}, {"error", e.what()}};
  }
}

}  // namespace nsm::vm::init
