#include "core/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ns_id.h"

namespace nsm {

namespace {
// Runs fn on a fresh thread; exceptions cross back to the caller.
void on_helper_thread(const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

UniqueFd open_ns_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", path));
  return fd;
}
}  // namespace

NetNs NetNs::create() {
  UniqueFd fd;
  on_helper_thread([&] {
    unshare_verified(CLONE_NEWNET);
    fd = open_ns_file("/proc/thread-self/ns/net");
  });
  return NetNs(std::move(fd));
}

NetNs NetNs::current() { return NetNs(open_ns_file("/proc/thread-self/ns/net")); }

NetNs NetNs::of_pid(pid_t pid) { return NetNs(open_ns_file(fmt::format("/proc/{}/ns/net", pid))); }

ino_t NetNs::inode() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw_sys("fstat(netns)");
  return st.st_ino;
}

void NetNs::run_void(const std::function<void()>& fn) const {
  on_helper_thread([&] {
    setns_verified(fd_.get(), NsType::Net);
    fn();
  });
}

RouteSocket NetNs::route() const {
  return run([] { return RouteSocket::open(); });
}

UniqueFd NetNs::socket(int domain, int type, int protocol) const {
  return run([&] {
    UniqueFd s(::socket(domain, type | SOCK_CLOEXEC, protocol));
    if (!s) throw_sys(fmt::format("socket({}, {}, {})", domain, type, protocol));
    return s;
  });
}

void NetNs::loopback_up() const { route().set_up("lo"); }

}  // namespace nsm
