// Time namespaces across execve and vfork (kselftest timens exec and vfork_exec): who is in
// the new namespace after unshare(CLONE_NEWTIME) - the caller keeps its clocks, its children
// get the offsets, and since 6.2 an execve moves the caller itself in - and which other
// views of boot time follow the offsets (sysinfo, /proc/uptime, /proc/stat btime).
//
// An exec'd process reports its clocks by running this binary again as
// `nsmatrix-conformance --nsm_print_clocks` (harness/main.cpp), its stdout a pipe.
// Every reading inside is bracketed by host readings before and after: no sleeps.
#include <fcntl.h>
#include <sched.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kTime = NsType::Time;
constexpr long kOffset = 86400 * 5;  // five days, both clocks: far beyond any scheduling noise

double now(clockid_t clock) {
  struct timespec ts {};
  if (::clock_gettime(clock, &ts) != 0) throw_sys("clock_gettime");
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

void unshare_with_offsets() {
  unshare_verified(CLONE_NEWTIME);
  write_file("/proc/self/timens_offsets", fmt::format("monotonic {} 0\nboottime {} 0\n", kOffset, kOffset));
}

// In a child: forks (or vforks) a process that runs `before_exec` and then execs
// `--nsm_print_clocks`; returns what it printed. A KernelFault or error in `before_exec`
// comes back through the pipe and is rethrown here.
json exec_print_clocks(bool use_vfork, const std::function<void()>& before_exec = {}) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_sys("pipe2");
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  // Everything the vfork child touches is prepared before it exists.
  const char* argv[] = {"nsmatrix-conformance", "--nsm_print_clocks", nullptr};
  const int out = write_end.get();
  const pid_t pid = use_vfork ? ::vfork() : ::fork();
  if (pid < 0) throw_sys(use_vfork ? "vfork" : "fork");
  if (pid == 0) {
    if (!use_vfork && before_exec) {
      try {
        before_exec();
      } catch (const KernelFault& e) {
        const std::string text = std::string("KF:") + e.what();
        [[maybe_unused]] auto n = ::write(out, text.data(), text.size());
        ::_exit(122);
      } catch (const std::exception& e) {
        const std::string text = std::string("ER:") + e.what();
        [[maybe_unused]] auto n = ::write(out, text.data(), text.size());
        ::_exit(121);
      }
    }
    if (::dup2(out, STDOUT_FILENO) < 0) ::_exit(126);
    ::execv("/proc/self/exe", const_cast<char* const*>(argv));
    ::_exit(127);
  }
  write_end.reset();
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_sys("read(pipe)");
    text.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw_sys("waitpid");
  if (text.starts_with("KF:")) throw KernelFault(text.substr(3));
  if (text.starts_with("ER:")) throw ToolError(text.substr(3));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw ToolError(fmt::format("the exec'd --nsm_print_clocks ended with status {:#x}, printing '{}'", status, text));
  return json::parse(text);
}

struct Bracket {
  double before, inside, after;
  long offset;
  bool holds() const { return inside >= before + offset - 1e-6 && inside <= after + offset + 1e-6; }
  std::string describe(const char* clock) const {
    return fmt::format("{}: host before {:.3f}, inside {:.3f}, host after {:.3f}, offset {}", clock, before, inside,
                       after, offset);
  }
};

const Requirements kTimeNeeds{.namespaces = {kTime}};

}  // namespace

NSM_CHECK(
    TimeNamespaceExec, UnshareThenExecEntersTheNamespace,
    {.id = "time.exec.unshare-then-exec-enters",
     .kind = CheckKind::Guarantee,
     .type = kTime,
     .title = "after unshare(CLONE_NEWTIME) and offsets, execve moves the caller itself into the new time namespace",
     .needs = {.namespaces = {kTime}, .min_kernel = "6.2"},
     .refs = {"2b5f9dad32ed (fs/exec: switch timens when a task gets a new mm, 6.2; before it vfork is EINVAL and exec "
              "keeps the old namespace)",
              "kselftest timens/exec"}}) {
  const ino_t host_ns = must_ns_inode(0, "time");
  const double before = now(CLOCK_MONOTONIC), boot_before = now(CLOCK_BOOTTIME);
  const json r = in_child(container(0), [] {
    json out;
    out["exec"] = exec_print_clocks(false, [] { unshare_with_offsets(); });
    return out;
  });
  const double after = now(CLOCK_MONOTONIC), boot_after = now(CLOCK_BOOTTIME);
  const json& exec = r["exec"];
  EXPECT_NE(exec["time_ns"], json(host_ns)) << "after execve the caller must be in its time_for_children namespace";
  const Bracket mono{before, exec["monotonic"].get<double>(), after, kOffset};
  const Bracket boot{boot_before, exec["boottime"].get<double>(), boot_after, kOffset};
  EXPECT_TRUE(mono.holds()) << mono.describe("CLOCK_MONOTONIC after execve");
  EXPECT_TRUE(boot.holds()) << boot.describe("CLOCK_BOOTTIME after execve");
}

