// lie_probe: one namespace call, and what it really did, for nsm_lie_test. Run under
// nsm-lie or not; prints "new" when the call gave the caller (or its child) another
// namespace of the type than before, "same" when it did not, "error <errno>" when it
// failed. Exit 0 unless the probe itself could not work (then 2).
//
//   lie_probe unshare TYPE
//   lie_probe clone TYPE | clone3 TYPE         the child compares its entry with the parent's
//   lie_probe setns TYPE PATH                  setns(open(PATH), TYPE's flag)
//   lie_probe setns0 TYPE PATH                 setns(open(PATH), 0)
//   lie_probe setns-pidfd TYPE PID [OTHER]     setns(pidfd_open(PID), TYPE|OTHER): prints TYPE's
//                                              result, then OTHER's
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/ns_id.h"
#include "core/ns_types.h"

namespace {

using nsm::NsType;

std::optional<nsm::NsId> own(NsType t) { return nsm::ns_id_at("thread-self", nsm::entry_changed_by_unshare(t)); }
// What a child created by clone is in: the type's own entry.
std::optional<nsm::NsId> own_entry(NsType t) { return nsm::ns_id_at("thread-self", nsm::ns_info(t).proc_name); }

int say(bool changed) {
  std::puts(changed ? "new" : "same");
  return 0;
}
int error(int err) {
  std::printf("error %s\n", std::strerror(err));
  return 0;
}

NsType type_of(const char* name) {
  auto t = nsm::ns_type_from_name(name);
  if (!t) {
    std::fprintf(stderr, "lie_probe: unknown type %s\n", name);
    std::exit(2);
  }
  return *t;
}

int clone_and_compare(NsType t, bool three) {
  const auto before = own_entry(t);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return 2;
  const int flag = nsm::ns_info(t).clone_flag;
  long pid;
  if (three) {
    clone_args args{};
    args.flags = static_cast<unsigned long long>(flag);
    args.exit_signal = SIGCHLD;
    pid = ::syscall(SYS_clone3, &args, sizeof args);
    // The caller's struct must come back as it was given.
    if (pid > 0 && args.flags != static_cast<unsigned long long>(flag)) {
      std::puts("clone3 args changed");
      return 2;
    }
  } else {
    pid = ::syscall(SYS_clone, static_cast<long>(flag | SIGCHLD), 0L, 0L, 0L, 0L);
  }
  if (pid < 0) return error(errno);
  if (pid == 0) {
    const auto mine = own_entry(t);
    const char c = (mine && before && *mine == *before) ? 's' : 'n';
    (void)!::write(pipefd[1], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  (void)!::read(pipefd[0], &c, 1);
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return say(c == 'n');
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string op = argv[1];
  const NsType t = type_of(argv[2]);
  const int flag = nsm::ns_info(t).clone_flag;
  if (op == "unshare") {
    const auto before = own(t);
    if (::unshare(flag) != 0) return error(errno);
    const auto after = own(t);  // a new, empty pid namespace has no entry yet: new
    return say(!after || !before || *after != *before);
  }
  if (op == "clone" || op == "clone3") return clone_and_compare(t, op == "clone3");
  if ((op == "setns" || op == "setns0") && argc == 4) {
    const int fd = ::open(argv[3], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 2;
    const auto before = own(t);
    if (::setns(fd, op == "setns" ? flag : 0) != 0) return error(errno);
    const auto after = own(t);
    return say(!(after && before && *after == *before));
  }
  if (op == "setns-pidfd" && argc >= 4) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, std::atoi(argv[3]), 0));
    if (pidfd < 0) return 2;
    const std::optional<NsType> other = argc == 5 ? std::optional(type_of(argv[4])) : std::nullopt;
    const auto before = own(t);
    const auto other_before = other ? own(*other) : std::nullopt;
    const int flags = flag | (other ? nsm::ns_info(*other).clone_flag : 0);
    if (::setns(pidfd, flags) != 0) return error(errno);
    const auto after = own(t);
    say(!(after && before && *after == *before));
    if (other) {
      const auto other_after = own(*other);
      say(!(other_after && other_before && *other_after == *other_before));
    }
    return 0;
  }
  return 2;
}
