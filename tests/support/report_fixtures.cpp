#include "tests/support/report_fixtures.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nsm::reports::testing {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) { return std::string(NSM_REPORTS_FIXTURES) + "/" + name; }

std::string copy_fixture(const std::string& name, const TempDir& dir) {
  const std::string to = dir / name;
  fs::copy(fixture(name), to, fs::copy_options::recursive);
  return to;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void edit_json(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json doc = nlohmann::json::parse(slurp(path));
  edit(doc);
  spit(path, doc.dump(2));
}

}  // namespace nsm::reports::testing
