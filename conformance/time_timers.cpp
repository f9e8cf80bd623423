// Absolute timers in a time namespace: a deadline on CLOCK_MONOTONIC or CLOCK_BOOTTIME is
// given in the namespace's time, and the kernel translates it to the host's (timerfd,
// clock_nanosleep, POSIX timers, futex waits; time_namespaces(7)).
//
// No sleeps: with offsets of five days, a deadline one millisecond in the namespace's past
// must expire at once (untranslated, it would be five days ahead of the host), and a
// deadline an hour in the namespace's future must report about an hour left (untranslated:
// five days and an hour). Each wait that could hang on a kernel that does not translate is
// bounded by an alarm, so such a kernel fails the check in two seconds.
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kTime = NsType::Time;
constexpr long kOffset = 86400 * 5;
constexpr int kPromptMs = 2000;   // how long "at once" may take on a slow emulated guest
constexpr double kFuture = 3600;  // a deadline an hour ahead, in the namespace's time

struct timespec ts_now(clockid_t clock) {
  struct timespec ts {};
  if (::clock_gettime(clock, &ts) != 0) throw_sys("clock_gettime");
  return ts;
}

double seconds(const struct timespec& ts) { return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9; }

struct timespec plus(struct timespec ts, double delta) {
  const int64_t ns = ts.tv_sec * 1000000000LL + ts.tv_nsec + static_cast<int64_t>(delta * 1e9);
  return {static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)};
}

// Runs `reader` in a grandchild inside a new time namespace with both offsets.
json in_offset_namespace(const std::function<json()>& reader) {
  const ino_t host_ns = must_ns_inode(0, "time");
  return in_child(container(0), [&] {
    unshare_verified(CLONE_NEWTIME);
    write_file("/proc/self/timens_offsets", fmt::format("monotonic {} 0\nboottime {} 0\n", kOffset, kOffset));
    return in_child(0, [&] {
      json out = reader();
      out["in_new_namespace"] = must_ns_inode(0, "time") != host_ns;
      return out;
    });
  });
}

// An alarm that interrupts a blocking call (no SA_RESTART): EINTR instead of a hang.
void arm_interrupting_alarm(int ms) {
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  ::sigaction(SIGALRM, &sa, nullptr);
  struct itimerval it {};
  it.it_value.tv_sec = ms / 1000;
  it.it_value.tv_usec = (ms % 1000) * 1000;
  ::setitimer(ITIMER_REAL, &it, nullptr);
}
void disarm_alarm() {
  struct itimerval it {};
  ::setitimer(ITIMER_REAL, &it, nullptr);
}

// timerfd on `clock`: a deadline just past expires at once, one an hour ahead has an hour left.
json timerfd_report(clockid_t clock) {
  json out;
  UniqueFd past(::timerfd_create(clock, TFD_CLOEXEC));
  if (!past) return json{{"create", errno_name(errno)}};
  struct itimerspec its {};
  its.it_value = plus(ts_now(clock), -0.001);
  if (::timerfd_settime(past.get(), TFD_TIMER_ABSTIME, &its, nullptr) != 0) throw_sys("timerfd_settime(past)");
  struct pollfd p {
    past.get(), POLLIN, 0
  };
  out["past_fired"] = ::poll(&p, 1, kPromptMs) == 1;
  UniqueFd future(::timerfd_create(clock, TFD_CLOEXEC));
  if (!future) throw_sys("timerfd_create");
  its.it_value = plus(ts_now(clock), kFuture);
  if (::timerfd_settime(future.get(), TFD_TIMER_ABSTIME, &its, nullptr) != 0) throw_sys("timerfd_settime(future)");
  struct itimerspec left {};
  if (::timerfd_gettime(future.get(), &left) != 0) throw_sys("timerfd_gettime");
  out["future_left"] = seconds(left.it_value);
  out["create"] = "ok";
  return out;
}

// Expired at once, and about an hour left (a little less: time passed since it was set).
bool future_left_ok(const json& r) {
  const double left = r["future_left"].get<double>();
  return left > kFuture - 60 && left <= kFuture;
}

const Requirements kTimeNeeds{.namespaces = {kTime}};

}  // namespace

NSM_CHECK(TimeNamespaceTimers, TimerfdAbsoluteDeadlinesAreTranslated,
          {.id = "time.timer.timerfd-abstime",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "timerfd_settime(TFD_TIMER_ABSTIME) on CLOCK_MONOTONIC and CLOCK_BOOTTIME takes deadlines in the "
                    "namespace's time",
           .needs = kTimeNeeds,
           .refs = {"kselftest timens/timerfd"}}) {
  const json r = in_offset_namespace([] {
    return json{{"monotonic", timerfd_report(CLOCK_MONOTONIC)}, {"boottime", timerfd_report(CLOCK_BOOTTIME)}};
  });
  ASSERT_EQ(r["in_new_namespace"], true);
  for (const char* clock : {"monotonic", "boottime"}) {
    const json& c = r[clock];
    ASSERT_EQ(c["create"], "ok") << clock;
    EXPECT_EQ(c["past_fired"], true) << clock << ": a deadline 1 ms in the namespace's past must expire at once ("
                                     << kPromptMs << " ms allowed); untranslated it lies " << kOffset << " s ahead";
    EXPECT_TRUE(future_left_ok(c)) << clock << ": a deadline an hour ahead reports " << c["future_left"] << " s left";
  }
}

