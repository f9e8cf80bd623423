#include "probes/attempt.h"

#include <sched.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/id_map.h"
#include "core/spawn.h"
#include "probes/diagnosis.h"

namespace nsm {

namespace {

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
        out["call"] = body();
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
  }
  return a;
}

std::string unshare_call(NsType type) { return fmt::format("unshare({})", ns_info(type).clone_flag_name); }

void do_unshare(NsType type) {
  if (::unshare(ns_info(type).clone_flag) != 0) throw_sys(unshare_call(type));
}

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
  return j;
}

Attempt attempt_namespace(NsType type) {
  return attempt_in_child(false, type, [type] {
    do_unshare(type);
    return unshare_call(type);
  });
}

Attempt attempt_namespace_rootless(NsType type) {
  const bool root = ::geteuid() == 0;
  Attempt a = attempt_in_child(true, type, [type, root] {
    if (root) become_unprivileged(kRootlessUid, kRootlessGid);
    enter_own_user_namespace();
    if (type != NsType::User) do_unshare(type);
    return unshare_call(type);
  });
  a.uid = root ? kRootlessUid : ::geteuid();
  return a;
}

}  // namespace nsm
