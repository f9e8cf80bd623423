// nsm-lie --type <t> -- CMD [ARG...]: runs CMD under a kernel that lies about one namespace
// type. The project's own fault injector, for `ctest -L mutation` (the suite tests its own
// tests: every guarantee of type t must fail under this lie).
//
// The contract, for CMD and every process it starts (all descendants are followed):
//   - clone(2), clone3(2) and unshare(2) return what the real kernel returns, but the lied
//     type's CLONE_NEW* bit is cleared from their flags first: the call "succeeds" and no
//     new namespace of that type exists (clone(2) is left alone for time: CLONE_NEWTIME
//     is clone3/unshare only, its bit is the exit signal's there) (for clone3 the bit is cleared in the caller's
//     struct clone_args and put back at syscall exit, so the caller never sees the edit).
//   - setns(2) into the lied type returns 0 and does nothing: an nsfs fd of that type, an
//     nstype of that type, or a pidfd whose flags hold only that type is skipped (the
//     system call never runs; its return value is set to 0). A pidfd whose flags hold other
//     types too loses only that bit.
//   - every other system call, type and argument is untouched; CMD's exit status is
//     passed through (a signal death becomes 128 + the signal number).
// nsm-lie --absent --type <t> -- CMD: a kernel built without type t (CONFIG_<T>_NS off) as
// far as the four calls show it, for the off-variant tests: every clone, clone3 and unshare
// asking for t, and every setns naming t (its nstype, an nsfs fd of t, a pidfd's flags),
// fails with EINVAL, as such a kernel answers; nothing else changes. mnt cannot be absent.
// /proc/PID/ns/<t> stays (only a real off-variant kernel lacks it).
// How: ptrace(2), with a seccomp filter that stops only clone, clone3, unshare and setns
// (SECCOMP_RET_TRACE), so the rest of CMD runs at full speed. PTRACE_O_EXITKILL: if the
// injector dies, CMD dies with it, so no process is ever left running without its lie.
// x86_64 only (the registers and the syscall numbers are that ABI's).
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/ns_types.h"

#ifndef __x86_64__
#error "nsm-lie knows the x86_64 system call ABI only"
#endif

namespace {

void die(const char* what) {
  std::fprintf(stderr, "nsm-lie: %s: %s\n", what, std::strerror(errno));
  std::_Exit(125);
}

// What a stopped tracee still owes us at its syscall exit.
struct Pending {
  std::optional<long> fake_result;           // a skipped call: its return value (0, -EINVAL)
  std::optional<unsigned long> clone3_args;  // where to put the flags back
  unsigned long clone3_flags = 0;            // the caller's own flags
};

struct Lie {
  int flag;               // CLONE_NEWNET
  std::string link_type;  // "net": what readlink(/proc/PID/fd/N) says for an nsfs fd
  bool absent = false;    // --absent: the calls fail with EINVAL instead of lying
  bool verbose = false;
};

void install_filter() {
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 4, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setns, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  // Root may install a filter without no_new_privs; anyone else must set it.
  if (::geteuid() != 0 && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("prctl(PR_SET_NO_NEW_PRIVS)");
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) die("seccomp(SECCOMP_SET_MODE_FILTER)");
}

std::optional<unsigned long> peek(pid_t tid, unsigned long addr) {
  errno = 0;
  const long v = ::ptrace(PTRACE_PEEKDATA, tid, addr, nullptr);
  if (errno) return std::nullopt;
  return static_cast<unsigned long>(v);
}

// "net" for an nsfs fd ("net:[4026531840]"), "pidfd" for a pidfd, "" otherwise.
std::string fd_kind(pid_t tid, long fd) {
  char path[64], link[256];
  std::snprintf(path, sizeof path, "/proc/%d/fd/%ld", tid, fd);
  const ssize_t n = ::readlink(path, link, sizeof link - 1);
  if (n <= 0) return "";
  const std::string text(link, static_cast<size_t>(n));
  if (text == "anon_inode:[pidfd]" || text.rfind("pidfd:", 0) == 0) return "pidfd";
  const auto colon = text.find(":[");
  if (colon == std::string::npos || text.find('/') != std::string::npos) return "";
  return text.substr(0, colon);
}

// The call never runs; the tracee sees `result` (skipped at entry, set at exit).
void skip_call(user_regs_struct& regs, Pending& pending, long result) {
  regs.orig_rax = static_cast<unsigned long>(-1);
  regs.rax = static_cast<unsigned long>(result);
  pending.fake_result = result;
}

// At the seccomp stop of one of the four calls: edit the arguments, or skip the call.
void on_entry(pid_t tid, const Lie& lie, Pending& pending) {
  user_regs_struct regs{};
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return;  // gone (killed meanwhile)
  const unsigned long bit = static_cast<unsigned long>(lie.flag);
  bool set = false;
  switch (regs.orig_rax) {
    case SYS_clone:
      // clone(2) cannot ask for a time namespace: 0x80 is part of its exit signal there.
      if (lie.flag == CLONE_NEWTIME) break;
      [[fallthrough]];
    case SYS_unshare:
      if (regs.rdi & bit) {
        if (lie.absent)
          skip_call(regs, pending, -EINVAL);
        else
          regs.rdi &= ~bit;
        set = true;
      }
      break;
    case SYS_clone3: {
      // struct clone_args begins with its u64 flags.
      const auto flags = peek(tid, regs.rdi);
      if (flags && (*flags & bit)) {
        if (lie.absent) {
          skip_call(regs, pending, -EINVAL);
          set = true;
        } else if (::ptrace(PTRACE_POKEDATA, tid, regs.rdi, *flags & ~bit) == 0) {
          pending.clone3_args = regs.rdi;
          pending.clone3_flags = *flags;
        }
      }
      break;
    }
    case SYS_setns: {
      const std::string kind = fd_kind(tid, static_cast<long>(regs.rdi));
      const unsigned long nstype = regs.rsi;
      if (kind == "pidfd") {
        if (!(nstype & bit)) break;
        // A kernel without the type refuses the whole set (check_setns_flags).
        if ((nstype & ~bit) != 0 && !lie.absent) {
          regs.rsi = nstype & ~bit;
          set = true;
          break;
        }
      } else if (kind != lie.link_type && nstype != bit) {
        break;
      }
      skip_call(regs, pending, lie.absent ? -EINVAL : 0);
      set = true;
      break;
    }
    default:
      break;
  }
  if (lie.verbose)
    std::fprintf(stderr, "nsm-lie: %d syscall %llu%s\n", tid, regs.orig_rax,
                 set || pending.clone3_args ? " (lied)" : "");
  if (set) ::ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
}

void on_exit(pid_t tid, Pending& pending) {
  if (pending.fake_result) {
    user_regs_struct regs{};
    if (::ptrace(PTRACE_GETREGS, tid, nullptr, &regs) == 0) {
      regs.rax = static_cast<unsigned long>(*pending.fake_result);
      ::ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
    }
  }
  if (pending.clone3_args) ::ptrace(PTRACE_POKEDATA, tid, *pending.clone3_args, pending.clone3_flags);
  pending = Pending{};
}

int usage() {
  std::fprintf(stderr,
               "usage: nsm-lie [-v] [--absent] --type cgroup|ipc|net|mnt|pid|time|user|uts -- CMD [ARG...]\n"
               "  --absent: the type's calls fail with EINVAL (a kernel built without it; not mnt)\n");
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  Lie lie{};
  int i = 1;
  std::optional<nsm::NsType> type;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-v")
      lie.verbose = true;
    else if (a == "--absent")
      lie.absent = true;
    else if (a == "--type" && i + 1 < argc)
      type = nsm::ns_type_from_name(argv[++i]);
    else
      return usage();
  }
  if (!type || i >= argc || (lie.absent && *type == nsm::NsType::Mnt)) return usage();
  lie.flag = nsm::ns_info(*type).clone_flag;
  lie.link_type = std::string(nsm::ns_info(*type).proc_name);

