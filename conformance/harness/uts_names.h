// The calling process's hostname and NIS domain name, read and set, errors with the call.
#pragma once

#include <string>

namespace nsm::conformance {

std::string hostname();
std::string domainname();
void set_hostname(const std::string& name);
void set_domainname(const std::string& name);

}  // namespace nsm::conformance
