// A global knob (a sysctl's or a sysfs or cgroupfs file's path) put back to the value it
// had, however the check ends: in a guest, where a check may change one.
#pragma once

#include <string>
#include <utility>

#include "core/proc.h"

namespace nsm::conformance {

class KnobGuard {
 public:
  KnobGuard(std::string path, std::string value) : path_(std::move(path)), value_(std::move(value)) {}
  KnobGuard(const KnobGuard&) = delete;
  KnobGuard& operator=(const KnobGuard&) = delete;
  ~KnobGuard() {
    try {
      restore();
    } catch (const std::exception&) {  // a destructor cannot report it; restore() did, when called
    }
  }
  // Throws SysError when the value cannot be written back. An empty value is written as a
  // newline, which string knobs strip: a write of no bytes may never reach the kernel.
  void restore() const {
    const auto now = read_file(path_);
    if (!now || trim(*now) != value_) write_file(path_, value_.empty() ? "\n" : value_);
  }

 private:
  std::string path_, value_;
};

}  // namespace nsm::conformance
