#include "tests/reports/scratch_dir.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nsm::reports::testing {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/nsm-reports-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp(" + pattern + ") failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  // Make everything removable again (a test may have taken permissions away).
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

std::string fixture(const std::string& name) { return std::string(NSM_REPORTS_FIXTURES) + "/" + name; }

std::string copy_fixture(const std::string& name, const ScratchDir& dir) {
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

}  // namespace nsm::reports::testing
