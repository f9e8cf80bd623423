// UTS namespaces: hostname and NIS domain name (uts_namespaces(7)).
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/uts_names.h"
#include "core/error.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

json names() {
  struct utsname u {};
  if (::uname(&u) != 0) throw_sys("uname");
  return {{"hostname", hostname()}, {"domainname", domainname()}, {"nodename", u.nodename}};
}

constexpr NsType kUts = NsType::Uts;

}  // namespace

NSM_CHECK(UtsNamespace, HostnameChangeStaysInside,
          {.id = "uts.hostname.stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kUts,
           .title = "a hostname set inside a UTS namespace is seen inside (gethostname, uname) and not outside",
           .needs = {.namespaces = {kUts}}}) {
  const std::string host = hostname();
  Peer child = Peer::spawn(container(CLONE_NEWUTS), [](Link& link) {
    json answer = {{"set", try_set_hostname("nsm-uts-inside")}};
    answer.update(names());
    link.send(answer);
    link.recv();
  });
  const json inside = child.recv();
  const std::string outside_meanwhile = hostname();  // the child is alive and renamed
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["set"], "ok") << "sethostname in the namespace's own UTS namespace";
  EXPECT_EQ(inside["hostname"], "nsm-uts-inside");
  EXPECT_EQ(inside["nodename"], "nsm-uts-inside") << "uname(2) reads the same namespace";
  EXPECT_EQ(outside_meanwhile, host) << "the host's hostname must not change";
}

NSM_CHECK(UtsNamespace, DomainnameChangeStaysInside,
          {.id = "uts.domainname.stays-inside",
           .kind = CheckKind::Guarantee,
           .type = kUts,
           .title = "a NIS domain name set inside a UTS namespace is not seen outside",
           .needs = {.namespaces = {kUts}}}) {
  const std::string host = domainname();
  Peer child = Peer::spawn(container(CLONE_NEWUTS), [](Link& link) {
    json answer = {{"set", try_set_domainname("nsm-domain")}};
    answer.update(names());
    link.send(answer);
    link.recv();
  });
  const json inside = child.recv();
  const std::string outside_meanwhile = domainname();
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["set"], "ok") << "setdomainname in the namespace's own UTS namespace";
  EXPECT_EQ(inside["domainname"], "nsm-domain");
  EXPECT_EQ(outside_meanwhile, host) << "the host's domain name must not change";
}

NSM_CHECK(UtsNamespace, NewNamespaceStartsWithParentsNames,
          {.id = "uts.create.copies-parent",
           .kind = CheckKind::Guarantee,
           .type = kUts,
           .title = "a new UTS namespace starts with a copy of its creator's hostname and domain name",
           .needs = {.namespaces = {kUts}}}) {
  // The creator renames its own (new) namespace first, so that the copy cannot be mistaken
  // for the host's names, and the copy renames itself, so that a shared namespace shows.
  const std::string host_name = hostname();
  const json r = in_child(container(CLONE_NEWUTS), [] {
    set_hostname("nsm-creator");
    set_domainname("nsm-creator-domain");
    const json creator = names();
    const json copy = in_child(ChildSpec(CLONE_NEWUTS), [] {
      const json inherited = names();
      set_hostname("nsm-copy");
      return inherited;
    });
    return json{{"creator", creator}, {"copy", copy}, {"creator_after", names()}};
  });
  EXPECT_EQ(r["creator"]["hostname"], "nsm-creator");
  EXPECT_EQ(r["copy"], r["creator"]) << "the new namespace starts with its creator's names";
  EXPECT_EQ(r["creator_after"], r["creator"]) << "a copy, not the creator's namespace: its rename stays in it";
  EXPECT_EQ(hostname(), host_name) << "the host's hostname must not change";
}

NSM_CHECK(UtsNamespace, SiblingNamespacesAreSeparate,
          {.id = "uts.siblings.separate",
           .kind = CheckKind::Guarantee,
           .type = kUts,
           .title = "two sibling UTS namespaces keep their own hostnames",
           .needs = {.namespaces = {kUts}}}) {
  auto renamed = [](std::string name) {
    return [name](Link& link) {
      set_hostname(name);
      link.send({});
      link.recv();  // the sibling renamed itself meanwhile
      link.send({{"hostname", hostname()}});
    };
  };
  Peer first = Peer::spawn(container(CLONE_NEWUTS), renamed("nsm-first"));
  first.recv();
  Peer second = Peer::spawn(container(CLONE_NEWUTS), renamed("nsm-second"));
  second.recv();
  first.send("read");
  second.send("read");
  const json a = first.recv();
  const json b = second.recv();
  first.finish();
  second.finish();
  EXPECT_EQ(a["hostname"], "nsm-first") << "the sibling's rename must not reach the first namespace";
  EXPECT_EQ(b["hostname"], "nsm-second");
}

NSM_CHECK(UtsNamespace, ProcSysHostnameFollowsTheNamespace,
          {.id = "uts.sysctl.hostname-per-namespace",
           .kind = CheckKind::Guarantee,
           .type = kUts,
           .title = "kernel.hostname in /proc/sys reads and writes the caller's UTS namespace",
           // Root: the UTS sysctls stay owned by the initial user namespace's root, so a
           // rootless container may read them but not write them (EACCES).
           .needs = {.namespaces = {kUts}, .root = true}}) {
  const auto host = read_sysctl("kernel.hostname");
  ASSERT_TRUE(host.has_value()) << "kernel.hostname is unreadable";
  Peer child = Peer::spawn(container(CLONE_NEWUTS), [](Link& link) {
    set_hostname("nsm-read-back");
    const auto read_back = read_sysctl("kernel.hostname");
    require_apart_from_suite(kUts, "write kernel.hostname");
    write_file(sysctl_path("kernel.hostname"), "nsm-written");
    link.send({{"read", read_back.value_or("")}, {"after_write", hostname()}});
    link.recv();
  });
  const json inside = child.recv();
  const auto outside_meanwhile = read_sysctl("kernel.hostname");
  child.send("done");
  child.finish();
  EXPECT_EQ(inside["read"], "nsm-read-back") << "the sysctl reads the namespace's hostname";
  EXPECT_EQ(inside["after_write"], "nsm-written") << "writing the sysctl renames the namespace";
  EXPECT_EQ(outside_meanwhile, host) << "the host's kernel.hostname must not change";
}