  const pid_t cmd = ::fork();
  if (cmd < 0) die("fork");
  if (cmd == 0) {
    // Stopped until the tracer has set its options, then filtered, then CMD.
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) die("ptrace(PTRACE_TRACEME)");
    ::raise(SIGSTOP);
    install_filter();
    ::execvp(argv[i], argv + i);
    die(argv[i]);
  }
  int status = 0;
  if (::waitpid(cmd, &status, __WALL) != cmd || !WIFSTOPPED(status)) die("waitpid(CMD's first stop)");
  const long options = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                       PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
  if (::ptrace(PTRACE_SETOPTIONS, cmd, nullptr, options) != 0) die("ptrace(PTRACE_SETOPTIONS)");
  if (::ptrace(PTRACE_CONT, cmd, nullptr, nullptr) != 0) die("ptrace(PTRACE_CONT)");

  std::map<pid_t, Pending> pending;
  std::set<pid_t> known{cmd};  // tracees whose first stop has been seen
  int cmd_status = 0;
  for (;;) {
    const pid_t tid = ::waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;  // every tracee is gone
      die("waitpid");
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      pending.erase(tid);
      known.erase(tid);
      if (tid == cmd) cmd_status = status;
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    const int sig = WSTOPSIG(status);
    const int event = status >> 16;
    int inject = 0;
    bool step_to_exit = false;
    const bool first_stop = known.insert(tid).second;
    if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
      Pending& p = pending[tid];
      on_entry(tid, lie, p);
      step_to_exit = p.fake_result.has_value() || p.clone3_args.has_value();
    } else if (sig == (SIGTRAP | 0x80)) {
      on_exit(tid, pending[tid]);
    } else if (sig == SIGTRAP && event != 0) {
      // fork/vfork/clone/exec events: a new tracee is attached by the kernel. A clone3
      // still owes its exit stop, so the parent keeps stepping to it.
      auto it = pending.find(tid);
      step_to_exit = it != pending.end() && (it->second.fake_result || it->second.clone3_args);
    } else if (sig == SIGSTOP && first_stop) {
      // a new tracee's first stop: swallowed
    } else {
      siginfo_t si{};
      // A group-stop has no siginfo: resume without a signal. Else deliver the signal.
      if (::ptrace(PTRACE_GETSIGINFO, tid, nullptr, &si) == 0) inject = sig;
    }
    ::ptrace(step_to_exit ? PTRACE_SYSCALL : PTRACE_CONT, tid, nullptr,
             reinterpret_cast<void*>(static_cast<long>(inject)));
  }
  if (WIFSIGNALED(cmd_status)) return 128 + WTERMSIG(cmd_status);
  return WEXITSTATUS(cmd_status);
}
