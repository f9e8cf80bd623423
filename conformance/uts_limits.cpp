// The limits of a UTS namespace's names: a hostname and a NIS domain name of up to 64 bytes
// (__NEW_UTS_LEN) are taken whole; one byte more is EINVAL and leaves the name as it was
// (sethostname(2), setdomainname(2); LTP sethostname03, setdomainname03).
#include <sched.h>

#include <string>

#include "conformance/harness/check.h"
#include "conformance/harness/child.h"
#include "conformance/harness/uts_names.h"

using namespace nsm;
using namespace nsm::conformance;
using json = nlohmann::json;

namespace {

constexpr NsType kUts = NsType::Uts;
constexpr size_t kMaxName = 64;

// In a new UTS namespace: a name of exactly 64 bytes, then one of 65, through `set`; what
// each call answered and what `get` read after each.
json set_at_and_past_limit(std::string (*set)(const std::string&), std::string (*get)()) {
  return in_child(container(CLONE_NEWUTS), [set, get] {
    const std::string longest(kMaxName, 'n');
    const std::string too_long(kMaxName + 1, 'x');
    json out;
    out["at_limit"] = set(longest);
    out["read_at_limit"] = get();
    out["past_limit"] = set(too_long);
    out["read_past_limit"] = get();
    return out;
  });
}

void expect_limit(const json& r, const std::string& host_before, const std::string& host_after) {
  const std::string longest(kMaxName, 'n');
  EXPECT_EQ(r["at_limit"], "ok") << "a name of exactly 64 bytes is allowed";
  EXPECT_EQ(r["read_at_limit"], longest) << "and read back whole";
  EXPECT_EQ(r["past_limit"], "EINVAL") << "65 bytes is one too many";
  EXPECT_EQ(r["read_past_limit"], longest) << "a refused name leaves the old one";
  EXPECT_EQ(host_after, host_before) << "the host's name must not change";
}

}  // namespace

NSM_CHECK(
    UtsNamespaceLimits, HostnameIsAtMost64Bytes,
    {.id = "uts.limits.hostname-64-bytes",
     .kind = CheckKind::Guarantee,
     .type = kUts,
     .title = "a hostname of 64 bytes is taken whole inside a UTS namespace; 65 bytes is EINVAL and changes nothing",
     .needs = {.namespaces = {kUts}},
     .refs = {"LTP sethostname03"}}) {
  const std::string host = hostname();
  const json r = set_at_and_past_limit(try_set_hostname, hostname);
  expect_limit(r, host, hostname());
}

NSM_CHECK(
    UtsNamespaceLimits, DomainnameIsAtMost64Bytes,
    {.id = "uts.limits.domainname-64-bytes",
     .kind = CheckKind::Guarantee,
     .type = kUts,
     .title =
         "a NIS domain name of 64 bytes is taken whole inside a UTS namespace; 65 bytes is EINVAL and changes nothing",
     .needs = {.namespaces = {kUts}},
     .refs = {"LTP setdomainname03"}}) {
  const std::string host = domainname();
  const json r = set_at_and_past_limit(try_set_domainname, domainname);
  expect_limit(r, host, domainname());
}