NSM_CHECK(TimeNamespaceExec, OffsetsSurviveExecve,
          {.id = "time.exec.offsets-survive-execve",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a process of an offset time namespace that forks and execs keeps the namespace and its offsets",
           .needs = kTimeNeeds,
           .refs = {"kselftest timens/exec"}}) {
  const ino_t host_ns = must_ns_inode(0, "time");
  const double before = now(CLOCK_MONOTONIC);
  const json r = in_child(container(0), [] {
    unshare_with_offsets();
    return in_child(0, [] {
      json out;
      out["own_ns"] = must_ns_inode(0, "time");
      out["exec"] = exec_print_clocks(false);
      return out;
    });
  });
  const double after = now(CLOCK_MONOTONIC);
  ASSERT_NE(r["own_ns"], json(host_ns)) << "the process that execs must be in a new time namespace";
  EXPECT_EQ(r["exec"]["time_ns"], r["own_ns"]) << "the exec'd program must be in the same time namespace";
  const Bracket b{before, r["exec"]["monotonic"].get<double>(), after, kOffset};
  EXPECT_TRUE(b.holds()) << b.describe("CLOCK_MONOTONIC of the exec'd program");
}

NSM_CHECK(
    TimeNamespaceExec, VforkExecEntersParentStays,
    {.id = "time.exec.vfork-exec",
     .kind = CheckKind::Guarantee,
     .type = kTime,
     .title =
         "after unshare(CLONE_NEWTIME), a vfork child that execs is in the new namespace; the parent keeps its clocks",
     .needs = {.namespaces = {kTime}, .min_kernel = "6.2"},
     .refs = {"2b5f9dad32ed (fs/exec: switch timens when a task gets a new mm, 6.2; before it vfork is EINVAL and exec "
              "keeps the old namespace)",
              "kselftest timens/vfork_exec"}}) {
  const ino_t host_ns = must_ns_inode(0, "time");
  const double before = now(CLOCK_MONOTONIC);
  const json r = in_child(container(0), [] {
    unshare_with_offsets();
    json out;
    out["exec"] = exec_print_clocks(true);
    out["parent_monotonic"] = now(CLOCK_MONOTONIC);  // the vfork shared this mm until the exec
    out["parent_ns"] = must_ns_inode(0, "time");
    out["for_children"] = must_ns_inode(0, "time_for_children");
    return out;
  });
  const double after = now(CLOCK_MONOTONIC);
  EXPECT_EQ(r["exec"]["time_ns"], r["for_children"]) << "the vfork child must be in time_for_children after its exec";
  EXPECT_NE(r["exec"]["time_ns"], json(host_ns));
  EXPECT_EQ(r["parent_ns"], json(host_ns)) << "the parent must stay where it was";
  const Bracket child{before, r["exec"]["monotonic"].get<double>(), after, kOffset};
  EXPECT_TRUE(child.holds()) << child.describe("CLOCK_MONOTONIC of the vfork child after exec");
  const Bracket parent{before, r["parent_monotonic"].get<double>(), after, 0};
  EXPECT_TRUE(parent.holds()) << parent.describe("CLOCK_MONOTONIC of the parent after the vfork");
}

