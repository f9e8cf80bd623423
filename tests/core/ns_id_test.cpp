// Namespace identity and the verification of namespace operations (core/ns_id.h). The lying
// kernel itself is simulated end to end by the mutation tests (tests/mutation); here the
// verification is fed a child that has no new namespace, as such a kernel would produce.
#include "core/ns_id.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/spawn.h"
#include "core/unique_fd.h"
#include "tests/support/privilege.h"

namespace nsm {
namespace {

using nsm::test::is_root;

// A child that shares every namespace with the test, ended and reaped on scope exit.
struct PlainChild {
  pid_t pid = ::fork();
  PlainChild() {
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
  }
  ~PlainChild() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

TEST(NsId, SameNamespaceSameIdentity) {
  const NsId a = must_ns_id_at("thread-self", "net");
  const NsId b = must_ns_id_at("self", "net");
  EXPECT_EQ(a, b);
  UniqueFd fd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  EXPECT_EQ(ns_id_of_fd(fd.get()), a);
  EXPECT_NE(must_ns_id_at("self", "uts"), a) << "two types are two namespaces";
}

TEST(NsId, MissingEntryIsNullopt) { EXPECT_FALSE(ns_id_at("self", "no-such-namespace").has_value()); }

TEST(NsId, TextIsTheLinkText) {
  const NsId id = must_ns_id_at("self", "pid_for_children");
  char link[64] = {};
  ASSERT_GT(::readlink("/proc/self/ns/pid", link, sizeof link - 1), 0);
  EXPECT_EQ(ns_id_text("pid_for_children", id), link);
}

TEST(NsId, UnshareChangesTheEntryOfItsType) {
  EXPECT_EQ(entry_changed_by_unshare(NsType::Pid), "pid_for_children");
  EXPECT_EQ(entry_changed_by_unshare(NsType::Time), "time_for_children");
  EXPECT_EQ(entry_changed_by_unshare(NsType::Net), "net");
}

TEST(NsVerify, AChildThatSharesTheNamespaceIsAKernelFault) {
  const NsSnapshot parent = snapshot_for_clone(CLONE_NEWNET | CLONE_NEWUTS);
  PlainChild child;
  ASSERT_GT(child.pid, 0);
  try {
    verify_child_namespaces(child.pid, CLONE_NEWNET | CLONE_NEWUTS, parent, "clone3");
    FAIL() << "a child in the parent's namespaces passed the verification";
  } catch (const KernelFault& fault) {
    EXPECT_NE(std::string(fault.what()).find("gave no new net namespace"), std::string::npos) << fault.what();
  }
}

TEST(NsVerify, ARealNewNamespacePasses) {
  if (!is_root()) GTEST_SKIP() << "needs root";
  // Child::spawn runs the verification itself; a child in a real new namespace starts.
  SpawnOptions options;
  options.clone_flags = CLONE_NEWUTS | CLONE_NEWNET;
  auto r = run_in_child(options, [] { return std::string("ran"); });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(*r.payload, "ran");
}

TEST(NsVerify, UnshareVerifiedInAChild) {
  if (!is_root()) GTEST_SKIP() << "needs root";
  auto r = run_in_child({}, [] {
    const NsId uts = must_ns_id_at("thread-self", "uts");
    unshare_verified(CLONE_NEWUTS | CLONE_NEWPID);
    // The new PID namespace shows once it has a process: the first one is its PID 1.
    const pid_t first = ::fork();
    if (first == 0) ::_exit(::getpid() == 1 ? 0 : 1);
    int status = 0;
    ::waitpid(first, &status, 0);
    const bool new_uts = must_ns_id_at("thread-self", "uts") != uts;
    return std::string(new_uts && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "new" : "same");
  });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(*r.payload, "new");
}

TEST(NsVerify, SetnsVerifiedMovesTheCaller) {
  if (!is_root()) GTEST_SKIP() << "needs root";
  auto r = run_in_child({}, [] {
    UniqueFd original(::open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC));
    if (!original) throw_sys("open(uts)");
    unshare_verified(CLONE_NEWUTS);
    setns_verified(original.get(), NsType::Uts);
    return std::string(must_ns_id_at("thread-self", "uts") == ns_id_of_fd(original.get()) ? "back" : "elsewhere");
  });
  ASSERT_TRUE(r.ok()) << r.status.describe();
  EXPECT_EQ(*r.payload, "back");
}

TEST(NsVerify, AKernelFaultInTheChildIsReportedAsSuch) {
  auto r = run_in_child({}, []() -> std::string { throw KernelFault("the kernel returned success for x but y"); });
  EXPECT_TRUE(r.status.kernel_fault);
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.error.value_or(""), "the kernel returned success for x but y");
  EXPECT_EQ(r.status.describe(), "caught the kernel at fault: the kernel returned success for x but y");
}

}  // namespace
}  // namespace nsm
