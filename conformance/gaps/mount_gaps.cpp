// Known gaps of mounts and sysfs: a sysfs kept from the host shows the host's devices, and
// on a shared root a new mount namespace is a peer of the host's until made private.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/fresh_netns.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/ns_id.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

NSM_CHECK(
    SysfsGap, SysfsWithoutRemountShowsHostDevices,
    {.id = "net.gap.sysfs-without-remount",
     .kind = CheckKind::Gap,
     .type = NsType::Net,
     .title = "a network namespace that keeps the host's sysfs (no remount) sees the host's devices in /sys/class/net",
     .needs = {.namespaces = {NsType::Net, NsType::Mnt}, .link_kinds = {"veth"}}}) {
  // A child plays the host, as in the shared-root gap below: a network namespace with a
  // veth pair and a sysfs of its own, as a host has (a real host, or a guest, may have no
  // device but lo to tell by). Its child unshares only CLONE_NEWNET, as a runtime that
  // forgets to remount /sys, and compares /sys/class/net with what netlink says it has.
  const json r = in_child(container(CLONE_NEWNET | CLONE_NEWNS), [] {
    set_propagation("/", MS_PRIVATE, true);
    require_apart_from_suite(NsType::Net, "add a veth pair");
    RouteSocket::open().add_veth("nsm-sg0", "nsm-sg1");
    remount_sys();
    const json inner = in_child(0, [] {
      unshare_verified(CLONE_NEWNET);
      RouteSocket rt = RouteSocket::open();
      return json{{"links", describe_links(rt)}, {"sysfs", list_directory("/sys/class/net")}};
    });
    return json{{"host_sysfs", list_directory("/sys/class/net")}, {"inner", inner}};
  });
  const json& inner = r["inner"];
  const FreshNetns fresh = judge_fresh_netns(inner["links"]);
  ASSERT_TRUE(fresh.problems.empty()) << "the new network namespace must be fresh: " << join_problems(fresh.problems);
  const std::string evidence = fmt::format(
      "netlink in the new namespace lists {}, its inherited /sys/class/net lists {}; the namespace playing the host "
      "(with a veth pair nsm-sg0/nsm-sg1) lists {}",
      json(fresh.own).dump(), inner["sysfs"].dump(), r["host_sysfs"].dump());
  note(fresh.note);
  const auto& seen = inner["sysfs"];
  const bool shows_host = seen == r["host_sysfs"] && std::find(seen.begin(), seen.end(), "nsm-sg0") != seen.end();
  if (shows_host) {
    gap_confirmed(evidence);
  } else if (seen == json(fresh.own)) {
    gap_closed(evidence + ": the old sysfs follows the reader's namespace");
  } else {
    ADD_FAILURE() << "the inherited sysfs shows neither the host's devices nor the namespace's own: " << evidence;
  }
}

NSM_CHECK(MountGap, MountAfterUnshareOnSharedRootPropagates,
          {.id = "mnt.gap.shared-root-propagates",
           .kind = CheckKind::Gap,
           .type = NsType::Mnt,
           .title = "on a shared root (as systemd makes /), a mount made after unshare(CLONE_NEWNS) reaches the "
                    "original namespace unless made private",
           .needs = {.namespaces = {NsType::Mnt}}}) {
  // A child plays the host: its own namespace, cut from the real host's (private), with a
  // shared tmpfs standing for a shared "/". Its children unshare as a careless runtime would.
  const json r = in_child(container(CLONE_NEWNS), [] {
    const std::string root = enter_sandbox() + "/host-root";
    must_mkdir(root);
    must_mount("nsm-host-root", root.c_str(), "tmpfs", 0, "size=1m");
    set_propagation(root.c_str(), MS_SHARED);
    must_mkdir(root + "/careless");
    must_mkdir(root + "/careful");
    auto unshare_and_mount = [root](const std::string& where, bool make_private) {
      return in_child(0, [root, where, make_private] {
        unshare_verified(CLONE_NEWNS);
        if (make_private) set_propagation("/", MS_PRIVATE, true);
        must_mount("nsm-leak", (root + "/" + where).c_str(), "tmpfs", 0, "size=1m");
        return json{};
      });
    };
    unshare_and_mount("careless", false);
    const bool careless_leaked = is_mount_point(root + "/careless");
    unshare_and_mount("careful", true);
    const bool careful_leaked = is_mount_point(root + "/careful");
    return json{{"careless", careless_leaked}, {"careful", careful_leaked}};
  });
  const std::string evidence = fmt::format(
      "after unshare(CLONE_NEWNS), a mount without MS_PRIVATE {} the original namespace; with MS_PRIVATE it {}",
      r["careless"] == true ? "appeared in" : "stayed out of", r["careful"] == true ? "appeared too" : "stayed out");
  ASSERT_EQ(r["careful"], false) << "making the new namespace private must stop propagation: " << evidence;
  if (r["careless"] == true) {
    gap_confirmed(evidence + " (a namespace playing a host with a shared /)");
  } else {
    gap_closed(evidence);
  }
}
