// Known gaps of mounts and sysfs: a sysfs kept from the host shows the host's devices, and
// on a shared root a new mount namespace is a peer of the host's until made private.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fmt/format.h>

#include "conformance/gaps/container.h"
#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/netlink.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

NSM_CHECK(SysfsGap, SysfsWithoutRemountShowsHostDevices,
          {.id = "net.gap.sysfs-without-remount",
           .kind = CheckKind::Gap,
           .type = NsType::Net,
           .title = "a network namespace that keeps the host's sysfs (no remount) sees the host's devices in /sys/class/net",
           .needs = {.namespaces = {NsType::Net, NsType::Mnt}}}) {
  const auto host = list_directory("/sys/class/net");
  if (host.size() <= 1) skip_check("the host has no network device besides lo: /sys/class/net could not show whose devices it lists");
  const json inside = in_child(container(CLONE_NEWNET | CLONE_NEWNS), [] {
    json links = json::array();
    for (const auto& l : RouteSocket::open().links()) links.push_back(l.name);
    return json{{"sysfs", list_directory("/sys/class/net")}, {"netlink", links}};
  });
  const std::string evidence = fmt::format("netlink inside lists {}, the old /sys/class/net lists {} (host: {})", inside["netlink"].dump(),
                                           inside["sysfs"].dump(), json(host).dump());
  if (inside["sysfs"] == json(host) && inside["netlink"] == json::array({"lo"})) {
    gap_confirmed(evidence);
  } else {
    gap_closed(evidence);
  }
}

NSM_CHECK(MountGap, MountAfterUnshareOnSharedRootPropagates,
          {.id = "mnt.gap.shared-root-propagates",
           .kind = CheckKind::Gap,
           .type = NsType::Mnt,
           .title = "on a shared root (as systemd makes /), a mount made after unshare(CLONE_NEWNS) reaches the original namespace unless made private",
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
        if (::unshare(CLONE_NEWNS) != 0) throw_sys("unshare(CLONE_NEWNS)");
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
  const std::string evidence =
      fmt::format("after unshare(CLONE_NEWNS), a mount without MS_PRIVATE {} the original namespace; with MS_PRIVATE it {}",
                  r["careless"] == true ? "appeared in" : "stayed out of", r["careful"] == true ? "appeared too" : "stayed out");
  ASSERT_EQ(r["careful"], false) << "making the new namespace private must stop propagation: " << evidence;
  if (r["careless"] == true) {
    gap_confirmed(evidence + " (a namespace playing a host with a shared /)");
  } else {
    gap_closed(evidence);
  }
}
