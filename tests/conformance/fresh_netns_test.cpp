// The judgement of a fresh network namespace's devices (conformance/harness/fresh_netns.h):
// lo down, plus only the fallback devices of tunnel drivers, down, where the kernel's
// net.core.fb_tunnels_only_for_init_net lets new namespaces have them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "conformance/harness/fresh_netns.h"

namespace {

using json = nlohmann::json;
using nsm::conformance::judge_fresh_netns;

json link(const std::string& name, const std::string& kind, bool up = false) {
  return {{"name", name}, {"kind", kind}, {"up", up}};
}

TEST(FreshNetns, OnlyLoopbackDownIsFresh) {
  const auto r = judge_fresh_netns(json::array({link("lo", "")}), "0");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.own, std::vector<std::string>{"lo"});
  EXPECT_EQ(r.note, "") << "nothing to remark on";
}

TEST(FreshNetns, LoopbackUpOrMissingIsNot) {
  EXPECT_EQ(judge_fresh_netns(json::array({link("lo", "", true)}), "0").problems.size(), 1u);
  EXPECT_EQ(judge_fresh_netns(json::array(), "0").problems, std::vector<std::string>{"lo is missing"});
}

TEST(FreshNetns, FallbackTunnelsAreAllowedDownAndNoted) {
  const auto r = judge_fresh_netns(json::array({link("gre0", "gre"), link("lo", ""), link("sit0", "sit")}), "0");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.own, (std::vector<std::string>{"gre0", "lo", "sit0"}));
  EXPECT_NE(r.note.find("sit0 (sit)"), std::string::npos) << r.note;
  EXPECT_NE(r.note.find("fb_tunnels_only_for_init_net=0"), std::string::npos) << r.note;
  // Before 4.16 the sysctl does not exist, and every namespace gets them.
  EXPECT_TRUE(judge_fresh_netns(json::array({link("lo", ""), link("tunl0", "ipip")}), std::nullopt).problems.empty());
}

TEST(FreshNetns, FallbackTunnelUpIsAProblem) {
  const auto r = judge_fresh_netns(json::array({link("lo", ""), link("sit0", "sit", true)}), "0");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("sit0 is up"), std::string::npos) << r.problems[0];
}

TEST(FreshNetns, FallbackTunnelsForbiddenByTheSysctlAreAProblem) {
  for (const char* policy : {"1", "2"}) {
    const auto r = judge_fresh_netns(json::array({link("lo", ""), link("sit0", "sit")}), policy);
    ASSERT_EQ(r.problems.size(), 1u) << policy;
    EXPECT_NE(r.problems[0].find(std::string("fb_tunnels_only_for_init_net=") + policy), std::string::npos)
        << r.problems[0];
  }
}

TEST(FreshNetns, AnythingElseIsAProblem) {
  // A host device, a tunnel under another name, a device with a tunnel's name but another kind.
  for (const json& extra : {link("eth0", ""), link("veth0", "veth"), link("sit1", "sit"), link("sit0", "dummy")}) {
    const auto r = judge_fresh_netns(json::array({link("lo", ""), extra}), "0");
    EXPECT_EQ(r.problems.size(), 1u) << extra.dump();
    EXPECT_EQ(r.own, std::vector<std::string>{"lo"}) << extra.dump();
  }
}

}  // namespace
