#include "vm/kernels/module_info.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/support/kernel_fixtures.h"
#include "vm/kernels/module_set.h"

namespace nsm::vm {
namespace {

using test::make_module_elf;

TEST(ModuleInfo, ReadsNameDependsAndVermagicFromModinfo) {
  const auto info = parse_module(make_module_elf("bridge", {"stp", "llc"}, "6.1.0-50-cloud-amd64 SMP"), "bridge.ko");
  EXPECT_EQ(info.name, "bridge");
  EXPECT_EQ(info.depends, (std::vector<std::string>{"stp", "llc"}));
  EXPECT_EQ(info.vermagic, "6.1.0-50-cloud-amd64 SMP");
}

TEST(ModuleInfo, EmptyDependsMeansNone) {
  EXPECT_TRUE(parse_module(make_module_elf("llc", {}), "llc.ko").depends.empty());
}

TEST(ModuleInfo, NamesTreatDashAndUnderscoreAlike) {
  EXPECT_EQ(module_name("kernel/net/ipv4/udp-tunnel.ko.xz"), "udp_tunnel");
  EXPECT_EQ(module_name("nf_conntrack.ko"), "nf_conntrack");
  EXPECT_EQ(module_name("veth"), "veth");
  const auto info = parse_module(make_module_elf("vxlan", {"udp-tunnel", "ip6_udp_tunnel"}), "vxlan.ko");
  EXPECT_EQ(info.depends, (std::vector<std::string>{"udp_tunnel", "ip6_udp_tunnel"}));
}

TEST(ModuleInfo, RejectsWhatIsNotAModule) {
  EXPECT_THROW(parse_module("just text, not ELF", "x.ko"), Error);
  std::string elf = make_module_elf("veth", {});
  EXPECT_THROW(parse_module(elf.substr(0, elf.size() - 100), "truncated.ko"), Error);
  std::string wrong_class = elf;
  wrong_class[4] = 1;  // ELFCLASS32
  EXPECT_THROW(parse_module(wrong_class, "x.ko"), Error);
  try {
    parse_module(elf.substr(0, 80), "cut.ko");
    FAIL() << "no error for a cut ELF file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.ko"), std::string::npos) << e.what();
  }
}

class FakeIndex : public ModuleIndex {
 public:
  void add(const std::string& name, std::vector<std::string> depends) {
    modules_[name] = ModuleInfo{name, std::move(depends), ""};
  }
  const ModuleInfo* find(const std::string& name) override {
    const auto it = modules_.find(name);
    return it == modules_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, ModuleInfo> modules_;
};

TEST(ModuleLoadPlan, DependenciesComeFirstAndOnce) {
  FakeIndex index;
  index.add("veth", {});
  index.add("bridge", {"stp", "llc"});
  index.add("stp", {"llc"});
  index.add("llc", {});
  index.add("vxlan", {"udp_tunnel", "ip6_udp_tunnel"});
  index.add("ip6_udp_tunnel", {"udp_tunnel"});
  index.add("udp_tunnel", {});
  const auto plan = plan_module_load({"veth", "bridge", "stp", "llc", "vxlan", "netkit"}, index);
  EXPECT_EQ(plan.load_order,
            (std::vector<std::string>{"veth", "llc", "stp", "bridge", "udp_tunnel", "ip6_udp_tunnel", "vxlan"}));
  EXPECT_EQ(plan.not_found, std::vector<std::string>{"netkit"});
}

TEST(ModuleLoadPlan, MissingDependencyIsAnErrorNamingTheChain) {
  FakeIndex index;
  index.add("bridge", {"stp"});
  index.add("stp", {"llc"});
  try {
    plan_module_load({"bridge"}, index);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stp depends on llc"), std::string::npos) << what;
    EXPECT_NE(what.find("bridge -> stp"), std::string::npos) << what;
  }
}

TEST(ModuleLoadPlan, CycleIsAnError) {
  FakeIndex index;
  index.add("a", {"b"});
  index.add("b", {"a"});
  EXPECT_THROW(plan_module_load({"a"}, index), Error);
}

TEST(ModuleSet, InstallsCompressedModulesDecompressedInLoadOrder) {
  test::TempDir dir;
  ModuleFiles files;
  files.add(dir.write("tree/net/bridge/bridge.ko.xz", test::compress(make_module_elf("bridge", {"stp", "llc"}))));
  files.add(dir.write("tree/net/802/stp.ko.zst", test::compress(make_module_elf("stp", {"llc"}), "zstd")));
  files.add(dir.write("tree/net/llc/llc.ko", make_module_elf("llc", {})));
  files.add(dir.write("tree/drivers/net/veth.ko.gz", test::compress(make_module_elf("veth", {}), "gzip")));
  const auto installed =
      install_modules(files, {"veth", "bridge", "netkit", "macvlan"}, dir.path() + "/out", {"macvlan"});
  ASSERT_EQ(installed.load_order.size(), 4u);
  EXPECT_EQ(installed.load_order[0], dir.path() + "/out/veth.ko");
  EXPECT_EQ(installed.load_order[1], dir.path() + "/out/llc.ko");
  EXPECT_EQ(installed.load_order[3], dir.path() + "/out/bridge.ko");
  EXPECT_EQ(installed.builtin, std::vector<std::string>{"macvlan"});
  EXPECT_EQ(installed.absent, std::vector<std::string>{"netkit"});
  // Decompressed: each output file is the ELF module itself.
  ModuleFiles out;
  out.add_tree(dir.path() + "/out");
  ASSERT_NE(out.find("stp"), nullptr);
  EXPECT_EQ(out.find("stp")->depends, std::vector<std::string>{"llc"});
}

TEST(ModuleSet, CorruptCompressedModuleIsAnErrorNamingTheFile) {
  test::TempDir dir;
  ModuleFiles files;
  std::string xz = test::compress(make_module_elf("veth", {}));
  files.add(dir.write("veth.ko.xz", xz.substr(0, xz.size() / 2)));
  try {
    install_modules(files, {"veth"}, dir.path() + "/out", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("veth.ko.xz"), std::string::npos) << e.what();
  }
}

TEST(ModuleSet, ParsesModulesBuiltin) {
  const auto names = parse_modules_builtin("kernel/net/bridge/bridge.ko\nkernel/drivers/net/veth.ko\n\n");
  EXPECT_EQ(names, (std::set<std::string>{"bridge", "veth"}));
}

}  // namespace
}  // namespace nsm::vm
