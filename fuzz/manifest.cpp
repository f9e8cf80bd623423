// The kernel manifest (vm/kernels/manifest.h), a user's --manifest file: anything wrong is
// nsm::Error naming the problem. The built-in fragments are used (no base directory), so
// nothing is read from disk.
#include <cstdint>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "vm/kernels/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto kernels = nsm::vm::parse_manifest(nsm::fuzz::as_text(data, size), "fuzz.json", "");
    if (!kernels.empty()) (void)nsm::vm::find_kernel(kernels, kernels.front().id);
  } catch (const nsm::Error&) {
  }
  return 0;
}
