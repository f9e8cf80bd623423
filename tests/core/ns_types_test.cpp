#include "core/ns_types.h"

#include <sched.h>
#include <sys/stat.h>

#include <set>

#include <gtest/gtest.h>

namespace nsm {
namespace {

TEST(NsTypes, HasTheEightTypesInNamespacesOrder) {
  std::vector<std::string> names;
  for (const auto& info : ns_types()) names.emplace_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"cgroup", "ipc", "net", "mnt", "pid", "time", "user", "uts"}));
}

TEST(NsTypes, FlagsAreTheKernelsAndDistinct) {
  EXPECT_EQ(ns_info(NsType::Net).clone_flag, CLONE_NEWNET);
  EXPECT_EQ(ns_info(NsType::Mnt).clone_flag, CLONE_NEWNS);
  EXPECT_EQ(ns_info(NsType::Time).clone_flag, 0x80);
  EXPECT_EQ(ns_info(NsType::Cgroup).clone_flag, CLONE_NEWCGROUP);
  std::set<int> flags;
  for (const auto& info : ns_types()) flags.insert(info.clone_flag);
  EXPECT_EQ(flags.size(), 8u);
}

TEST(NsTypes, KconfigSymbolsFollowTheKernel) {
  EXPECT_EQ(ns_info(NsType::Mnt).kconfig, "");  // always built in
  EXPECT_EQ(ns_info(NsType::Cgroup).kconfig, "CONFIG_CGROUPS");
  EXPECT_EQ(ns_info(NsType::Time).kconfig, "CONFIG_TIME_NS");
  EXPECT_EQ(ns_info(NsType::Net).kconfig, "CONFIG_NET_NS");
}

TEST(NsTypes, FirstVersionsMatchHistory) {
  EXPECT_EQ(ns_info(NsType::Time).first_version, "5.6");
  EXPECT_EQ(ns_info(NsType::Cgroup).first_version, "4.6");
  EXPECT_EQ(ns_info(NsType::User).first_version, "3.8");
  EXPECT_EQ(ns_info(NsType::Pid).first_version, "2.6.24");
  EXPECT_EQ(ns_info(NsType::Net).first_version, "2.6.24");
  EXPECT_EQ(ns_info(NsType::Ipc).first_version, "2.6.19");
  EXPECT_EQ(ns_info(NsType::Uts).first_version, "2.6.19");
  EXPECT_EQ(ns_info(NsType::Mnt).first_version, "2.4.19");
  for (const auto& info : ns_types()) EXPECT_NO_THROW(info.first_kernel()) << info.name;
}

TEST(NsTypes, EveryEnumeratorIsInTheTableUnderItsName) {
  for (const auto& info : ns_types()) {
    EXPECT_EQ(ns_info(info.type).name, info.name);
    EXPECT_EQ(ns_type_from_name(info.name), info.type);
    EXPECT_FALSE(info.isolates.empty());
  }
  EXPECT_FALSE(ns_type_from_name("network"));
}

TEST(NsTypes, ProcEntriesExistOnThisKernel) {
  // This machine's kernel has all eight; the probe handles kernels that do not.
  for (const auto& info : ns_types()) {
    struct stat st {};
    EXPECT_EQ(::stat(("/proc/self/ns/" + std::string(info.proc_name)).c_str(), &st), 0) << info.proc_name;
  }
}

TEST(NsTypes, FlagNamesJoinAndShowUnknownBits) {
  EXPECT_EQ(clone_flags_name(CLONE_NEWNET | CLONE_NEWUTS), "CLONE_NEWNET|CLONE_NEWUTS");
  EXPECT_EQ(clone_flags_name(0), "0");
  EXPECT_EQ(clone_flags_name(CLONE_NEWPID | 0x1), "CLONE_NEWPID|0x1");
}

}  // namespace
}  // namespace nsm
