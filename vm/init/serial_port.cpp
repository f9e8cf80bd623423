#include "vm/init/serial_port.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm::vm::init {

void send_on_port(const std::string& port, std::string_view bytes) {
  UniqueFd fd(::open(port.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", port));
  struct termios tio {};
  if (::tcgetattr(fd.get(), &tio) != 0) throw_sys(fmt::format("tcgetattr({})", port));
  ::cfmakeraw(&tio);
  ::cfsetospeed(&tio, B115200);
  if (::tcsetattr(fd.get(), TCSANOW, &tio) != 0) throw_sys(fmt::format("tcsetattr({})", port));
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys(fmt::format("write({})", port));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  while (::tcdrain(fd.get()) != 0)
    if (errno != EINTR) throw_sys(fmt::format("tcdrain({})", port));
}

}  // namespace nsm::vm::init
