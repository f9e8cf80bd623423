// Cache plumbing: a staging directory that becomes the cached entry only when complete
// (rename(2)), a lock file so two processes do not prepare the same thing at once, and
// small file helpers.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/unique_fd.h"

namespace nsm::vm {

// mkdtemp under PARENT/tmp; removed with its content unless commit() moved it into place.
class StagingDir {
 public:
  StagingDir(const std::string& cache_root, const std::string& label);
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir();
  const std::string& path() const { return path_; }
  // Replaces `destination` (if any) with the staging directory, atomically for readers of
  // the new one: the old is renamed aside first, then removed.
  void commit(const std::string& destination);

 private:
  std::string cache_root_;
  std::string path_;
  bool committed_ = false;
};

// Removes ROOT/tmp/LABEL.* (staging dirs of a run that was killed). Call it only while
// holding the lock that serialises work on LABEL.
void remove_stale_staging(const std::string& cache_root, const std::string& label);

// An exclusive flock(2) on PATH, held while the object lives. Blocks until it is free.
class FileLock {
 public:
  explicit FileLock(const std::string& path);

 private:
  UniqueFd fd_;
};

// rm -rf, ignoring what is already gone. Throws SysError on other failures.
void remove_tree(const std::string& path);
// Creates or replaces PATH with DATA (0644). Throws SysError.
void write_whole_file(const std::string& path, std::string_view data);
// SHA-256 of a file's content, read in pieces (a .deb of 150 MB). Throws SysError.
std::string file_sha256(const std::string& path);
// Copies a file (cp), creating or replacing `to`. Throws SysError.
void copy_file(const std::string& from, const std::string& to);

class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace nsm::vm
