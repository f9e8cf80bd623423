// Time namespaces (time_namespaces(7)): CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets, seen
// by the namespace's processes through the vDSO and the system call alike.
//
// The pattern: a child unshares CLONE_NEWTIME (which moves only its future children),
// writes /proc/self/timens_offsets, and a grandchild - the first process in the new
// namespace - reads its clocks. The parent reads the host clock just before and just after,
// so a clock inside must fall between before+offset and after+offset; no sleep involved.
#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/nsfs.h"
#include "core/error.h"
#include "core/ns_id.h"
#include "core/proc.h"
#include "core/spawn.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kTime = NsType::Time;
constexpr long kOffsetSeconds = 86400 * 3;  // three days: far beyond any scheduling noise

double vdso_seconds(clockid_t clock) {
  struct timespec ts {};
  if (::clock_gettime(clock, &ts) != 0) throw_sys("clock_gettime");
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// The system call itself, bypassing the vDSO.
double syscall_seconds(clockid_t clock) {
  struct timespec ts {};
  if (::syscall(SYS_clock_gettime, clock, &ts) != 0) throw_sys("syscall(clock_gettime)");
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

std::string try_write(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_name(errno);
  return outcome_of(::write(fd.get(), text.data(), text.size()));
}

// In a child: a new time namespace for the children, with these offsets; then `reader` runs
// in a grandchild inside it.
json read_in_offset_namespace(const std::string& offsets, const std::function<json()>& reader) {
  unshare_verified(CLONE_NEWTIME);
  write_file("/proc/self/timens_offsets", offsets);
  return in_child(0, reader);
}

std::string offsets_for(const char* clock) { return fmt::format("{} {} 0", clock, kOffsetSeconds); }

// Runs `read` on the host before and after a grandchild in an offset namespace runs it, and
// says whether the inside value is inside [before + offset, after + offset].
struct Bracket {
  double before, inside, after;
  // (1 us of slack for the sums of doubles, nothing more.)
  bool offset_applied() const {
    return inside >= before + kOffsetSeconds - 1e-6 && inside <= after + kOffsetSeconds + 1e-6;
  }
  std::string describe() const {
    return fmt::format("host before {:.3f}, inside {:.3f}, host after {:.3f}, offset {}", before, inside, after,
                       kOffsetSeconds);
  }
};

Bracket bracket(const char* clock_name, const std::function<double()>& read) {
  Bracket b{};
  b.before = read();
  const json r = in_child(container(0), [&] {
    return read_in_offset_namespace(offsets_for(clock_name), [&] { return json{{"value", read()}}; });
  });
  b.after = read();
  b.inside = r["value"].get<double>();
  return b;
}

const Requirements kTimeNeeds{.namespaces = {kTime}};

}  // namespace

NSM_CHECK(TimeNamespace, MonotonicOffsetThroughVdso,
          {.id = "time.offset.monotonic-vdso",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_MONOTONIC offset is seen by the namespace's processes through the vDSO",
           .needs = kTimeNeeds}) {
  const Bracket b = bracket("monotonic", [] { return vdso_seconds(CLOCK_MONOTONIC); });
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}

NSM_CHECK(TimeNamespace, MonotonicOffsetThroughSyscall,
          {.id = "time.offset.monotonic-syscall",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_MONOTONIC offset is seen through the clock_gettime system call too",
           .needs = kTimeNeeds}) {
  const Bracket b = bracket("monotonic", [] { return syscall_seconds(CLOCK_MONOTONIC); });
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}

NSM_CHECK(TimeNamespace, BoottimeOffsetThroughVdso,
          {.id = "time.offset.boottime-vdso",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_BOOTTIME offset is seen by the namespace's processes through the vDSO",
           .needs = kTimeNeeds}) {
  const Bracket b = bracket("boottime", [] { return vdso_seconds(CLOCK_BOOTTIME); });
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}

NSM_CHECK(TimeNamespace, BoottimeOffsetThroughSyscall,
          {.id = "time.offset.boottime-syscall",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_BOOTTIME offset is seen through the clock_gettime system call too",
           .needs = kTimeNeeds}) {
  const Bracket b = bracket("boottime", [] { return syscall_seconds(CLOCK_BOOTTIME); });
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}

NSM_CHECK(TimeNamespace, MonotonicOffsetCoversRawAndCoarse,
          {.id = "time.offset.monotonic-family",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "the monotonic offset also moves CLOCK_MONOTONIC_RAW and CLOCK_MONOTONIC_COARSE",
           .needs = kTimeNeeds}) {
  const Bracket raw = bracket("monotonic", [] { return vdso_seconds(CLOCK_MONOTONIC_RAW); });
  EXPECT_TRUE(raw.offset_applied()) << "CLOCK_MONOTONIC_RAW: " << raw.describe();
  // Bracketed by the coarse clock itself, so its tick granularity needs no allowance.
  const Bracket coarse = bracket("monotonic", [] { return vdso_seconds(CLOCK_MONOTONIC_COARSE); });
  EXPECT_TRUE(coarse.offset_applied()) << "CLOCK_MONOTONIC_COARSE: " << coarse.describe();
}

NSM_CHECK(TimeNamespace, UptimeFollowsBoottimeOffset,
          {.id = "time.offset.proc-uptime",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "/proc/uptime inside a time namespace includes its boottime offset",
           .needs = kTimeNeeds}) {
  auto uptime = [] {
    double up = 0;
    if (std::sscanf(must_read_file("/proc/uptime").c_str(), "%lf", &up) != 1)
      throw ToolError("/proc/uptime: unreadable");
    return up;
  };
  // /proc/uptime truncates to hundredths and the offset is whole seconds, so the bracket of
  // truncated host readings holds exactly.
  const Bracket b = bracket("boottime", uptime);
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}

NSM_CHECK(TimeNamespace, OffsetsFrozenOnceAProcessEntered,
          {.id = "time.offsets.frozen-after-entry",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "time namespace offsets can be written only before the first process enters (EACCES after)",
           .needs = kTimeNeeds}) {
  const json r = in_child(container(0), [] {
    unshare_verified(CLONE_NEWTIME);
    const std::string before = try_write("/proc/self/timens_offsets", "monotonic 100 0");
    in_child(0, [] { return json{}; });  // the first process enters (and leaves)
    const std::string after = try_write("/proc/self/timens_offsets", "monotonic 200 0");
    return json{{"before_entry", before}, {"after_entry", after}};
  });
  EXPECT_EQ(r["before_entry"], "ok");
  EXPECT_EQ(r["after_entry"], "EACCES");
}

NSM_CHECK(TimeNamespace, RealtimeOffsetIsRejected,
          {.id = "time.offsets.realtime-rejected",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a CLOCK_REALTIME offset cannot be set in a time namespace (EINVAL)",
           .needs = kTimeNeeds}) {
  const json r = in_child(container(0), [] {
    unshare_verified(CLONE_NEWTIME);
    const std::string realtime = try_write("/proc/self/timens_offsets", fmt::format("{} 100 0", CLOCK_REALTIME));
    const std::string monotonic = try_write("/proc/self/timens_offsets", "monotonic 100 0");
    return json{{"realtime", realtime}, {"monotonic", monotonic}};
  });
  EXPECT_EQ(r["realtime"], "EINVAL");
  EXPECT_EQ(r["monotonic"], "ok") << "the same write with an allowed clock works";
}

NSM_CHECK(TimeNamespace, Clone3CreatesTimeNamespace,
          {.id = "time.create.clone3",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "clone3 with CLONE_NEWTIME creates the child in a new time namespace with zero offsets",
           .needs = {.namespaces = {kTime}, .min_kernel = "5.8"}}) {
  if (!have_clone3()) skip_check("clone3() is missing (ENOSYS): CLONE_NEWTIME needs it");
  const ino_t host = must_ns_inode(0, "time");
  const double before = vdso_seconds(CLOCK_MONOTONIC);
  const json inside = in_child(container(CLONE_NEWTIME), [] {
    return json{{"inode", must_ns_inode(0, "time")},
                {"offsets", trim(must_read_file("/proc/self/timens_offsets"))},
                {"monotonic", vdso_seconds(CLOCK_MONOTONIC)}};
  });
  const double after = vdso_seconds(CLOCK_MONOTONIC);
  EXPECT_NE(inside["inode"], host);
  std::istringstream words(inside["offsets"].get<std::string>());
  std::vector<std::string> fields{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
  EXPECT_EQ(fields, (std::vector<std::string>{"monotonic", "0", "0", "boottime", "0", "0"})) << inside["offsets"];
  EXPECT_GE(inside["monotonic"].get<double>(), before);
  EXPECT_LE(inside["monotonic"].get<double>(), after);
}

NSM_CHECK(TimeNamespace, SetnsAppliesOffsetsAtOnce,
          {.id = "time.setns.applies-offsets",
           .kind = CheckKind::Guarantee,
           .type = kTime,
           .title = "a process that setns into a time namespace sees its offsets at once",
           .needs = {.namespaces = {kTime}, .root = true}}) {
  Peer holder = Peer::spawn(0, [](Link& link) {
    unshare_verified(CLONE_NEWTIME);
    write_file("/proc/self/timens_offsets", offsets_for("monotonic"));
    Peer member = Peer::spawn(0, [](Link& inner) {
      inner.send({});
      inner.recv();
    });
    member.recv();  // the namespace now has a process: it can be joined by pid
    link.send({{"member", member.pid()}});
    link.recv();
    member.send("done");
    member.finish();
  });
  const json hello = holder.recv();
  const pid_t member = hello["member"].get<pid_t>();
  const double before = vdso_seconds(CLOCK_MONOTONIC);
  const json joined = in_child(0, [member] {
    UniqueFd fd = open_ns(member, "time");
    setns_verified(fd.get(), NsType::Time);
    return json{{"monotonic", vdso_seconds(CLOCK_MONOTONIC)}};
  });
  const double after = vdso_seconds(CLOCK_MONOTONIC);
  holder.send("done");
  holder.finish();
  const Bracket b{before, joined["monotonic"].get<double>(), after};
  EXPECT_TRUE(b.offset_applied()) << b.describe();
}
