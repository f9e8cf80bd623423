#include "core/ns_id.h"

#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm {

namespace {

std::string ns_path(std::string_view proc, std::string_view entry) {
  return fmt::format("/proc/{}/ns/{}", proc, entry);
}

// Every CLONE_NEW* type in flags, in the table's order.
std::vector<NsType> types_in(int flags) {
  std::vector<NsType> out;
  for (const auto& info : ns_types())
    if (flags & info.clone_flag) out.push_back(info.type);
  return out;
}

// What the caller's thread is in after an unshare/setns of `type`, required.
NsId caller_after(NsType type, std::string_view call) {
  const std::string_view entry = entry_changed_by_unshare(type);
  auto id = ns_id_at("thread-self", entry);
  if (!id)
    throw ToolError(
        fmt::format("{} succeeded, but /proc/thread-self/ns/{} does not exist, so nothing can prove that it "
                    "did its job (kernel without that entry)",
                    call, entry));
  return *id;
}

}  // namespace

std::string_view entry_changed_by_unshare(NsType type) {
  if (type == NsType::Pid) return "pid_for_children";
  if (type == NsType::Time) return "time_for_children";
  return ns_info(type).proc_name;
}

std::optional<NsId> ns_id_at(std::string_view proc, std::string_view entry) {
  const std::string path = ns_path(proc, entry);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_sys(fmt::format("stat({})", path));
  }
  return NsId{st.st_dev, st.st_ino};
}

NsId must_ns_id_at(std::string_view proc, std::string_view entry) {
  auto id = ns_id_at(proc, entry);
  if (!id) throw SysError(fmt::format("stat({})", ns_path(proc, entry)), ENOENT);
  return *id;
}

NsId ns_id_of_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_sys("fstat(namespace fd)");
  return NsId{st.st_dev, st.st_ino};
}

std::string ns_id_text(std::string_view entry, const NsId& id) {
  // The link text names the type, not the _for_children entry ("pid:[...]").
  std::string_view type = entry.substr(0, entry.find("_for_children"));
  return fmt::format("{}:[{}]", type, static_cast<unsigned long long>(id.ino));
}

NsSnapshot snapshot_for_clone(int clone_flags) {
  NsSnapshot snap;
  for (NsType type : types_in(clone_flags)) {
    const std::string_view entry = ns_info(type).proc_name;
    snap.entries.push_back({type, entry, ns_id_at("thread-self", entry)});
  }
  return snap;
}

NsSnapshot snapshot_of_pid(pid_t pid, int clone_flags) {
  NsSnapshot snap;
  const std::string proc = std::to_string(pid);
  for (NsType type : types_in(clone_flags)) {
    const std::string_view entry = ns_info(type).proc_name;
    snap.entries.push_back({type, entry, must_ns_id_at(proc, entry)});
  }
  return snap;
}

void verify_child_namespaces(pid_t child, int clone_flags, const NsSnapshot& parent, std::string_view call) {
  const std::string proc = std::to_string(child);
  for (const auto& e : parent.entries) {
    if (!(clone_flags & ns_info(e.type).clone_flag)) continue;
    const auto id = ns_id_at(proc, e.entry);
    if (!id || !e.id)
      throw ToolError(fmt::format("{}({}) succeeded, but /proc/{}/ns/{} does not exist, so nothing can prove it", call,
                                  ns_info(e.type).clone_flag_name, id ? std::string("thread-self") : proc, e.entry));
    if (*id == *e.id)
      throw KernelFault(
          fmt::format("the kernel returned success for {}({}) but gave no new {} namespace: the child is "
                      "in the caller's {}",
                      call, clone_flags_name(clone_flags), ns_name(e.type), ns_id_text(e.entry, *e.id)));
  }
}

void unshare_verified(int flags) {
  const std::string call = fmt::format("unshare({})", clone_flags_name(flags));
  std::vector<std::pair<NsType, NsId>> before;
  for (NsType type : types_in(flags)) before.emplace_back(type, caller_after(type, call));
  if (::unshare(flags) != 0) throw_sys(call);
  for (const auto& [type, id] : before) {
    const std::string_view entry = entry_changed_by_unshare(type);
    const auto now = ns_id_at("thread-self", entry);
    // A new PID namespace cannot be opened through pid_for_children until its first process
    // exists (the kernel has no reaper to show yet): the entry that existed before the call
    // now fails with ENOENT, which only a new, still empty PID namespace does.
    if (!now && type == NsType::Pid) continue;
    if (!now) throw ToolError(fmt::format("{} succeeded, but /proc/thread-self/ns/{} disappeared", call, entry));
    if (*now == id)
      throw KernelFault(fmt::format("the kernel returned success for {} but gave no new {} namespace: still {}", call,
                                    ns_name(type), ns_id_text(entry, id)));
  }
}

void setns_verified(int fd, NsType type) { setns_verified(fd, type, ns_info(type).clone_flag); }

void setns_verified(int fd, NsType type, int nstype) {
  const std::string call =
      fmt::format("setns({}, {})", ns_name(type), nstype ? std::string(clone_flags_name(nstype)) : std::string("0"));
  const NsId target = ns_id_of_fd(fd);
  if (::setns(fd, nstype) != 0) throw_sys(call);
  const NsId now = caller_after(type, call);
  if (now != target)
    throw KernelFault(fmt::format(
        "the kernel returned success for {} but the caller is not in the target namespace: "
        "{} instead of {}",
        call, ns_id_text(entry_changed_by_unshare(type), now), ns_id_text(entry_changed_by_unshare(type), target)));
}

void setns_pidfd_verified(int pidfd, int flags, const NsSnapshot& target) {
  const std::string call = fmt::format("setns(pidfd, {})", clone_flags_name(flags));
  if (::setns(pidfd, flags) != 0) throw_sys(call);
  for (const auto& e : target.entries) {
    if (!(flags & ns_info(e.type).clone_flag)) continue;
    const NsId now = caller_after(e.type, call);
    if (now != *e.id)
      throw KernelFault(fmt::format(
          "the kernel returned success for {} but the caller's {} namespace is {}, not the "
          "target's {}",
          call, ns_name(e.type), ns_id_text(entry_changed_by_unshare(e.type), now), ns_id_text(e.entry, *e.id)));
  }
}

}  // namespace nsm
