// The guest's serial console, read by the host for splats (vm/qemu/console_scan.h): any
// bytes, no exception, and the listed splats stay within their caps.
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "vm/qemu/console_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nsm::vm;
  const ConsoleFacts facts = scan_console(nsm::fuzz::as_text(data, size));
  NSM_FUZZ_CHECK(facts.splats.size() <= kMaxSplatsListed);
  NSM_FUZZ_CHECK(facts.splats.size() <= facts.splat_count);
  NSM_FUZZ_CHECK(facts.splat_count <= size);
  for (const auto& s : facts.splats) NSM_FUZZ_CHECK(!s.kind.empty());
  return 0;
}
