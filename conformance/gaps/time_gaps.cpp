// Known gaps of time: a time namespace offsets only the monotonic and boot clocks.
// CLOCK_REALTIME and CLOCK_TAI stay the host's, and a privileged container (no user
// namespace) that sets CLOCK_REALTIME sets it for everyone.
#include <sched.h>
#include <time.h>

#include <cmath>

#include <fmt/format.h>
#include <linux/capability.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "core/error.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr long kOffset = 86400 * 3;

double now(clockid_t clock) {
  struct timespec ts {};
  if (::clock_gettime(clock, &ts) != 0) throw_sys("clock_gettime");
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// `clock` read by the first process of a time namespace whose monotonic and boottime
// offsets are both kOffset, bracketed by the host's readings, and checked.
void judge_clock_in_offset_namespace(clockid_t clock, const char* name) {
  const double host_mono_before = now(CLOCK_MONOTONIC);
  const double before = now(clock);
  const json inside = in_child(container(0), [clock] {
    if (::unshare(CLONE_NEWTIME) != 0) throw_sys("unshare(CLONE_NEWTIME)");
    write_file("/proc/self/timens_offsets", fmt::format("monotonic {} 0\nboottime {} 0\n", kOffset, kOffset));
    return in_child(0, [clock] { return json{{"clock", now(clock)}, {"monotonic", now(CLOCK_MONOTONIC)}}; });
  });
  const double after = now(clock);
  const double inside_clock = inside["clock"].get<double>();
  if (inside["monotonic"].get<double>() < host_mono_before + kOffset)
    broken("the time namespace's monotonic offset did not apply, so the namespace cannot be judged");
  const std::string evidence = fmt::format("with monotonic and boottime offsets of {} s, {} inside read {:.3f}; the host read {:.3f} before and {:.3f} after",
                                           kOffset, name, inside_clock, before, after);
  if (inside_clock >= before && inside_clock <= after) {
    gap_confirmed(evidence + ": the host's clock");
  } else if (inside_clock >= before + kOffset - 1 && inside_clock <= after + kOffset + 1) {
    gap_closed(evidence + ": the offset applies to it");
  } else {
    ADD_FAILURE() << name << " inside a time namespace is neither the host's nor offset: " << evidence;
  }
}

}  // namespace

NSM_CHECK(TimeGap, RealtimeIsNotOffset,
          {.id = "time.gap.realtime-shared",
           .kind = CheckKind::Gap,
           .type = NsType::Time,
           .title = "CLOCK_REALTIME is not offset by a time namespace: containers share the host's wall clock",
           .needs = {.namespaces = {NsType::Time}}}) {
  judge_clock_in_offset_namespace(CLOCK_REALTIME, "CLOCK_REALTIME");
}

NSM_CHECK(TimeGap, TaiIsNotOffset,
          {.id = "time.gap.tai-shared",
           .kind = CheckKind::Gap,
           .type = NsType::Time,
           .title = "CLOCK_TAI is not offset by a time namespace either",
           .needs = {.namespaces = {NsType::Time}}}) {
  judge_clock_in_offset_namespace(CLOCK_TAI, "CLOCK_TAI");
}

NSM_CHECK(TimeGap, PrivilegedContainerSetsHostClock,
          {.id = "time.gap.privileged-sets-host-clock",
           .kind = CheckKind::Gap,
           .type = NsType::Time,
           .title = "a privileged container (no user namespace) that sets CLOCK_REALTIME moves the host's clock",
           .needs = {.namespaces = {NsType::Time, NsType::Mnt, NsType::Pid, NsType::Net, NsType::Uts, NsType::Ipc},
                     .root = true,
                     .guest_only = true,
                     .capabilities = {CAP_SYS_TIME}}}) {
  constexpr long kJump = 1000;
  // The wall clock's distance from the monotonic clock moves only when someone sets it.
  auto wall_offset = [] { return now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC); };
  const double before = wall_offset();
  const json inside = in_child(container_spec(CLONE_NEWTIME), [] {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += kJump;
    return json{{"settime", outcome_of(::clock_settime(CLOCK_REALTIME, &ts))}};
  });
  const double after = wall_offset();
  const double moved = after - before;
  if (std::fabs(moved) > kJump / 2) {
    // Put the guest's clock back before anything else.
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec -= static_cast<time_t>(std::lround(moved));
    ::clock_settime(CLOCK_REALTIME, &ts);
  }
  const std::string evidence = fmt::format("clock_settime(CLOCK_REALTIME, +{} s) inside: {}; the host's wall clock moved by {:.1f} s",
                                           kJump, inside["settime"].get<std::string>(), moved);
  if (inside["settime"] == "ok" && std::fabs(moved - kJump) < 5) {
    gap_confirmed(evidence);
  } else if (inside["settime"] != "ok" && std::fabs(moved) < 5) {
    gap_closed(evidence);
  } else {
    ADD_FAILURE() << "unexpected: " << evidence;
  }
}
