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
#include "core/ns_id.h"
#include "core/proc.h"
#include "probes/requirements.h"

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
// offsets are both kOffset - and whose offset for `clock` itself was asked for too, so that
// a kernel that learns to offset it closes the gap - bracketed by the host's readings.
void judge_clock_in_offset_namespace(clockid_t clock, const char* name) {
  const double host_mono_before = now(CLOCK_MONOTONIC);
  const double before = now(clock);
  const json inside = in_child(container(0), [clock] {
    unshare_verified(CLONE_NEWTIME);
    std::string own_offset = "ok";
    try {  // a line of its own: one refused line fails the whole write
      write_file("/proc/self/timens_offsets", fmt::format("{} {} 0\n", static_cast<int>(clock), kOffset));
    } catch (const SysError& e) {
      own_offset = errno_name(e.err());
    }
    write_file("/proc/self/timens_offsets", fmt::format("monotonic {} 0\nboottime {} 0\n", kOffset, kOffset));
    json read = in_child(0, [clock] { return json{{"clock", now(clock)}, {"monotonic", now(CLOCK_MONOTONIC)}}; });
    read["own_offset"] = own_offset;
    return read;
  });
  const double after = now(clock);
  const double inside_clock = inside["clock"].get<double>();
  if (inside["monotonic"].get<double>() < host_mono_before + kOffset)
    broken("the time namespace's monotonic offset did not apply, so the namespace cannot be judged");
  const std::string evidence = fmt::format(
      "writing an offset of {} s for {} (clock id {}) to timens_offsets gave {}; with monotonic and boottime offsets "
      "of {} s, {} inside "
      "read {:.3f}; the host read {:.3f} before and {:.3f} after",
      kOffset, name, static_cast<int>(clock), inside["own_offset"].get<std::string>(), kOffset, name, inside_clock,
      before, after);
  if (inside_clock >= before && inside_clock <= after) {
    gap_confirmed(evidence + ": the host's clock");
  } else if (inside_clock >= before + kOffset - 1 && inside_clock <= after + kOffset + 1) {
    gap_closed(evidence + ": the offset applies to it");
  } else {
    ADD_FAILURE() << name << " inside a time namespace is neither the host's nor offset: " << evidence;
  }
}

// Keeps the wall clock's distance from CLOCK_MONOTONIC - which moves only when someone sets
// the clock - and puts it back however the check ends.
class WallClockGuard {
 public:
  WallClockGuard() : offset_(wall_offset()) {}
  WallClockGuard(const WallClockGuard&) = delete;
  WallClockGuard& operator=(const WallClockGuard&) = delete;
  ~WallClockGuard() { restore(); }

  // Seconds the wall clock was set by since construction.
  double moved() const { return wall_offset() - offset_; }

  // "ok" (also when it had not moved), or the errno of clock_settime.
  std::string restore() const {
    if (std::fabs(moved()) < 0.5) return "ok";  // reading jitter, not a setting
    const double target = now(CLOCK_MONOTONIC) + offset_;
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(target);
    ts.tv_nsec = static_cast<long>((target - static_cast<double>(ts.tv_sec)) * 1e9);
    return outcome_of(::clock_settime(CLOCK_REALTIME, &ts));
  }

 private:
  static double wall_offset() { return now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC); }
  double offset_;
};

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
           .title = "a privileged container (no user namespace, even with a time namespace) that sets CLOCK_REALTIME "
                    "moves the host's clock",
           .needs = {
               .namespaces = kContainerTypes, .root = true, .guest_only = true, .capabilities = {CAP_SYS_TIME}}}) {
  constexpr long kJump = 1000;
  // A time namespace cannot offset CLOCK_REALTIME, so it changes nothing here; where the
  // kernel has one the container gets it too, to show that. Without one (before 5.6, or
  // CONFIG_TIME_NS off) the leak is the same.
  const auto no_time_ns = unmet_requirement({.namespaces = {NsType::Time}});
  WallClockGuard clock;
  const json inside = in_child(container_spec(no_time_ns ? 0 : CLONE_NEWTIME), [] {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += kJump;
    return json{{"settime", outcome_of(::clock_settime(CLOCK_REALTIME, &ts))}};
  });
  const double moved = clock.moved();
  const std::string restored = clock.restore();  // before anything else
  const std::string evidence = fmt::format(
      "clock_settime(CLOCK_REALTIME, +{} s) inside a container {}: {}; the host's wall clock moved by {:.1f} s (put "
      "back: {})",
      kJump,
      no_time_ns ? "(this kernel has no time namespaces: " + *no_time_ns + ")"
                 : std::string("with its own time namespace"),
      inside["settime"].get<std::string>(), moved, restored);
  if (restored != "ok") broken("the guest's wall clock could not be put back: " + evidence);
  if (inside["settime"] == "ok" && std::fabs(moved - kJump) < 5) {
    gap_confirmed(evidence);
  } else if (inside["settime"] == "EPERM" && std::fabs(moved) < 5) {
    gap_closed(evidence);  // refused for want of privilege over the host's clock: the positive observation
  } else if (inside["settime"] != "ok" && std::fabs(moved) < 5) {
    broken("clock_settime failed for a reason that is no verdict: " + evidence);
  } else {
    ADD_FAILURE() << "unexpected: " << evidence;
  }
}
