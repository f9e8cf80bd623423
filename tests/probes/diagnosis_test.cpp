#include "probes/diagnosis.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace nsm {
namespace {

TEST(Diagnosis, EinvalMeansTheKernelDoesNotKnowTheType) {
  const auto words = diagnose_namespace_errno(EINVAL, NsType::Time, false);
  EXPECT_NE(words.find("CLONE_NEWTIME"), std::string::npos) << words;
  EXPECT_NE(words.find("CONFIG_TIME_NS"), std::string::npos) << words;
  EXPECT_NE(words.find("5.6"), std::string::npos) << words;
  EXPECT_EQ(verdict_for_errno(EINVAL), Verdict::Unsupported);
}

TEST(Diagnosis, MountNamespacesHaveNoSymbolToBlame) {
  const auto words = diagnose_namespace_errno(EINVAL, NsType::Mnt, false);
  EXPECT_EQ(words.find("CONFIG_"), std::string::npos) << words;
}

TEST(Diagnosis, PolicyErrnosAreRestricted) {
  EXPECT_EQ(verdict_for_errno(EPERM), Verdict::Restricted);
  EXPECT_EQ(verdict_for_errno(ENOSPC), Verdict::Restricted);
  EXPECT_EQ(verdict_for_errno(EUSERS), Verdict::Restricted);
  EXPECT_EQ(verdict_for_errno(EACCES), Verdict::Restricted);
  EXPECT_EQ(verdict_for_errno(ENOSYS), Verdict::Unsupported);
}

TEST(Diagnosis, OnlyPolicyErrnosBlamePolicy) {
  // An errno policy does not give is not "restricted": the reason names it instead.
  EXPECT_EQ(verdict_for_errno(ENOMEM), Verdict::Unsupported);
  EXPECT_EQ(verdict_for_errno(EIO), Verdict::Unsupported);
  EXPECT_EQ(verdict_for_errno(EBADF), Verdict::Unsupported);
}

TEST(Diagnosis, EnospcNamesTheLimit) {
  EXPECT_NE(diagnose_namespace_errno(ENOSPC, NsType::Net, false).find("user.max_net_namespaces"), std::string::npos);
}

TEST(Diagnosis, EnosysSaysSyscallMissing) {
  EXPECT_NE(diagnose_namespace_errno(ENOSYS, NsType::User, true).find("system call missing"), std::string::npos);
}

TEST(Diagnosis, RootlessUserEpermNamesPolicyOrSaysDenied) {
  const auto words = diagnose_namespace_errno(EPERM, NsType::User, true);
  EXPECT_NE(words.find("unprivileged user namespaces"), std::string::npos) << words;
}

TEST(Verdict, NamesRoundTrip) {
  for (Verdict v : {Verdict::Supported, Verdict::Unsupported, Verdict::Restricted, Verdict::Faulty})
    EXPECT_EQ(verdict_from_name(verdict_name(v)), v);
  EXPECT_FALSE(verdict_from_name("maybe"));
}

}  // namespace
}  // namespace nsm
