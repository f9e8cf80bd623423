#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "core/error.h"
#include "core/unique_fd.h"

namespace nsm {

std::string atomic_temp_name(const std::string& path) {
  uint64_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) throw_sys("getrandom");
  return fmt::format("{}.tmp.{:016x}", path, r);
}

void write_file_atomic(const std::string& path, std::string_view text, mode_t mode) {
  std::string tmp;
  UniqueFd fd;
  // A name already taken (by chance or by someone's plant) is never opened: take another.
  for (int attempt = 0; attempt < 8 && !fd; ++attempt) {
    tmp = atomic_temp_name(path);
    fd = UniqueFd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd && errno != EEXIST) throw_sys(fmt::format("open({}, O_CREAT|O_EXCL|O_NOFOLLOW)", tmp));
  }
  if (!fd) throw_sys(fmt::format("open({}, O_CREAT|O_EXCL|O_NOFOLLOW)", tmp));
  auto fail = [&](const std::string& what) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw SysError(what, err);
  };
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(fmt::format("write({})", tmp));
    done += static_cast<size_t>(n);
  }
  if (::close(fd.release()) != 0) fail(fmt::format("close({})", tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(fmt::format("rename({}, {})", tmp, path));
}

}  // namespace nsm
