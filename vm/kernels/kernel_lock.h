// The lock: which exact uploads the manifest's entries mean today. A Debian track (suite +
// flavour) is resolved through the suite's metapackage, a pin by its package name, a build
// by its linux-source package; the lock keeps each answer (package, version, SHA-256 from
// apt's index) so that every run boots the same kernels until `nsmatrix kernels update`.
// When the archive has dropped a locked upload, a track or a build is resolved again (one
// line says old -> new) and a vanished pin is an error naming the entry and the fix.
//
// Where: the built-in manifest's lock is $NSMATRIX_CACHE/kernels.lock.json; a manifest
// FILE.json has FILE.lock.json beside it.
//
//   {"schema_version": 1, "kind": "kernels-lock", "manifest": "built-in", "kernels": {
//     "debian-6.1-cloud": {"spec": "debian track bookworm/cloud", "suite": "bookworm",
//       "resolved": "2026-12-05T07:30:00Z",
//       "metapackage": {"package": "linux-image-cloud-amd64", "version": "6.1.176-1"},
//       "packages": [{"package": "linux-image-6.1.0-50-cloud-amd64-unsigned",
//                     "version": "6.1.176-1", "sha256": "...", "size": 1234}]}}}
#pragma once

#include <map>
#include <optional>
#include <string>

#include "vm/kernels/apt_client.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {

struct LockEntry {
  std::string spec;  // what the manifest asked (entry_spec); another spec: the entry is not locked
  std::string suite;
  std::string resolved;                      // UTC time of the resolution
  std::optional<LockedPackage> metapackage;  // tracks
  std::vector<LockedPackage> packages;       // see KernelEntry::locked
};

// "debian track bookworm/cloud", "debian pin linux-image-x bookworm", "build linux-source-6.12 trixie".
std::string entry_spec(const KernelEntry& entry);

// Where packages are looked up: apt (AptSession) or, in tests, a fake archive.
class PackageArchive {
 public:
  virtual ~PackageArchive() = default;
  // The suite's candidate of NAME; nullopt when the suite has none.
  virtual std::optional<AptPackage> candidate(const std::string& name, const std::string& suite) = 0;
  // NAME at exactly VERSION; nullopt when the archive no longer has that upload.
  virtual std::optional<AptPackage> exact(const std::string& name, const std::string& version,
                                          const std::string& suite) = 0;
  // For messages: "the mirror this machine uses (...)".
  virtual std::string describe() const = 0;
};

// Asks the archive what the entry means now. Throws nsm::InputError naming the entry for a suite
// without the flavour's metapackage, a metapackage that depends on no kernel, a vanished
// pin (naming the manifest and `nsmatrix kernels update`), a missing linux-source.
LockEntry resolve_entry(const KernelEntry& entry, PackageArchive& archive);

// The lock's answer when the archive still has every locked upload (same SHA-256); else the
// entry resolved again, with `note` one line naming the old and the new upload.
struct LockChoice {
  LockEntry lock;
  std::string note;      // empty when the lock was used as it is
  bool changed = false;  // the lock file needs writing
};
LockChoice check_lock(const KernelEntry& entry, const std::optional<LockEntry>& locked, PackageArchive& archive);

std::string lock_path(const KernelEntry& entry);
// The lock file's entries by id; empty when there is no file. Throws nsm::InputError for a
// damaged one (naming it and the fix: delete it and run `nsmatrix kernels update`).
std::map<std::string, LockEntry> read_lock_file(const std::string& path);
// The entry's lock when the file has one for the same spec.
std::optional<LockEntry> read_locked(const KernelEntry& entry);
// Replaces the entry's lock in its file (read, change, rename, under a file lock).
void write_locked(const KernelEntry& entry, const LockEntry& lock);

// The entry with `locked` filled from the lock.
KernelEntry apply_lock(const KernelEntry& entry, const LockEntry& lock);

// "linux-image-6.1.0-50-cloud-amd64-unsigned 6.1.176-1" (the first package), for messages.
std::string lock_summary(const LockEntry& lock);

}  // namespace nsm::vm
