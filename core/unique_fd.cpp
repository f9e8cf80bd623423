#include "core/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/error.h"

namespace nsm {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_sys("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace nsm
