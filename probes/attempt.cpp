#include "probes/attempt.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/channel.h"
#include "core/error.h"
#include "core/id_map.h"
#include "core/spawn.h"
#include "core/unique_fd.h"
#include "probes/diagnosis.h"

namespace nsm {

namespace {

std::string unshare_call(NsType type) { return fmt::format("unshare({})", ns_info(type).clone_flag_name); }

nlohmann::json id_json(std::string_view entry, const std::optional<NsId>& id) {
  if (!id) return nullptr;
  return {{"text", ns_id_text(entry, *id)},
          {"dev", static_cast<unsigned long long>(id->dev)},
          {"ino", static_cast<unsigned long long>(id->ino)}};
}

std::optional<NsId> id_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return NsId{static_cast<dev_t>(j.at("dev").get<unsigned long long>()),
              static_cast<ino_t>(j.at("ino").get<unsigned long long>())};
}

// A user namespace cannot be re-entered from a child one, so for user the setns is a
// helper's: a child of the spawner made before the unshare (it stays in the caller's user
// namespace, where it has the capability over the new one), it joins the attempt's new
// namespace through /proc/PARENT/ns/user when told to, and reports the identity it then has.
class UserJoinHelper {
 public:
  UserJoinHelper()
      : helper_(
            Child::spawn(SpawnOptions{}, [parent = ::getpid()](Channel& channel) { return run(parent, channel); })) {}

  // Tells the helper to join; its identity afterwards. Throws SysError when setns failed.
  std::optional<NsId> join(const std::string& call) {
    helper_.channel().send("join");
    const auto answer = helper_.channel().recv(helper_.time_left());
    Answer a;
    if (!answer || answer->data.size() != sizeof a) throw SysError(call + " (the helper ended without answering)", EIO);
    std::memcpy(&a, answer->data.data(), sizeof a);
    if (a.err) throw SysError(call, a.err);
    return NsId{static_cast<dev_t>(a.dev), static_cast<ino_t>(a.ino)};
  }

 private:
  struct Answer {
    int err = 0;
    unsigned long long dev = 0, ino = 0;
  };

