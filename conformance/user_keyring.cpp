// Keyrings and user namespaces (keyrings(7), user-keyring(7)): since 5.3 a user namespace
// has user keyrings of its own, so a key one container adds to @u is not found from another
// user namespace of the same uid, nor by the host; but the key quota stays the uid's, one
// count across every namespace (kernel.keys.maxkeys, /proc/key-users).
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/janitor.h"
#include "core/error.h"
#include "core/proc.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

long keyctl(int op, long a = 0, long b = 0, long c = 0, long d = 0) { return ::syscall(SYS_keyctl, op, a, b, c, d); }

long add_user_key(const std::string& description) {
  return ::syscall(SYS_add_key, "user", description.c_str(), "nsm-secret", 10, KEY_SPEC_USER_KEYRING);
}

// KEYCTL_SEARCH of @u: "ok" or the errno's name.
std::string search_user_keyring(const std::string& description) {
  const long found = keyctl(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, reinterpret_cast<long>("user"),
                            reinterpret_cast<long>(description.c_str()), 0);
  return outcome_of(found);
}

// A description the residue test and `nsmatrix clean` recognise as the suite's.
std::string key_description(const char* what) {
  return fmt::format("nsm-{}-p{}-{}", what, ns_inode(0, "pid").value_or(0), ::getpid());
}

// The nkeys of `uid`'s line in /proc/key-users ("  1000:     5 4/4 4/200 36/20000"), -1 when absent.
long key_count(uid_t uid) {
  std::istringstream in(read_file("/proc/key-users").value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    unsigned long u = 0;
    long usage = 0, nkeys = 0;
    if (std::sscanf(line.c_str(), " %lu: %ld %ld/", &u, &usage, &nkeys) == 3 && u == uid) return nkeys;
  }
  return -1;
}

// A uid that owns no key now, so that only this check's keys can move its count: a uid
// that other checks map (100000) holds keyrings of dead namespaces that the kernel's
// garbage collector frees at any moment, and concurrent checks add their own.
uid_t keyless_uid() {
  for (uid_t uid = 200000 + static_cast<uid_t>(::getpid() % 100000) * 8;; ++uid)
    if (key_count(uid) < 0) return uid;
}

const std::vector<NsType> kUserNeeds{NsType::User};

}  // namespace

NSM_CHECK(UserKeyring, NewUserNamespaceHasItsOwnUserKeyring,
          {.id = "user.keyring.own-user-keyring",
           .kind = CheckKind::Guarantee,
           .type = NsType::User,
           .title = "a key added to @u inside a user namespace is found neither from a sibling user namespace of the "
                    "same uid nor by the host",
           .needs = {.namespaces = kUserNeeds, .kconfig = {"CONFIG_KEYS"}, .min_kernel = "5.3"},
           .refs = {"keys: Namespace keyring names (5.3)"}}) {
  skip_unless_caller_may_create_user_ns();
  const std::string description = key_description("userns-keyring");
  Janitor janitor = Janitor::start();  // should the kernel put it in the host's @u after all
  janitor.invalidate_user_key_on_death(description);
  Peer owner = Peer::spawn(in_own_user_ns(0), [description](Link& link) {
    const long serial = add_user_key(description);
    if (serial < 0) throw_sys("add_key(user, @u)");
    keyctl(KEYCTL_SET_TIMEOUT, serial, 60);
    link.send({{"serial", serial}, {"own", search_user_keyring(description)}});
    link.recv();
    keyctl(KEYCTL_INVALIDATE, serial);
  });
  const json added = owner.recv();
  const json sibling = in_child(in_own_user_ns(0), [description] {
    return json{{"search", search_user_keyring(description)}};
  });
  const std::string from_host = search_user_keyring(description);
  owner.send("done");
  owner.finish();
  janitor.dismiss();
  EXPECT_EQ(added["own"], "ok") << "the namespace that added the key finds it in its @u";
  EXPECT_EQ(sibling["search"], "ENOKEY") << "a sibling user namespace of the same uid has a user keyring of its own";
  EXPECT_EQ(from_host, "ENOKEY") << "the host's @u must not hold the key";
}

NSM_CHECK(KeyringGap, KeyQuotaIsPerUidAcrossNamespaces,
          {.id = "user.gap.key-quota-shared",
           .kind = CheckKind::Gap,
           .type = NsType::User,
           .title = "the key quota (kernel.keys.maxkeys) is the uid's across all user namespaces: a container's keys "
                    "count against the host's",
           .needs = {.namespaces = kUserNeeds, .kconfig = {"CONFIG_KEYS"}}}) {
  skip_unless_caller_may_create_user_ns();
  // The owner's uid as the host sees it: root's keys count under root_maxkeys, so the
  // container's root is mapped to an unprivileged uid of its own, one no one else uses.
  const bool root = ::geteuid() == 0;
  const uid_t kuid = root ? keyless_uid() : ::geteuid();
  ChildSpec spec = in_own_user_ns(0);
  spec.id_map = IdMap::root_is(kuid, root ? kuid : ::getegid());
  const long host_before = key_count(kuid);
  const std::string description = key_description("key-quota-gap");
  Peer owner = Peer::spawn(spec, [description](Link& link) {
    // Become the mapped root: the ids the process came with are not mapped inside.
    become_root_inside();
    // The namespace's user keyrings (@u, @us) are keys too, made on first use: first.
    if (keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1) < 0) throw_sys("keyctl(GET_KEYRING_ID, @u, create)");
    const long inside_before = key_count(0);
    const long serial = add_user_key(description);
    if (serial < 0) throw_sys("add_key(user, @u)");
    keyctl(KEYCTL_SET_TIMEOUT, serial, 60);
    link.send({{"before", inside_before},
               {"after", key_count(0)},
               {"maxkeys", read_sysctl("kernel.keys.maxkeys").value_or("")}});
    link.recv();
    keyctl(KEYCTL_INVALIDATE, serial);
  });
  const json inside = owner.recv();
  const long host_meanwhile = key_count(kuid);
  owner.send("done");
  owner.finish();
  const std::string evidence = fmt::format(
      "uid {} on the host: {} keys before; inside its user namespace (root mapped to it): {} before adding one, {} "
      "after, maxkeys {} "
      "(host {}); the host's count for uid {} meanwhile: {}",
      kuid, host_before, inside["before"].get<long>(), inside["after"].get<long>(),
      inside["maxkeys"].get<std::string>(), read_sysctl("kernel.keys.maxkeys").value_or("?"), kuid, host_meanwhile);
  const long added = inside["after"].get<long>() - inside["before"].get<long>();
  if (added != 1) broken("the count inside did not grow by the one key added: " + evidence);
  // One count per uid: what the container's keyrings and key add up to is what the host
  // counts against the same uid while they live.
  if (host_meanwhile == inside["after"].get<long>() && host_meanwhile > std::max(host_before, 0L)) {
    gap_confirmed(evidence + ": the container's keys are counted on the host's quota of the uid");
  } else if (host_meanwhile == host_before) {
    gap_closed(evidence + ": the host's count of the uid did not move");
  } else {
    broken("the host's count moved by something else: " + evidence);
  }
}
