// The calling process's hostname and NIS domain name, read and set, errors with the call.
#pragma once

#include <string>

namespace nsm::conformance {

std::string hostname();
std::string domainname();
void set_hostname(const std::string& name);
void set_domainname(const std::string& name);
// The same as data, for the checks whose verdict is the call itself: "ok" or the errno's
// name (after the same proof that the caller is apart from the suite's UTS namespace).
std::string try_set_hostname(const std::string& name);
std::string try_set_domainname(const std::string& name);

}  // namespace nsm::conformance
