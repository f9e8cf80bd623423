#include "conformance/harness/uts_names.h"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "conformance/harness/apart.h"
#include "core/error.h"

namespace nsm::conformance {

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) throw_sys("gethostname");
  return name;
}

std::string domainname() {
  char name[256] = {};
  if (::getdomainname(name, sizeof name - 1) != 0) throw_sys("getdomainname");
  return name;
}

void set_hostname(const std::string& name) {
  require_apart_from_suite(NsType::Uts, "set the hostname");
  if (::sethostname(name.c_str(), name.size()) != 0) throw_sys(fmt::format("sethostname({})", name));
}

void set_domainname(const std::string& name) {
  require_apart_from_suite(NsType::Uts, "set the domain name");
  if (::setdomainname(name.c_str(), name.size()) != 0) throw_sys(fmt::format("setdomainname({})", name));
}

std::string try_set_hostname(const std::string& name) {
  require_apart_from_suite(NsType::Uts, "set the hostname");
  return ::sethostname(name.c_str(), name.size()) == 0 ? "ok" : errno_name(errno);
}

std::string try_set_domainname(const std::string& name) {
  require_apart_from_suite(NsType::Uts, "set the domain name");
  return ::setdomainname(name.c_str(), name.size()) == 0 ? "ok" : errno_name(errno);
}

}  // namespace nsm::conformance
