#include "core/id_map.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ns_id.h"
#include "core/unique_fd.h"

namespace nsm {

IdMap IdMap::root_is(uid_t uid, gid_t gid) {
  return IdMap{{{0, static_cast<uint32_t>(uid), 1}}, {{0, static_cast<uint32_t>(gid), 1}}, true};
}

IdMap IdMap::identity() { return IdMap{{{0, 0, 4294967295u}}, {{0, 0, 4294967295u}}, false}; }

std::string IdMap::format(const std::vector<IdRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) out += fmt::format("{} {} {}\n", r.inside, r.outside, r.count);
  return out;
}

namespace {
void write_proc_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_sys(fmt::format("open({})", path));
  // The kernel wants the whole map in a single write.
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_sys(fmt::format("write({})", path));
}
}  // namespace

void write_id_maps(pid_t pid, const IdMap& map) {
  const std::string dir = pid == 0 ? std::string("/proc/self") : fmt::format("/proc/{}", pid);
  if (!map.uids.empty()) write_proc_file(dir + "/uid_map", IdMap::format(map.uids));
  if (map.deny_setgroups) {
    // Absent before 3.19: then nothing needs denying.
    try {
      write_proc_file(dir + "/setgroups", "deny");
    } catch (const SysError& e) {
      if (e.err() != ENOENT) throw;
    }
  }
  if (!map.gids.empty()) write_proc_file(dir + "/gid_map", IdMap::format(map.gids));
}

void become_unprivileged(uid_t uid, gid_t gid) {
  if (::setgroups(0, nullptr) != 0) throw_sys("setgroups(0)");
  if (::setresgid(gid, gid, gid) != 0) throw_sys(fmt::format("setresgid({})", gid));
  if (::setresuid(uid, uid, uid) != 0) throw_sys(fmt::format("setresuid({})", uid));
  // Changing the euid clears the dumpable flag, which makes /proc/self/* root-owned: the
  // process could no longer write its own uid_map.
  if (::prctl(PR_SET_DUMPABLE, 1) != 0) throw_sys("prctl(PR_SET_DUMPABLE, 1)");
}

void enter_own_user_namespace() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  unshare_verified(CLONE_NEWUSER);  // a map written to the caller's own namespace would fail anyway; prove it
  write_id_maps(0, IdMap::root_is(uid, gid));
}

}  // namespace nsm
