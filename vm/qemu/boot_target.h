// What vm/qemu boots: a kernel image, its release, the modules the guest loads (in load
// order) and where it came from. The kernel store (vm/kernels) prepares these from the
// manifest; a bare bzImage path makes one directly (target_from_image).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nsm::vm {

struct BootTarget {
  std::string id;                    // results directory name: manifest id, or the image's name
  std::string release;               // "6.1.0-28-cloud-amd64"
  std::string version;               // upstream "6.1.119" ("" when unknown)
  std::string image;                 // bzImage
  std::string config;                // .config for the guest's probes ("" when none)
  std::vector<std::string> modules;  // host paths, load order
  nlohmann::json source;             // kernel.json "source"
};

// A kernel image that can never boot (not a bzImage): the kernel's status is boot-failed.
class NotBootableError : public InputError {
 public:
  using InputError::InputError;
};

// The version string a bzImage carries in its setup header ("6.1.0-28-cloud-amd64
// (debian-kernel@...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)").
// Throws nsm::NotBootableError (an InputError) naming the file when it is not a bzImage (too short, no "HdrS",
// boot protocol older than 2.00, version string outside the file).
std::string bzimage_version_string(const std::string& path);

// A target from a kernel image path. The release comes from the image; a config named
// config-<release> beside it is used (Debian's /boot layout). No modules: a bare image is
// booted with what it has built in. Throws nsm::InputError for a missing file or a non-bzImage.
BootTarget target_from_image(const std::string& path);

// A results-directory-safe id from a file name ("vmlinuz-6.1.0-28-cloud-amd64").
std::string id_from_path(const std::string& path);

}  // namespace nsm::vm
