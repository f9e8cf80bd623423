// Host-visible state that a check cannot avoid creating (a cgroup directory, a key in a
// user keyring) must not outlive the suite, even when the suite is killed with SIGKILL.
// A Janitor is a small forked process, in its own session, that holds the read end of a
// pipe. The check tells it what to undo; when the check undid it itself, it says so and the
// janitor exits. If instead the pipe closes (the suite died), the janitor undoes it all:
// rmdir of the cgroups (retrying while the killed children leave them, bounded) and
// KEYCTL_INVALIDATE of the keys. Both are registered by name before they exist, so that no
// moment leaves them unguarded. The janitor keeps no other file descriptor open, so it
// holds no namespace alive and no pipe of the caller's open.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>

#include "core/unique_fd.h"

namespace nsm::conformance {

class Janitor {
 public:
  // Forks the janitor. Throws SysError.
  static Janitor start();
  Janitor(Janitor&& other) noexcept : pid_(std::exchange(other.pid_, -1)), pipe_(std::move(other.pipe_)) {}
  Janitor& operator=(Janitor&&) = delete;
  ~Janitor();  // dismiss()

  void rmdir_on_death(const std::string& path);
  // A "user" key with this description in the caller's user keyring (@u).
  void invalidate_user_key_on_death(const std::string& description);
  // Everything was undone by the check: the janitor exits without touching anything.
  void dismiss();
  // The check could not undo it: the janitor does it now; returns when it is done.
  void undo_now();

 private:
  Janitor(pid_t pid, UniqueFd pipe) : pid_(pid), pipe_(std::move(pipe)) {}
  void tell(const std::string& line);
  pid_t pid_ = -1;
  UniqueFd pipe_;
};

}  // namespace nsm::conformance
