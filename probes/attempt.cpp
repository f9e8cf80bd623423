#include "probes/attempt.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  return {{"text", ns_id_text(entry, *id)}, {"dev", static_cast<unsigned long long>(id->dev)},
          {"ino", static_cast<unsigned long long>(id->ino)}};
}

std::optional<NsId> id_from_json(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return NsId{static_cast<dev_t>(j.at("dev").get<unsigned long long>()), static_cast<ino_t>(j.at("ino").get<unsigned long long>())};
}

// In the child: unshare(type) with the identities before and after, then setns back into
// the namespace held before the call. Throws SysError for a refused call.
// Rootless, the held namespace belongs to the parent user namespace, where the child has no
// capability: setns back is not tried, and the user type is entered as an unprivileged user
// does (unshare with the id maps).
nlohmann::json unshare_and_observe(NsType type, bool rootless) {
  const NsTypeInfo& info = ns_info(type);
  const std::string_view entry = entry_changed_by_unshare(type);
  nlohmann::json out = {{"call", unshare_call(type)}, {"entry", std::string(entry)}};
  const std::string held_path = fmt::format("/proc/thread-self/ns/{}", entry);
  UniqueFd held(::open(held_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!held) throw_sys(fmt::format("open({})", held_path));
  const NsId before = ns_id_of_fd(held.get());
  out["before"] = id_json(entry, before);
  if (rootless && type == NsType::User) enter_own_user_namespace();
  else if (::unshare(info.clone_flag) != 0) throw_sys(unshare_call(type));
  // A new pid namespace has no entry until its first process: ENOENT is its sign of life.
  const auto after = ns_id_at("thread-self", entry);
  out["after"] = id_json(entry, after);
  if (type == NsType::User || rootless) {
    out["setns_note"] = type == NsType::User ? "not tried: a process cannot re-enter its parent user namespace"
                                             : "not tried rootless: the held namespace belongs to the parent user namespace";
    return out;
  }
  const std::string setns = fmt::format("setns(<{} held before the unshare>, {})", ns_id_text(entry, before), info.clone_flag_name);
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
  a.before = id_from_json(j.value("before", nlohmann::json()));
  a.after = id_from_json(j.value("after", nlohmann::json()));
  a.setns_after = id_from_json(j.value("setns_after", nlohmann::json()));
  a.setns_call = j.value("setns_call", "");
  a.setns_note = j.value("setns_note", "");
  judge_identities(a, type);
  return a;
}

}  // namespace

void judge_identities(Attempt& a, NsType type) {
  a.faulty = false;
  a.fault.clear();
  if (!a.ok || !a.before) return;
  const std::string_view entry = a.entry;
  if (!a.after && type != NsType::Pid) {
    a.faulty = true;
    a.fault = fmt::format("{} returned 0, but /proc/thread-self/ns/{} then disappeared", a.call, entry);
  } else if (a.after && *a.after == *a.before) {
    a.faulty = true;
    a.fault = fmt::format("{} returned 0, but the caller's {} namespace did not change (before {}, after {}): the kernel "
                          "said yes and gave no new one",
                          a.call, ns_name(type), ns_id_text(entry, *a.before), ns_id_text(entry, *a.after));
  } else if (!a.setns_call.empty() && (!a.setns_after || *a.setns_after != *a.before)) {
    a.faulty = true;
    a.fault = fmt::format("{} returned 0, but the caller stayed in {} instead of moving to {}", a.setns_call,
                          a.setns_after ? ns_id_text(entry, *a.setns_after) : std::string("(no entry)"),
                          ns_id_text(entry, *a.before));
  }
}

namespace {

}  // namespace

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
    if (!setns_call.empty()) ids["setns"] = {{"call", setns_call}, {"after", id_json(entry, setns_after)}};
    else ids["setns"] = {{"call", nullptr}, {"note", setns_note}};
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
