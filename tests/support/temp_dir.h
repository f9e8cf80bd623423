// A fresh directory for one test under $TMPDIR (or /tmp), removed with everything in it when
// the test ends, even what the test made unreadable.
#pragma once

#include <string>

namespace nsm::test {

class TempDir {
 public:
  TempDir();  // mkdtemp: $TMPDIR/nsm-test-XXXXXX
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to `name` inside (parents created); returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace nsm::test