NSM_CHECK(
    TimeNamespaceExec, UnshareMovesOnlyChildren,
    {.id = "time.unshare.caller-keeps-clocks",
     .kind = CheckKind::Guarantee,
     .type = kTime,
     .title =
         "unshare(CLONE_NEWTIME) leaves the caller in its namespace with its clocks; only its children get the offsets",
     .needs = kTimeNeeds}) {
  const ino_t host_ns = must_ns_inode(0, "time");
  const double before = now(CLOCK_MONOTONIC);
  const json r = in_child(container(0), [] {
    unshare_with_offsets();
    json out{{"caller_monotonic", now(CLOCK_MONOTONIC)}, {"caller_ns", must_ns_inode(0, "time")}};
    out["child"] = in_child(0, [] {
      return json{{"monotonic", now(CLOCK_MONOTONIC)}, {"ns", must_ns_inode(0, "time")}};
    });
    out["caller_monotonic_after"] = now(CLOCK_MONOTONIC);
    return out;
  });
  const double after = now(CLOCK_MONOTONIC);
  EXPECT_EQ(r["caller_ns"], json(host_ns)) << "the caller must stay in its time namespace";
  EXPECT_NE(r["child"]["ns"], json(host_ns)) << "its child must be in the new one";
  const Bracket caller{before, r["caller_monotonic"].get<double>(), after, 0};
  const Bracket caller_after{before, r["caller_monotonic_after"].get<double>(), after, 0};
  const Bracket child{before, r["child"]["monotonic"].get<double>(), after, kOffset};
  EXPECT_TRUE(caller.holds()) << caller.describe("the caller, after unshare");
  EXPECT_TRUE(caller_after.holds()) << caller_after.describe("the caller, after its child ran");
  EXPECT_TRUE(child.holds()) << child.describe("the child");
}

NSM_CHECK(TimeNamespaceExec, BootTimeViewsFollowTheOffset,
          {.id = "time.offset.boottime-views-agree",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "with a boottime offset, sysinfo(2) uptime, /proc/uptime and /proc/stat btime inside all follow it",
           .needs = {.namespaces = {kTime}, .min_kernel = "5.11"},
           .refs = {"fs/proc: apply the time namespace offset to /proc/stat btime (5.11)", "LTP sysinfo04",
                    "LTP timens01"}}) {
  auto btime = [] {
    for (const auto& line : file_lines("/proc/stat"))
      if (line.starts_with("btime ")) return std::stol(line.substr(6));
    throw ToolError("/proc/stat has no btime line");
  };
  auto sysinfo_uptime = [] {
    struct sysinfo info {};
    if (::sysinfo(&info) != 0) throw_sys("sysinfo");
    return info.uptime;
  };
  const long btime_before = btime();
  const long up_before = sysinfo_uptime();
  const json r = in_child(container(0), [&] {
    unshare_with_offsets();
    return in_child(0, [&] {
      auto proc_uptime = [] {
        double seconds = 0;
        if (std::sscanf(must_read_file("/proc/uptime").c_str(), "%lf", &seconds) != 1)
          throw ToolError("/proc/uptime: unreadable");
        return seconds;
      };
      // /proc/uptime on both sides of sysinfo: the two views are compared by a bracket.
      const double before = proc_uptime();
      const long sysinfo = sysinfo_uptime();
      const double after = proc_uptime();
      return json{{"sysinfo", sysinfo}, {"proc_uptime", before}, {"proc_uptime_after", after}, {"btime", btime()}};
    });
  });
  const long up_after = sysinfo_uptime();
  const long btime_after = btime();
  const long inside_up = r["sysinfo"].get<long>();
  const long inside_btime = r["btime"].get<long>();
  const double proc_before = r["proc_uptime"].get<double>(), proc_after = r["proc_uptime_after"].get<double>();
  const std::string seen = fmt::format(
      "inside: sysinfo uptime {}, /proc/uptime {:.2f} before and {:.2f} after it, btime {}; host: uptime {}..{}, btime "
      "{}..{}; offset {}",
      inside_up, proc_before, proc_after, inside_btime, up_before, up_after, btime_before, btime_after, kOffset);
  // sysinfo rounds up to whole seconds, as the host's readings do: the bracket holds exactly.
  EXPECT_TRUE(inside_up >= up_before + kOffset && inside_up <= up_after + kOffset) << "sysinfo uptime: " << seen;
  // /proc/uptime truncates to hundredths, sysinfo rounds up to whole seconds: read between
  // two /proc/uptime reads p1 <= p2, sysinfo is within [p1, p2 + 1.01] (no tolerance beyond).
  EXPECT_TRUE(static_cast<double>(inside_up) >= proc_before && static_cast<double>(inside_up) <= proc_after + 1.01)
      << "/proc/uptime and sysinfo disagree: " << seen;
  EXPECT_TRUE(inside_btime == btime_before - kOffset || inside_btime == btime_after - kOffset)
      << "btime inside must be the host's minus the offset: " << seen;
}