  static int run(pid_t parent, Channel& channel) {
    if (!channel.recv(std::chrono::seconds(30))) return 0;  // EOF: no unshare to join
    Answer a;
    UniqueFd fd(::open(fmt::format("/proc/{}/ns/user", parent).c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd)
      a.err = errno;
    else if (::setns(fd.get(), CLONE_NEWUSER) != 0)
      a.err = errno;
    else if (::stat("/proc/thread-self/ns/user", &st) != 0)
      a.err = errno;
    else
      a.dev = st.st_dev, a.ino = st.st_ino;
    channel.send(std::string_view(reinterpret_cast<const char*>(&a), sizeof a));
    return 0;
  }

  Child helper_;
};

// In the child: unshare(type) with the identities before and after, then setns back into
// the namespace held before the call (user: a helper joins the new one, above). Throws SysError for a
// refused call.
// Rootless, the held namespace belongs to the parent user namespace, where the child has no
// capability: setns back is not tried, and the user type is entered as an unprivileged user
// does (unshare with the id maps).
nlohmann::json unshare_and_observe(NsType type, bool rootless) {
  const NsTypeInfo& info = ns_info(type);
  const std::string_view entry = entry_changed_by_unshare(type);
  nlohmann::json out = {{"call", unshare_call(type)}, {"entry", std::string(entry)}};
  const std::string held_path = fmt::format("/proc/thread-self/ns/{}", entry);
  UniqueFd held(::open(held_path.c_str(), O_RDONLY | O_CLOEXEC));
  // A kernel without the type has no entry either: its unshare below gives the verdict.
  if (!held && errno != ENOENT) throw_sys(fmt::format("open({})", held_path));
  const std::optional<NsId> maybe_before = held ? std::optional(ns_id_of_fd(held.get())) : std::nullopt;
  out["before"] = id_json(entry, maybe_before);
  std::optional<UserJoinHelper> user_helper;
  if (type == NsType::User && !rootless) user_helper.emplace();
  if (rootless && type == NsType::User)
    enter_own_user_namespace();
  else if (::unshare(info.clone_flag) != 0)
    throw_sys(unshare_call(type));
  if (!maybe_before) return out;  // success with nothing to compare: judge_identities says so
  const NsId before = *maybe_before;
  // A new pid namespace has no entry until its first process: ENOENT is its sign of life.
  const auto after = ns_id_at("thread-self", entry);
  out["after"] = id_json(entry, after);
  if (rootless) {
    out["setns_note"] = "not tried rootless: the held namespace belongs to the parent user namespace";
    return out;
  }
  if (type == NsType::User) {
    if (!after) throw ToolError("unshare(CLONE_NEWUSER) succeeded, but /proc/thread-self/ns/user disappeared");
    const std::string call =
        fmt::format("setns(<{} of the attempt>, CLONE_NEWUSER) by a helper", ns_id_text(entry, *after));
    out["setns_call"] = call;
    out["setns_target"] = id_json(entry, after);
    out["setns_after"] = id_json(entry, user_helper->join(call));
    return out;
  }
  const std::string setns =
      fmt::format("setns(<{} held before the unshare>, {})", ns_id_text(entry, before), info.clone_flag_name);
  out["setns_call"] = setns;
  if (::setns(held.get(), info.clone_flag) != 0) throw_sys(setns);
  out["setns_after"] = id_json(entry, ns_id_at("thread-self", entry));
  return out;
}

// Runs `body` in a child; a SysError inside becomes the attempt's failing call and errno.
template <class Body>
Attempt attempt_in_child(bool rootless, NsType type, Body body) {
  Attempt a;
  SpawnOptions options;
  options.timeout = std::chrono::seconds(10);
  ChildResult r;
  try {
    r = run_in_child(options, [&] {
      nlohmann::json out;
      try {
        out = body();
        out["ok"] = true;
      } catch (const SysError& e) {
        out = {{"ok", false}, {"call", e.call()}, {"errno", e.err()}};
      }
      return out.dump();
    });
  } catch (const SysError& e) {
    a.not_tried = fmt::format("could not start a child: {}", e.what());
    return a;
  }
  a.tried = true;
  if (!r.ok()) {
    a.meaning = fmt::format("the probe child {}", r.status.describe());
    return a;
  }
  const auto j = r.json();
  a.ok = j.at("ok").get<bool>();
  a.call = j.at("call").get<std::string>();
  if (!a.ok) {
    a.err = j.at("errno").get<int>();
    // A rootless attempt at any type can fail on its way in, at the user namespace.
    const bool failed_entering_userns = a.call.find("CLONE_NEWUSER") != std::string::npos ||
                                        a.call.find("_map") != std::string::npos ||
                                        a.call.find("setgroups") != std::string::npos;
    a.meaning = diagnose_namespace_errno(a.err, failed_entering_userns ? NsType::User : type, rootless);
    return a;
  }
  a.entry = j.value("entry", "");
  a.unproven = j.contains("before") && j["before"].is_null();
  a.before = id_from_json(j.value("before", nlohmann::json()));
  a.after = id_from_json(j.value("after", nlohmann::json()));
  a.setns_after = id_from_json(j.value("setns_after", nlohmann::json()));
  a.setns_target = id_from_json(j.value("setns_target", nlohmann::json()));
  a.setns_call = j.value("setns_call", "");
  a.setns_note = j.value("setns_note", "");
  judge_identities(a, type);
  return a;
}

}  // namespace

void judge_identities(Attempt& a, NsType type) {
  a.faulty = false;
  a.fault.clear();
  if (a.ok && a.unproven) {
    a.faulty = true;
    a.fault =
        fmt::format("{} returned 0, but there is no /proc/thread-self/ns/{} to prove it did its job", a.call, a.entry);
  }
  if (!a.ok || !a.before) return;
  const std::string_view entry = a.entry;
  if (!a.after && type != NsType::Pid) {
    a.faulty = true;
    a.fault = fmt::format("{} returned 0, but /proc/thread-self/ns/{} then disappeared", a.call, entry);
  } else if (a.after && *a.after == *a.before) {
    a.faulty = true;
    a.fault = fmt::format(
        "{} returned 0, but the caller's {} namespace did not change (before {}, after {}): the kernel "
        "said yes and gave no new one",
        a.call, ns_name(type), ns_id_text(entry, *a.before), ns_id_text(entry, *a.after));
  } else if (const NsId target = a.setns_target.value_or(*a.before);
             !a.setns_call.empty() && (!a.setns_after || *a.setns_after != target)) {
    a.faulty = true;
    a.fault = fmt::format("{} returned 0, but the caller stayed in {} instead of moving to {}", a.setns_call,
                          a.setns_after ? ns_id_text(entry, *a.setns_after) : std::string("(no entry)"),
                          ns_id_text(entry, target));
  }
}

namespace {}  // namespace

nlohmann::json Attempt::to_json() const {
  nlohmann::json j = {{"tried", tried}, {"ok", ok}};
  if (!tried) {
    j["reason"] = not_tried;
    return j;
  }
  j["call"] = call;
  j["errno"] = (!ok && err) ? nlohmann::json(errno_name(err)) : nlohmann::json(nullptr);
  j["meaning"] = meaning;
  if (uid) j["uid"] = *uid;
  if (ok && before) {
    nlohmann::json ids = {{"entry", entry}, {"before", id_json(entry, before)}, {"after", id_json(entry, after)}};
    if (!setns_call.empty())
      ids["setns"] = {{"call", setns_call},
                      {"target", id_json(entry, setns_target.value_or(*before))},
                      {"after", id_json(entry, setns_after)}};
    else
      ids["setns"] = {{"call", nullptr}, {"note", setns_note}};
    j["identities"] = ids;
  }
  j["faulty"] = faulty;
  if (faulty) j["fault"] = fault;
  return j;
}

Attempt attempt_namespace(NsType type) {
  return attempt_in_child(false, type, [type] { return unshare_and_observe(type, false); });
}

Attempt attempt_namespace_rootless(NsType type) {
  const bool root = ::geteuid() == 0;
  Attempt a = attempt_in_child(true, type, [type, root] {
    if (root) become_unprivileged(kRootlessUid, kRootlessGid);
    if (type == NsType::User) return unshare_and_observe(type, true);
    enter_own_user_namespace();
    return unshare_and_observe(type, true);
  });
  a.uid = root ? kRootlessUid : ::geteuid();
  return a;
}

}  // namespace nsm
