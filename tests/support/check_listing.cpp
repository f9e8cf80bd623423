#include "tests/support/check_listing.h"

namespace nsm::testing_support {

bool needs_type(const nlohmann::json& check, std::string_view type) {
  const auto& req = check.value("requirements", nlohmann::json::object());
  for (const auto& n : req.value("namespaces", nlohmann::json::array()))
    if (n.is_string() && n.get<std::string>() == type) return true;
  return false;
}

bool guarantee_of_type(const nlohmann::json& check, std::string_view type) {
  if (check.value("kind", "") != "guarantee") return false;
  const auto& t = check.value("type", nlohmann::json());
  return (t.is_string() && t.get<std::string>() == type) || needs_type(check, type);
}

}  // namespace nsm::testing_support
