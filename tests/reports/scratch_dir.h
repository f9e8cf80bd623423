// A temporary directory for one test (removed with everything in it at the end), and
// helpers to copy fixtures into it and change files there.
#pragma once

#include <string>

namespace nsm::reports::testing {

class ScratchDir {
 public:
  ScratchDir();  // mkdtemp under $TMPDIR or /tmp, named nsm-reports-*
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The fixture directory `name` under tests/reports/fixtures.
std::string fixture(const std::string& name);
// Copies a fixture run into `dir` and returns the copy's path.
std::string copy_fixture(const std::string& name, const ScratchDir& dir);

std::string slurp(const std::string& path);
void spit(const std::string& path, const std::string& text);

}  // namespace nsm::reports::testing
