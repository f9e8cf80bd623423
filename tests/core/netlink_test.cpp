// rtnetlink through libnl, inside namespaces held by fds: nothing touches the host's.
#include "core/netlink.h"

#include <net/if.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "core/netns.h"
#include "core/topology.h"

namespace nsm {
namespace {

class Netlink : public testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN to create network namespaces)";
  }
};

TEST_F(Netlink, FreshNamespaceHasOnlyLoopbackDown) {
  NetNs ns = NetNs::create();
  auto links = ns.route().links();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].name, "lo");
  EXPECT_FALSE(links[0].up());
  EXPECT_NE(ns.inode(), NetNs::current().inode());
}

TEST_F(Netlink, VethPeerIsCreatedInTheOtherNamespace) {
  NetNs a = NetNs::create(), b = NetNs::create();
  RouteSocket ra = a.route(), rb = b.route();
  ra.add_veth("nsm-t0", "nsm-t1", b.fd());
  const auto here = ra.must_link("nsm-t0");
  EXPECT_EQ(here.kind, "veth");
  EXPECT_FALSE(ra.link("nsm-t1"));
  EXPECT_TRUE(rb.link("nsm-t1"));
  EXPECT_FALSE(NetNs::current().route().link("nsm-t0")) << "nothing in the host namespace";
  // Each end names its peer: the ifindex in the peer's namespace, and that namespace's id.
  const auto there = rb.must_link("nsm-t1");
  EXPECT_EQ(here.link, there.ifindex);
  EXPECT_EQ(there.link, here.ifindex);
  EXPECT_TRUE(here.link_netnsid.has_value());
  const auto listed = ra.links();
  const auto it = std::find_if(listed.begin(), listed.end(), [](const LinkInfo& l) { return l.name == "nsm-t0"; });
  ASSERT_NE(it, listed.end());
  EXPECT_EQ(it->link, there.ifindex) << "the dump carries the peer too";
}

TEST_F(Netlink, KernelErrnoIsKept) {
  NetNs ns = NetNs::create();
  RouteSocket rt = ns.route();
  rt.add_bridge("nsm-br");
  try {
    rt.add_bridge("nsm-br");
    FAIL() << "created twice";
  } catch (const NetlinkError& e) {
    EXPECT_EQ(e.err(), EEXIST);
    EXPECT_NE(std::string(e.what()).find("RTM_NEWLINK bridge nsm-br: EEXIST"), std::string::npos) << e.what();
  }
  try {
    rt.del_link("nsm-none");
    FAIL();
  } catch (const NetlinkError& e) {
    EXPECT_EQ(e.err(), ENODEV) << e.what();
  }
}

TEST_F(Netlink, UpMasterMoveAndAddress) {
  NetNs hub = NetNs::create(), other = NetNs::create();
  RouteSocket rt = hub.route();
  rt.add_bridge("nsm-br");
  rt.add_veth("nsm-a", "nsm-b");
  rt.set_master("nsm-a", "nsm-br");
  rt.set_up("nsm-a");
  rt.add_address("nsm-br", "10.99.0.1/24");
  EXPECT_EQ(rt.must_link("nsm-a").master, rt.must_link("nsm-br").ifindex);
  EXPECT_TRUE(rt.must_link("nsm-a").up());
  rt.set_up("nsm-a", false);
  EXPECT_FALSE(rt.must_link("nsm-a").up());
  rt.move_to_netns("nsm-b", other.fd());
  EXPECT_FALSE(rt.link("nsm-b"));
  EXPECT_TRUE(other.route().link("nsm-b"));
}

TEST_F(Netlink, ScopedLinkDeletesOnExit) {
  NetNs ns = NetNs::create();
  RouteSocket rt = ns.route();
  {
    rt.add_bridge("nsm-tmp");
    ScopedLink owned(rt, "nsm-tmp");
    EXPECT_TRUE(rt.link("nsm-tmp"));
  }
  EXPECT_FALSE(rt.link("nsm-tmp"));
}

TEST_F(Netlink, TopologiesComeUpAddressed) {
  auto pair = VethPairTopology::create();
  EXPECT_TRUE(pair.a.ns.route().must_link("nsm-va").up());
  EXPECT_TRUE(pair.b.ns.route().must_link("nsm-vb").up());
  auto bridge = BridgeTopology::create(3);
  ASSERT_EQ(bridge.members.size(), 3u);
  RouteSocket hub = bridge.hub.route();
  const int br = hub.must_link("nsm-br0").ifindex;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(hub.must_link("nsm-p" + std::to_string(i)).master, br);
  EXPECT_EQ(bridge.members[2].address, "10.78.0.4");
}

}  // namespace
}  // namespace nsm