NSM_CHECK(TimeNamespaceTimers, ClockNanosleepAbsoluteIsTranslated,
          {.id = "time.timer.clock-nanosleep-abstime",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "clock_nanosleep(TIMER_ABSTIME) to a deadline just past in the namespace's time returns at once",
           .needs = kTimeNeeds,
           .refs = {"kselftest timens/clock_nanosleep"}}) {
  const json r = in_offset_namespace([] {
    json out;
    for (const auto& [name, clock] : {std::pair{"monotonic", CLOCK_MONOTONIC}, std::pair{"boottime", CLOCK_BOOTTIME}}) {
      const struct timespec deadline = plus(ts_now(clock), -0.001);
      const struct timespec start = ts_now(CLOCK_MONOTONIC);
      arm_interrupting_alarm(kPromptMs);
      const int rc = ::clock_nanosleep(clock, TIMER_ABSTIME, &deadline, nullptr);  // returns the error
      disarm_alarm();
      out[name] = {{"result", rc == 0 ? "ok" : errno_name(rc)},
                   {"took", seconds(ts_now(CLOCK_MONOTONIC)) - seconds(start)}};
    }
    return out;
  });
  ASSERT_EQ(r["in_new_namespace"], true);
  for (const char* clock : {"monotonic", "boottime"}) {
    EXPECT_EQ(r[clock]["result"], "ok")
        << clock << ": EINTR means the alarm cut a sleep towards an untranslated deadline, after " << r[clock]["took"]
        << " s";
  }
}

NSM_CHECK(TimeNamespaceTimers, PosixTimerAbsoluteIsTranslated,
          {.id = "time.timer.posix-timer-abstime",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "timer_settime(TIMER_ABSTIME) on CLOCK_MONOTONIC takes deadlines in the namespace's time",
           .needs = kTimeNeeds}) {
  const json r = in_offset_namespace([] {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &usr1, nullptr);
    struct sigevent ev {};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    timer_t past, future;
    if (::timer_create(CLOCK_MONOTONIC, &ev, &past) != 0) throw_sys("timer_create");
    ev.sigev_notify = SIGEV_NONE;
    if (::timer_create(CLOCK_MONOTONIC, &ev, &future) != 0) throw_sys("timer_create");
    struct itimerspec its {};
    its.it_value = plus(ts_now(CLOCK_MONOTONIC), -0.001);
    if (::timer_settime(past, TIMER_ABSTIME, &its, nullptr) != 0) throw_sys("timer_settime(past)");
    struct timespec wait {
      kPromptMs / 1000, 0
    };
    const int sig = ::sigtimedwait(&usr1, nullptr, &wait);
    its.it_value = plus(ts_now(CLOCK_MONOTONIC), kFuture);
    if (::timer_settime(future, TIMER_ABSTIME, &its, nullptr) != 0) throw_sys("timer_settime(future)");
    struct itimerspec left {};
    if (::timer_gettime(future, &left) != 0) throw_sys("timer_gettime");
    ::timer_delete(past);
    ::timer_delete(future);
    return json{{"past_fired", sig == SIGUSR1}, {"future_left", seconds(left.it_value)}};
  });
  ASSERT_EQ(r["in_new_namespace"], true);
  EXPECT_EQ(r["past_fired"], true) << "a deadline 1 ms in the namespace's past must signal at once";
  EXPECT_TRUE(future_left_ok(r)) << "a deadline an hour ahead reports " << r["future_left"] << " s left";
}

NSM_CHECK(TimeNamespaceTimers, FutexAbsoluteTimeoutIsTranslated,
          {.id = "time.timer.futex-abstime",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC timeout just past in the namespace's time "
                    "times out at once",
           .needs = kTimeNeeds,
           .refs = {"futex: Adjust absolute futex timeouts with per time namespace offset (5.6)"}}) {
  const json r = in_offset_namespace([] {
    uint32_t word = 0;
    const struct timespec deadline = plus(ts_now(CLOCK_MONOTONIC), -0.001);
    arm_interrupting_alarm(kPromptMs);
    const long rc = ::syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &deadline, nullptr,
                              FUTEX_BITSET_MATCH_ANY);
    const int err = errno;
    disarm_alarm();
    return json{{"result", rc == 0 ? "ok" : errno_name(err)}};
  });
  ASSERT_EQ(r["in_new_namespace"], true);
  EXPECT_EQ(r["result"], "ETIMEDOUT") << "EINTR means the alarm cut a wait towards an untranslated deadline";
}

NSM_CHECK(TimeNamespaceTimers, BoottimeAlarmIsTranslated,
          {.id = "time.timer.boottime-alarm",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_BOOTTIME_ALARM timerfd takes absolute deadlines in the namespace's time",
           // CAP_WAKE_ALARM of the initial user namespace: a privileged container.
           .needs = {.namespaces = {kTime}, .root = true}}) {
  if (::access("/sys/class/rtc", F_OK) != 0 || list_directory("/sys/class/rtc").empty())
    skip_check(
        "this machine has no real-time clock (/sys/class/rtc is empty or missing): CLOCK_BOOTTIME_ALARM timers need "
        "one");
  const json r = in_offset_namespace([] { return json{{"alarm", timerfd_report(CLOCK_BOOTTIME_ALARM)}}; });
  ASSERT_EQ(r["in_new_namespace"], true);
  const json& c = r["alarm"];
  ASSERT_EQ(c["create"], "ok") << "timerfd_create(CLOCK_BOOTTIME_ALARM)";
  EXPECT_EQ(c["past_fired"], true) << "a deadline 1 ms in the namespace's past must expire at once";
  EXPECT_TRUE(future_left_ok(c)) << "a deadline an hour ahead reports " << c["future_left"] << " s left";
}
